from django.urls import path

from longarm.analytics import views

app_name = "analytics"
urlpatterns = [
    path("", views.dashboard_page, name="dashboard"),
    path("download/<slug:table>.<slug:form>", views.download, name="download"),
]

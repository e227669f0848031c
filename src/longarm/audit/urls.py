from django.urls import path

from longarm.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.events, name="events"),
]

from django.urls import path

from longarm.analytics.publication import views

app_name = "statistics"
urlpatterns = [
    path("statistics/", views.statistics, name="statistics"),
    path("statistics/<uuid:public_id>.csv", views.statistics_csv, name="csv"),
    path("statistics/<uuid:public_id>.json", views.statistics_json, name="json"),
]

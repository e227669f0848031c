from django.urls import path

from longarm.analytics.surveys import views

app_name = "surveys"
urlpatterns = [
    path("", views.campaign_list, name="campaigns"),
    path("new/", views.campaign_new, name="campaign_new"),
    path("<uuid:campaign_id>/", views.campaign_detail, name="campaign"),
    path("<uuid:campaign_id>/close/", views.campaign_close_view, name="campaign_close"),
    path("<uuid:campaign_id>/results.csv", views.campaign_results_csv, name="results_csv"),
    path("<uuid:campaign_id>/results.json", views.campaign_results_json, name="results_json"),
]

from django.urls import path

from longarm.analytics.publication import views

app_name = "publication"
urlpatterns = [
    path("", views.release_list, name="releases"),
    path("new/", views.release_new, name="release_new"),
    path("open-data/new/", views.open_data_new, name="open_data_new"),
    path("<uuid:public_id>/", views.release_detail, name="release"),
    path("<uuid:public_id>/decision/", views.release_decision, name="release_decision"),
    path("<uuid:public_id>/withdraw/", views.release_withdrawal, name="release_withdraw"),
    path("<uuid:public_id>/release.csv", views.release_csv, name="release_csv"),
    path("<uuid:public_id>/release.json", views.release_json, name="release_json"),
]

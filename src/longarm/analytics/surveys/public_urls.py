from django.urls import path

from longarm.analytics.surveys import views

app_name = "survey"
urlpatterns = [
    path("survey/<slug:slug>/", views.campaign_intro, name="intro"),
]

from django.urls import path

from longarm.analytics.surveys import views

app_name = "survey"
urlpatterns = [
    path("survey/<slug:slug>/", views.campaign_intro, name="intro"),
    path("survey/<slug:slug>/nothing-happened/", views.campaign_nothing_happened, name="nothing_happened"),
]

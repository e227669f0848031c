from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "longarm.analytics.surveys"
    label = "surveys"

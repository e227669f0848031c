from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "longarm.analytics"
    label = "analytics"

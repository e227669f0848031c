from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "longarm.api"
    label = "api"

from django.apps import AppConfig


class FederationConfig(AppConfig):
    name = "longarm.federation"
    label = "federation"

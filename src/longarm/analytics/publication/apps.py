from django.apps import AppConfig


class PublicationConfig(AppConfig):
    name = "longarm.analytics.publication"
    label = "publication"

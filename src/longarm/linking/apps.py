from django.apps import AppConfig


class LinkingConfig(AppConfig):
    name = "longarm.linking"
    label = "linking"

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "longarm.core"
    label = "core"

from django.apps import AppConfig


class GuidanceConfig(AppConfig):
    name = "longarm.guidance"
    label = "guidance"

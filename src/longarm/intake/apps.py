from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "longarm.intake"
    label = "intake"

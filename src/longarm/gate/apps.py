from django.apps import AppConfig


class GateConfig(AppConfig):
    name = "longarm.gate"
    label = "gate"

from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "longarm.cases"
    label = "cases"

from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "longarm.cases"
    label = "cases"

    def ready(self) -> None:
        from longarm.cases.signals import connect

        connect()

from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "longarm.intake"
    label = "intake"

    def ready(self) -> None:
        from longarm.intake.signals import connect

        connect()

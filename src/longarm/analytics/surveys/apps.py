from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "longarm.analytics.surveys"
    label = "surveys"

    def ready(self) -> None:
        from longarm.analytics.surveys import subscribers

        subscribers.register()

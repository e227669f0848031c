from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "longarm.analytics"
    label = "analytics"

    def ready(self) -> None:
        from longarm.analytics import subscribers

        subscribers.register()

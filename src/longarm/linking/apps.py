from django.apps import AppConfig


class LinkingConfig(AppConfig):
    name = "longarm.linking"
    label = "linking"

    def ready(self) -> None:
        # Report-level linking: blind indexes of what a reporter typed, prepared in the submitting request
        # and stored by the worker after commit.
        from longarm.linking.subscribers import register

        register()

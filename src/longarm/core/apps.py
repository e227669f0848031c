from django.apps import AppConfig, apps


class CoreConfig(AppConfig):
    name = "longarm.core"
    label = "core"

    def ready(self) -> None:
        if apps.is_installed("django_tasks_db"):
            from django.tasks.signals import task_finished

            from longarm.core.task_rows import forget_finished_task

            task_finished.connect(forget_finished_task, dispatch_uid="longarm.core.task_rows")

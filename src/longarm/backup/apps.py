from django.apps import AppConfig


class BackupConfig(AppConfig):
    name = "longarm.backup"
    label = "backup"
    default_auto_field = "django.db.models.BigAutoField"

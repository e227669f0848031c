from django.apps import AppConfig


class RecoveryConfig(AppConfig):
    """The key ceremonies: the recovery key split among keyholders, combined for one operation, rotated;
    and the signing key rotated."""

    name = "longarm.recovery"
    label = "recovery"
    default_auto_field = "django.db.models.BigAutoField"

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Digest e-mails to staff that say how much is waiting, never what, nor when it came."""

    name = "longarm.notifications"
    label = "notifications"
    default_auto_field = "django.db.models.BigAutoField"

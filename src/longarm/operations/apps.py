from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Running Longarm: health and readiness probes, Prometheus metrics, the worker's heartbeat."""

    name = "longarm.operations"
    label = "operations"
    default_auto_field = "django.db.models.BigAutoField"

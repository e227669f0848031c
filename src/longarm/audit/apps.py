from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "longarm.audit"
    label = "audit"

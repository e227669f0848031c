from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "longarm.retention"
    label = "retention"

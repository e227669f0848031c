"""Every message written or deleted updates its report's thread state (``intake.threads``), in the writer's
transaction. Model signals rather than calls in each service, as for the search index: a new service that
writes a message cannot forget it."""

from typing import Any

from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save

from longarm.intake.models import Message, Report
from longarm.intake.threads import thread_changed


def _message_written(sender: type, instance: Message, created: bool = False, **kwargs: Any) -> None:
    if created:
        thread_changed(report_id=instance.report_id)


def _message_deleted(sender: type, instance: Message, **kwargs: Any) -> None:
    # A report being deleted (shredded) takes its messages with it: nothing is left to update then.
    origin = kwargs.get("origin")
    if isinstance(origin, Report) or (isinstance(origin, QuerySet) and origin.model is Report):
        return
    thread_changed(report_id=instance.report_id)


def connect() -> None:
    post_save.connect(_message_written, sender=Message, dispatch_uid="intake-thread-written")
    post_delete.connect(_message_deleted, sender=Message, dispatch_uid="intake-thread-deleted")

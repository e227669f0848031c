"""What the database task queue keeps of a task once it has run: nothing that dates what a reporter did.

django-tasks-db keeps a row per task with the times it was queued, started and finished to the microsecond
and its arguments. A report's arrival queues its outbox delivery, a reporter's upload its processing, so the
row of the last one run would date them far more finely than anything kept about a reporter (to the day)
until the next task of its kind purged it (``outbox_purge_finished_tasks``, ``evidence_task_results_forget``
remain as sweeps for rows a killed worker left). So as soon as a task finishes, its row goes if it succeeded;
if it failed it stays, counted by readiness and the failure metric and read by operators, with its times
moved to the start of its day.
"""

from datetime import UTC, datetime, time
from typing import Any

from django.tasks import TaskResult, TaskResultStatus


def _day_start(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return datetime.combine(moment.astimezone(UTC).date(), time.min, tzinfo=UTC)


def forget_finished_task(sender: Any, task_result: TaskResult[Any, Any], **_: Any) -> None:
    """``django.tasks.signals.task_finished`` receiver for the database queue (other backends keep nothing
    in the database)."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    # django-tasks-db sends its backend after a success and the backend's class after a failure.
    backend = sender if isinstance(sender, type) else type(sender)
    if not issubclass(backend, DatabaseBackend):
        return
    rows = DBTaskResult.objects.filter(id=task_result.id)
    if task_result.status == TaskResultStatus.SUCCESSFUL:
        rows.delete()
        return
    for row in rows:
        row.enqueued_at = _day_start(row.enqueued_at) or row.enqueued_at
        row.started_at = _day_start(row.started_at)
        row.finished_at = _day_start(row.finished_at)
        row.save(update_fields=["enqueued_at", "started_at", "finished_at"])

"""How long the background queue is and how far behind: the same figures for the database queue and RQ."""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db.models import Min, Q
from django.utils import timezone


@dataclass(frozen=True)
class QueueState:
    waiting: int
    # Seconds the oldest task that may run now has waited; 0 for an empty queue.
    lag_seconds: float
    failed: int


def queue_state() -> QueueState:
    if settings.TASKS_URL.startswith("redis://"):
        return _rq_state()
    return _database_state()


def _age(since: datetime | None) -> float:
    if since is None:
        return 0.0
    return max(0.0, (timezone.now() - since).total_seconds())


def _database_state() -> QueueState:
    from django_tasks_db.models import DBTaskResult, get_date_max

    now = timezone.now()
    # A task with no "run after" is stored with the largest date; one scheduled later is not late yet.
    ready = DBTaskResult.objects.filter(status="READY").filter(
        Q(run_after__lte=now) | Q(run_after=get_date_max())
    )
    oldest = ready.aggregate(oldest=Min("enqueued_at"))["oldest"]
    return QueueState(
        waiting=DBTaskResult.objects.filter(status="READY").count(),
        lag_seconds=_age(oldest),
        failed=DBTaskResult.objects.filter(status="FAILED").count(),
    )


def _rq_state() -> QueueState:
    import django_rq

    queue = django_rq.get_queue("default")
    oldest = None
    first = queue.get_job_ids(0, 1)  # offset and length: the oldest job's id (a length of 0 gives none)
    if first:
        job = queue.fetch_job(first[0])
        if job is not None and job.enqueued_at is not None:
            enqueued = job.enqueued_at
            # RQ keeps naive UTC times.
            oldest = enqueued if enqueued.tzinfo is not None else enqueued.replace(tzinfo=UTC)
    return QueueState(waiting=queue.count, lag_seconds=_age(oldest), failed=queue.failed_job_registry.count)

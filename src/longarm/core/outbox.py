"""A transactional outbox: a service publishes an event in its own transaction; subscribers derive from it
after commit, each exactly once.

Why: the reporter path must stay short and must not know who derives what from a report (analytics facts,
survey indicators, blind indexes). ``publish`` writes one ``OutboxEvent`` row and one ``OutboxPending`` row
per subscriber in the writer's transaction, so an event exists exactly when what it describes was committed.
Delivery runs each subscriber's handler in a transaction that also deletes that subscriber's pending row: a
handler that raises, or a worker killed half-way, leaves both undone, and a second delivery of the same event
(a retried task, the sweep racing the worker) finds the row gone and does nothing. So nothing is lost and
nothing is derived twice. The event row is deleted with its last pending row.

Delivery is queued through the Tasks backend the settings name: with the database backend the task row is
written in the same transaction (no second commit on the reporter's request), with any other backend it is
queued on commit. ``outbox_sweep`` (``longarm serve`` before it starts the worker, and ``longarm
housekeeping``) delivers whatever a dead worker or a lost queue left behind.

What may go in a payload: coded values, identifiers of rows, keyed match keys and ciphertexts — never text a
reporter typed. A report's plaintext exists only in its request: ``prepare_on_report_arrival`` lets an app
turn it into such values there (``ReportArrival``), and only its result is stored.
"""

import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial

from django.db import transaction

from longarm.core.models import OutboxEvent, OutboxPending

logger = logging.getLogger(__name__)

REPORT_SUBMITTED = "report.submitted"


@dataclass(frozen=True)
class ReportArrival:
    """A report as it arrives, in the submitting request only: never stored, never queued."""

    report_pk: int
    public_id: uuid.UUID
    data_key: bytes
    # The answers exactly as intake encrypts them: ``answers.content()`` plus ``"language"``.
    content: Mapping[str, object]
    # Whether the reporter's consent lets staff read the report (None: not said, look it up).
    staff_may_read: bool | None = None


@dataclass(frozen=True)
class OutboxDelivery:
    topic: str
    object_id: str
    payload: Mapping[str, object]


Preparer = Callable[[ReportArrival], Mapping[str, object] | None]
Handler = Callable[[OutboxDelivery], None]

_preparers: dict[str, Preparer] = {}
_subscribers: dict[str, dict[str, Handler]] = {}


def prepare_on_report_arrival(name: str, fn: Preparer) -> None:
    """Register ``fn`` to run inside a report's submission transaction; its result (JSON, never plaintext)
    is stored in the event's payload under ``name``, and nothing when it returns None."""
    _preparers[name] = fn


def subscribe(topic: str, name: str, fn: Handler) -> None:
    """Register ``fn`` as subscriber ``name`` of ``topic`` (from an ``AppConfig.ready``). Handlers must be
    idempotent in what they write; the outbox runs each once per event unless it raises."""
    _subscribers.setdefault(topic, {})[name] = fn


def subscribers(topic: str) -> tuple[str, ...]:
    return tuple(_subscribers.get(topic, {}))


def publish(
    topic: str,
    *,
    object_id: str,
    payload: Mapping[str, object] | None = None,
    arrival: ReportArrival | None = None,
) -> None:
    """Record ``topic`` for ``object_id`` in the caller's transaction and queue its delivery.

    Raises ``RuntimeError`` outside a transaction: an event published after (or without) the write it
    describes could be delivered for a write that was rolled back, or lost for one that was not.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("publish() must run inside the writer's transaction")
    names = subscribers(topic)
    if not names:
        return
    body: dict[str, object] = dict(payload or {})
    if arrival is not None:
        for name, prepare in _preparers.items():
            prepared = prepare(arrival)
            if prepared is not None:
                body[name] = dict(prepared)
    event = OutboxEvent.objects.create(topic=topic, object_id=object_id, payload=body)
    OutboxPending.objects.bulk_create(OutboxPending(event=event, subscriber=name) for name in names)
    _queue_delivery(event.pk)


def _queue_delivery(event_id: int) -> None:
    from longarm.core.tasks import deliver_outbox_event

    backend = deliver_outbox_event.get_backend()
    if enqueues_in_transaction(backend):
        # The task row commits with the event: one transaction for the reporter's request, not two.
        deliver_outbox_event.enqueue(event_id)
    else:
        # Robust: a queue that is down must not turn a committed report into an error page; the event waits
        # for the sweep instead.
        transaction.on_commit(partial(deliver_outbox_event.enqueue, event_id), robust=True)


def enqueues_in_transaction(backend: object) -> bool:
    """Whether ``backend`` queues a task by writing a row in the caller's transaction (the database queue):
    then a task queued inside a transaction exists exactly when the transaction commits."""
    try:
        from django_tasks_db.backend import DatabaseBackend
    except ImportError:  # pragma: no cover - django-tasks-db is a dependency
        return False
    return isinstance(backend, DatabaseBackend)


def outbox_deliver(*, event_id: int) -> int:
    """Run every subscriber of the event that has not yet handled it; return how many handlers ran and
    finished. A handler that raises is logged and left pending for the sweep; the others still run.

    One transaction (a savepoint per subscriber): one commit per event, which on SQLite is one hold of the
    write lock through its sync rather than one per subscriber.
    """
    with transaction.atomic():
        event = OutboxEvent.objects.filter(pk=event_id).first()
        if event is None:
            return 0
        delivery = OutboxDelivery(topic=event.topic, object_id=event.object_id, payload=event.payload)
        handlers = _subscribers.get(event.topic, {})
        finished = 0
        waiting = False
        for name in OutboxPending.objects.filter(event_id=event_id).values_list("subscriber", flat=True):
            handler = handlers.get(name)
            if handler is None:
                logger.error("outbox: no subscriber %r of %r; event %s waits", name, event.topic, event_id)
                waiting = True
                continue
            try:
                with transaction.atomic():
                    # Claimed by deleting the pending row: a concurrent delivery of the same event waits on
                    # the row (PostgreSQL) or the write lock (SQLite) and then finds nothing to delete.
                    claimed, _ = OutboxPending.objects.filter(event_id=event_id, subscriber=name).delete()
                    if not claimed:
                        continue
                    handler(delivery)
            except Exception:
                logger.exception("outbox: subscriber %r failed on %r event %s", name, event.topic, event_id)
                waiting = True
                continue
            finished += 1
        if not waiting and not OutboxPending.objects.filter(event_id=event_id).exists():
            OutboxEvent.objects.filter(pk=event_id).delete()
    return finished


def outbox_sweep() -> int:
    """Deliver every event still waiting (a worker died, a queue was lost); return how many handlers ran.
    Safe beside a live worker: each (event, subscriber) is claimed before its handler runs."""
    outbox_purge_finished_tasks()
    return sum(
        outbox_deliver(event_id=event_id)
        for event_id in OutboxEvent.objects.order_by("pk").values_list("pk", flat=True)
    )


def outbox_purge_finished_tasks() -> int:
    """Delete finished delivery task rows: each carries the exact time it was queued, which is the time a
    report arrived (threat model, "Columns at rest")."""
    from django.apps import apps

    if not apps.is_installed("django_tasks_db"):
        return 0
    from django_tasks_db.models import DBTaskResult

    from longarm.core.tasks import deliver_outbox_event

    deleted: int
    deleted, _ = DBTaskResult.objects.finished().filter(task_path=deliver_outbox_event.module_path).delete()
    return deleted


def outbox_pending_count() -> int:
    return OutboxEvent.objects.count()

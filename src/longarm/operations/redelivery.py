"""The worker's redelivery: a thread beside the task loop that gives back to the queue what faults left out.

A worker killed mid-task holds an evidence item until its lease runs out; a task queue that was down when a
report was sent (Redis) refused its evidence and its outbox event. Both are kept in the database — items
waiting (``received``) and events pending (``core.outbox``) — and this thread queues or delivers them again
every ``LONGARM_REDELIVER_SECONDS``, so nothing waits for a restart or for the daily sweep.
"""

import logging
import threading

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection

from longarm.core.models import OutboxEvent
from longarm.core.outbox import outbox_deliver
from longarm.evidence.services import evidence_reclaim

logger = logging.getLogger(__name__)


def redeliver(*, seen: set[int]) -> set[int]:
    """One pass: reclaim evidence (``evidence_reclaim``) and deliver every outbox event that was already
    waiting at the previous pass (``seen``): an event published a moment ago is the queue's to deliver, one
    still there a whole interval later was dropped. Returns the events waiting now, for the next pass."""
    evidence_reclaim()
    for event_id in sorted(seen):
        outbox_deliver(event_id=event_id)
    return set(OutboxEvent.objects.values_list("pk", flat=True))


class RedeliveryThread(threading.Thread):
    """Redelivers until stopped; a database outage is logged and retried, never fatal to the worker."""

    def __init__(self) -> None:
        super().__init__(name="longarm-redelivery", daemon=True)
        self.stopped = threading.Event()

    def run(self) -> None:
        seen: set[int] = set()
        try:
            while not self.stopped.wait(settings.LONGARM_REDELIVER_SECONDS):
                try:
                    seen = redeliver(seen=seen)
                except DatabaseError:
                    logger.exception("Redelivery could not read the database; it tries again")
                    close_old_connections()
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=30)

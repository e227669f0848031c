"""The worker's heartbeat, written from a thread beside the task loop."""

import logging
import os
import socket
import threading
from datetime import timedelta

from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone

from longarm.operations.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

BEAT_EVERY = timedelta(seconds=15)
# Readiness calls a worker dead after four missed beats: a long task does not stop the beating thread.
STALE_AFTER = timedelta(seconds=60)


def worker_name() -> str:
    return f"{socket.gethostname()[:100]}:{os.getpid()}"


def beat(worker: str) -> None:
    WorkerHeartbeat.objects.update_or_create(worker=worker, defaults={"beat_at": timezone.now()})


def forget(worker: str) -> None:
    WorkerHeartbeat.objects.filter(worker=worker).delete()


def live_workers() -> int:
    """How many workers have beaten recently. A read only: readiness is probed every few seconds, and a
    probe that writes would turn a monitor into a writer of the database."""
    return WorkerHeartbeat.objects.filter(beat_at__gte=timezone.now() - STALE_AFTER).count()


def forget_gone_workers() -> int:
    """Delete the rows of workers that stopped beating long ago (killed, so they never removed their own);
    `longarm housekeeping` does it. Returns how many."""
    deleted, _ = WorkerHeartbeat.objects.filter(beat_at__lt=timezone.now() - 10 * STALE_AFTER).delete()
    return deleted


class HeartbeatThread(threading.Thread):
    """Beats until stopped; a database outage is logged and retried, never fatal to the worker."""

    def __init__(self, worker: str) -> None:
        super().__init__(name="longarm-heartbeat", daemon=True)
        self.worker = worker
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.is_set():
                try:
                    beat(self.worker)
                except DatabaseError:
                    logger.exception("The worker's heartbeat could not be written")
                    close_old_connections()
                self.stopped.wait(BEAT_EVERY.total_seconds())
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=BEAT_EVERY.total_seconds() + 5)
        try:
            forget(self.worker)
        except DatabaseError:
            logger.exception("The worker's heartbeat row could not be removed")

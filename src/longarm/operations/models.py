"""The background worker's heartbeat: how readiness knows that someone is working the queue."""

from django.db import models


class WorkerHeartbeat(models.Model):
    """One row per running worker process (host and process id), beaten every few seconds.

    System metadata only: it says that a worker lives, never what it works on.
    """

    worker = models.CharField(max_length=120, unique=True)
    beat_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.worker} at {self.beat_at:%Y-%m-%d %H:%M:%S}"

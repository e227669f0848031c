from django.db import models


class ThrottleCounter(models.Model):
    """Failed attempts in one time window for one scope (e.g. a session's receipt tries, or all of them).

    ``key`` is a keyed hash, never an address or a session identifier in clear.
    """

    scope = models.CharField(max_length=40)
    key = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key", "window_start"], name="throttle_unique_window"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.window_start:%Y-%m-%d %H:%M} {self.count}"


class OutboxEvent(models.Model):
    """Something a service published inside its transaction, waiting for its subscribers (``core.outbox``).

    Deleted as soon as every subscriber has handled it, so a thief of the database finds only the events of
    the last few seconds (or those a dead worker left for the sweep). No time is stored: the sweep needs none.
    """

    topic = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    # Coded values, keyed match keys and ciphertexts only, never plaintext a reporter typed (core.outbox).
    payload = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"{self.topic} {self.object_id}"


class OutboxPending(models.Model):
    """One subscriber that has not yet handled an event: deleted in the transaction its handler writes in."""

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="pending")
    subscriber = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "subscriber"], name="outbox_pending_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} {self.subscriber}"

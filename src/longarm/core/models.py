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

"""The digest's fixed schedule: a window starts on the hour or at midnight UTC, whatever arrived."""

from datetime import datetime, timedelta

from django.conf import settings

WINDOWS = {"hourly": timedelta(hours=1), "daily": timedelta(days=1)}


def window_start(now: datetime) -> datetime | None:
    """The start of the window ``now`` falls in, or None when digests are off."""
    schedule = settings.LONGARM_DIGEST
    if schedule == "hourly":
        return now.replace(minute=0, second=0, microsecond=0)
    if schedule == "daily":
        return now.replace(hour=0, minute=0, second=0, microsecond=0)
    return None

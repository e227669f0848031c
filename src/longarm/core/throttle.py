"""Fixed-window counters of failed attempts, kept in the database so every server process shares them."""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from longarm.core.models import ThrottleCounter
from longarm.operations.metrics import RATE_LIMIT_TRIPS


@dataclass(frozen=True)
class Limit:
    scope: str
    key: str
    maximum: int
    window: timedelta


def hashed_key(scope: str, value: str) -> str:
    """A keyed hash so that the throttle table never holds session ids or user names in clear."""
    secret = settings.SECRET_KEY.encode()
    return hashlib.blake2b(f"{scope}\0{value}".encode(), key=secret[:64], digest_size=16).hexdigest()


def _window_start(now: datetime, window: timedelta) -> datetime:
    seconds = int(window.total_seconds())
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=now.tzinfo)


def current_count(limit: Limit) -> int:
    """How many failures (or, for a pure counter, events) the current window has recorded."""
    start = _window_start(timezone.now(), limit.window)
    counter = ThrottleCounter.objects.filter(scope=limit.scope, key=limit.key, window_start=start).first()
    return counter.count if counter is not None else 0


def is_exceeded(limit: Limit) -> bool:
    exceeded = current_count(limit) >= limit.maximum
    if exceeded:
        RATE_LIMIT_TRIPS.labels(scope=limit.scope).inc()
    return exceeded


def record_failure(limit: Limit) -> bool:
    """Count one more in the current window; returns True when this opened the window's row."""
    start = _window_start(timezone.now(), limit.window)
    updated = ThrottleCounter.objects.filter(scope=limit.scope, key=limit.key, window_start=start).update(
        count=F("count") + 1
    )
    if updated:
        return False
    try:
        with transaction.atomic():
            ThrottleCounter.objects.create(scope=limit.scope, key=limit.key, window_start=start, count=1)
    except IntegrityError:
        # Another process created this window's row between our update and insert.
        ThrottleCounter.objects.filter(scope=limit.scope, key=limit.key, window_start=start).update(
            count=F("count") + 1
        )
        return False
    return True


def forget_earlier_windows(limit: Limit) -> int:
    """Delete this limit's rows of windows before the current one; returns how many. A counter only read in
    its current window keeps nothing older, so its rows never date past attempts."""
    start = _window_start(timezone.now(), limit.window)
    deleted, _ = ThrottleCounter.objects.filter(
        scope=limit.scope, key=limit.key, window_start__lt=start
    ).delete()
    return deleted


def purge_expired(*, older_than: timedelta = timedelta(days=1)) -> int:
    deleted, _ = ThrottleCounter.objects.filter(window_start__lt=timezone.now() - older_than).delete()
    return deleted

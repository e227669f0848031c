"""Site-wide pressure: attempts of each kind counted per window, to raise the price of the next ones.

Counting is all this does. Nothing here refuses an attempt: a flood makes every attempt dearer (for the
flooder first of all, who makes most of them), never impossible.
"""

from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, transaction

from longarm.core.throttle import Limit, current_count, forget_earlier_windows, record_failure
from longarm.gate.tokens import Purpose, clamp_level


def _counter(purpose: Purpose) -> Limit:
    # ``maximum`` is never consulted: the counter is read, not enforced.
    return Limit(
        scope=f"gate-{purpose.value}",
        key="all",
        maximum=0,
        window=timedelta(seconds=settings.LONGARM_GATE_WINDOW_SECONDS),
    )


# The level this process last read for each purpose: what a challenge is issued at while the count cannot be
# read (the database restarting), so that the widget's fetch still gets a challenge, at the price of the
# moment before, and the reporter meets the "please try again" page only where the database is needed.
_last_read: dict[Purpose, int] = {}


def pressure_level(purpose: Purpose) -> int:
    """The level new challenges and time-lock tokens for ``purpose`` are issued at: one more for every
    ``LONGARM_GATE_PRESSURE_STEP`` attempts made site-wide in the current window (while the count cannot
    be read, the level this process read last)."""
    try:
        # A savepoint: a failed read inside a caller's transaction must not leave it unusable.
        with transaction.atomic():
            count = current_count(_counter(purpose))
    except DatabaseError:
        return _last_read.get(purpose, 0)
    level = clamp_level(count // settings.LONGARM_GATE_PRESSURE_STEP)
    _last_read[purpose] = level
    return level


def pressure_record(purpose: Purpose) -> bool:
    """Count one attempt at ``purpose``; returns True for the first attempt of a new window."""
    counter = _counter(purpose)
    # Earlier windows' counts would say when anonymous attempts were made, to the window. They are deleted
    # when a window's first attempt opens its row, so the other attempts write nothing more.
    if record_failure(counter):
        forget_earlier_windows(counter)
        return True
    return False

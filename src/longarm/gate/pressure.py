"""Site-wide pressure: attempts of each kind counted per window, to raise the price of the next ones.

Counting is all this does. Nothing here refuses an attempt: a flood makes every attempt dearer (for the
flooder first of all, who makes most of them), never impossible.
"""

import time
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


# What this process last read of each purpose's count: (when, by the monotonic clock; the count). Challenges
# are issued at the level it gives while it is at most ``READ_EVERY_SECONDS`` old, and whenever the count
# cannot be read (the database restarting), so that the widget's fetch still gets a challenge, at the price of
# the moment before, and the reporter meets the "please try again" page only where the database is needed.
_last_read: dict[Purpose, tuple[float, int]] = {}
# Every challenge and every gated page used to read the count: a query (on SQLite, in a transaction of its
# own) twice per report sent (issue 13). Pressure is counted per window of minutes and priced per hundred
# attempts, so a level a second old prices the next attempt the same; this process's own attempts are added to
# what it read as they are counted, and other processes' reach it within the second.
READ_EVERY_SECONDS = 1.0
_clock = time.monotonic


def _count(purpose: Purpose) -> int:
    if transaction.get_connection().in_atomic_block:
        # A savepoint: a failed read inside a caller's transaction must not leave it unusable.
        with transaction.atomic():
            return current_count(_counter(purpose))
    # Outside one, a plain read: no transaction of its own (on SQLite, no write lock and no commit).
    return current_count(_counter(purpose))


def _level(count: int) -> int:
    return clamp_level(count // settings.LONGARM_GATE_PRESSURE_STEP)


def pressure_level(purpose: Purpose) -> int:
    """The level new challenges and time-lock tokens for ``purpose`` are issued at: one more for every
    ``LONGARM_GATE_PRESSURE_STEP`` attempts made site-wide in the current window, as read at most
    ``READ_EVERY_SECONDS`` ago (while the count cannot be read, as this process read it last)."""
    now = _clock()
    cached = _last_read.get(purpose)
    if cached is not None and now - cached[0] < READ_EVERY_SECONDS:
        return _level(cached[1])
    try:
        count = _count(purpose)
    except DatabaseError:
        return _level(cached[1]) if cached is not None else 0
    _last_read[purpose] = (now, count)
    return _level(count)


def pressure_record(purpose: Purpose) -> bool:
    """Count one attempt at ``purpose``; returns True for the first attempt of a new window."""
    counter = _counter(purpose)
    # Earlier windows' counts would say when anonymous attempts were made, to the window. They are deleted
    # when a window's first attempt opens its row, so the other attempts write nothing more.
    opened = record_failure(counter)
    if opened:
        forget_earlier_windows(counter)
    cached = _last_read.get(purpose)
    if cached is not None:
        # What this process read, with its own attempt: a new window's count starts again at one.
        _last_read[purpose] = (cached[0], 1 if opened else cached[1] + 1)
    return opened

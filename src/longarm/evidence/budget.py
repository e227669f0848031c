"""Site-wide budgets of bytes that reporters' uploads may keep, per time window.

Longarm keeps no IP address, so one anonymous visitor cannot be told from another: a limit on what one
visitor uploads is a limit on what everyone uploads. So the budget is shared by all reporters, and kept in
the database (``core.models.ThrottleCounter``, as ``core.throttle`` does) so that every server process
draws on the same one. It bounds what a flood can put on disk; it closes no mailbox and no report (a
report can be sent without its files, and files added later from the mailbox), and what draws on it is
paid for by the client: threat model §4.6.

A request takes from the budget *while its files stream in*, so that once the budget is spent nothing more
is written; when the request ends it gives back what it did not keep (files refused, or of a form sent back
with errors and not kept). Amounts are whole MiB rounded up to a power of two, per request, and only the
current window's total is kept (older rows are deleted as a new window opens): the counter never tells a
database thief more than roughly how much all reporters together kept in the last window.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from longarm.core.models import ThrottleCounter

MIB = 1024 * 1024
_KEY = "all"  # one budget for everyone: there is nothing to tell visitors apart by, by design


def units_for(size: int) -> int:
    """``size`` bytes in whole MiB, rounded up to a power of two; 0 for nothing."""
    if size <= 0:
        return 0
    mib = -(-size // MIB)
    return 1 << (mib - 1).bit_length()


@dataclass(frozen=True)
class Budget:
    scope: str
    maximum_units: int
    window: timedelta


def upload_budget() -> Budget:
    """Everything reporters' uploads keep: files of sent reports, mailbox files, kept questionnaire files."""
    return Budget(
        scope="upload-bytes",
        maximum_units=settings.LONGARM_UPLOAD_BUDGET_BYTES // MIB,
        window=timedelta(seconds=settings.LONGARM_UPLOAD_BUDGET_WINDOW_SECONDS),
    )


def pending_budget() -> Budget:
    """Of that, what files kept from questionnaires sent back with errors may hold (``evidence.pending``)."""
    return Budget(
        scope="pending-bytes",
        maximum_units=settings.LONGARM_PENDING_BYTES_PER_WINDOW // MIB,
        window=timedelta(seconds=settings.LONGARM_UPLOAD_BUDGET_WINDOW_SECONDS),
    )


def _window_start(now: datetime, window: timedelta) -> datetime:
    seconds = int(window.total_seconds())
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=now.tzinfo)


def _take_existing(budget: Budget, start: datetime, units: int) -> bool:
    # One conditional UPDATE: two processes can never both take the last units.
    return bool(
        ThrottleCounter.objects.filter(
            scope=budget.scope, key=_KEY, window_start=start, count__lte=budget.maximum_units - units
        ).update(count=F("count") + units)
    )


def budget_take(budget: Budget, units: int) -> datetime | None:
    """Take ``units`` from the current window of ``budget``.

    Returns:
        the start of the window they were taken from, or None if they would overspend it (nothing taken).
    """
    start = _window_start(timezone.now(), budget.window)
    if units <= 0:
        return start
    if units > budget.maximum_units:
        return None
    if _take_existing(budget, start, units):
        return start
    if ThrottleCounter.objects.filter(scope=budget.scope, key=_KEY, window_start=start).exists():
        return None
    try:
        with transaction.atomic():
            ThrottleCounter.objects.create(scope=budget.scope, key=_KEY, window_start=start, count=units)
    except IntegrityError:
        # Another process opened this window between our update and our insert.
        return start if _take_existing(budget, start, units) else None
    # A new window: the totals of the old ones are nobody's business any more.
    ThrottleCounter.objects.filter(scope=budget.scope, window_start__lt=start).delete()
    return start


def budget_give_back(budget: Budget, start: datetime, units: int) -> None:
    """Return ``units`` taken from the window starting at ``start`` (nothing if that window is gone)."""
    if units > 0:
        ThrottleCounter.objects.filter(
            scope=budget.scope, key=_KEY, window_start=start, count__gte=units
        ).update(count=F("count") - units)


def budget_remaining(budget: Budget) -> int:
    """Units left in the current window."""
    start = _window_start(timezone.now(), budget.window)
    used = (
        ThrottleCounter.objects.filter(scope=budget.scope, key=_KEY, window_start=start)
        .values_list("count", flat=True)
        .first()
    )
    return max(0, budget.maximum_units - (used or 0))


@dataclass
class Reservation:
    """What one request has taken from a budget so far: enough for the bytes it has received, rounded up to
    a power of two MiB, so that a request of any size touches the database a few dozen times at most."""

    budget: Budget
    taken: list[tuple[datetime, int]] = field(default_factory=list)

    @property
    def units(self) -> int:
        return sum(units for _, units in self.taken)

    def cover(self, size: int) -> bool:
        """Make sure ``size`` bytes in all are paid for; False (and nothing more taken) if the budget is
        spent."""
        needed = units_for(size) - self.units
        if needed <= 0:
            return True
        start = budget_take(self.budget, needed)
        if start is None:
            return False
        self.taken.append((start, needed))
        return True

    def settle(self, kept: int) -> None:
        """The request ends having kept ``kept`` bytes: give back everything taken beyond them."""
        surplus = self.units - units_for(kept)
        while surplus > 0 and self.taken:
            start, units = self.taken.pop()
            back = min(units, surplus)
            budget_give_back(self.budget, start, back)
            surplus -= back
            if back < units:
                self.taken.append((start, units - back))

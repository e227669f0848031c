"""Anonymous attempts counted per window instead of chained one by one (issue 11, item 6).

Anyone may send a public form as often as they like: attestation checks, receipt log-ins, files kept from a
form with errors. One chained event per attempt let one client write millions of rows a day and made every
staff write wait on the chain's lock. Such attempts are counted instead: one small counter row per action,
outcome and window, and, once the window has closed, one chained event for the window that states every count
— so a flood adds one row a window however many requests it sends. The counters hold no address, no session,
no report and nothing typed; the chain event holds the window and the counts, nothing else.

A closed window is written by the next counted attempt, by ``longarm audit checkpoint`` or ``flush`` and by
the ``flush_audit_tallies`` task; ``longarm audit flush`` also writes the window still open.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import groupby

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from longarm.audit.models import ActorKind, AuditEvent, AuditTally
from longarm.audit.services import audit_append, audit_head_locked

ACTION = "audit.tally"
OBJECT_TYPE = "window"
# AuditEvent.object_id holds at most this many characters; counts that do not fit go into a further event.
_OBJECT_ID_LENGTH = AuditEvent._meta.get_field("object_id").max_length or 64


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime


def current_window(now: datetime | None = None) -> Window:
    """The window ``now`` falls in: ``LONGARM_AUDIT_TALLY_SECONDS`` long, aligned on the Unix epoch (UTC)."""
    seconds = settings.LONGARM_AUDIT_TALLY_SECONDS
    epoch = int((now or timezone.now()).timestamp())
    start = datetime.fromtimestamp(epoch - epoch % seconds, tz=UTC)
    return Window(start=start, end=start + timedelta(seconds=seconds))


def audit_count(*, action: str, outcome: str, times: int = 1) -> None:
    """Count one anonymous attempt (or ``times`` of them) at ``action`` that ended in ``outcome``, in the
    caller's transaction (a rolled-back attempt is not counted). Closed windows are written to the chain
    first, so the chain lock is taken about once per window, not once per attempt.

    Call it at most once per transaction: the flush locks the chain head before any counter row, and a second
    count after a first could hold a counter row while it waits for the head.
    """
    now = timezone.now()
    with transaction.atomic():
        if AuditTally.objects.filter(window_end__lte=now).exists():
            _flush(before=now)
        _increment(action=action, outcome=outcome, times=times, window=current_window(now))


def _increment(*, action: str, outcome: str, times: int, window: Window) -> None:
    rows = AuditTally.objects.filter(action=action, outcome=outcome, window_start=window.start)
    # Another process may create the row between our update and insert, and a flush may delete it between
    # that insert and our next update: go round until one of the two lands.
    while not rows.update(count=F("count") + times):
        try:
            with transaction.atomic():
                AuditTally.objects.create(
                    action=action,
                    outcome=outcome,
                    window_start=window.start,
                    window_end=window.end,
                    count=times,
                )
        except IntegrityError:
            continue
        return


@transaction.atomic
def audit_tally_flush(*, include_open: bool = False) -> int:
    """Write every closed window's counts to the chain (and, with ``include_open``, the window still open) and
    delete their counter rows; return how many events were written.

    A window written while open gets a second event for the attempts counted after it; the sum is exact.
    """
    return _flush(before=None if include_open else timezone.now())


def _flush(*, before: datetime | None) -> int:
    # The head first, as every chain write does, then the counters: one lock order, no deadlock.
    audit_head_locked()
    rows = AuditTally.objects.select_for_update().order_by("window_start", "action", "outcome")
    if before is not None:
        rows = rows.filter(window_end__lte=before)
    tallies = list(rows)
    if not tallies:
        return 0
    now = timezone.now()
    written = 0
    for (window_start, window_end), group in groupby(
        tallies, key=lambda row: (row.window_start, row.window_end)
    ):
        counts = {f"{row.action}:{row.outcome}": row.count for row in group}
        for object_id in tally_object_ids(Window(start=window_start, end=window_end), counts):
            audit_append(
                actor=None,
                actor_kind=ActorKind.SYSTEM,
                action=ACTION,
                object_type=OBJECT_TYPE,
                object_id=object_id,
                at=min(window_end, now),
            )
            written += 1
    AuditTally.objects.filter(pk__in=[row.pk for row in tallies]).delete()
    return written


def tally_object_ids(window: Window, counts: dict[str, int]) -> list[str]:
    """``2026-06-01T10:00Z/3600s attestation.verify:invalid=412 report.open:opened=3``: the window and each
    count, split over as many object ids as the column's length needs (in practice one)."""
    seconds = int((window.end - window.start).total_seconds())
    label = f"{window.start.astimezone(UTC):%Y-%m-%dT%H:%MZ}/{seconds}s"
    ids: list[str] = []
    current = label
    for outcome, count in sorted(counts.items()):
        item = f" {outcome}={count}"
        if current != label and len(current) + len(item) > _OBJECT_ID_LENGTH:
            ids.append(current)
            current = label
        current += item
    ids.append(current)
    return ids


def tally_counts(object_id: str) -> dict[str, int]:
    """The counts one tally event states (the inverse of ``tally_object_ids`` for one id)."""
    _, *items = object_id.split(" ")
    return {outcome: int(count) for outcome, count in (item.split("=", 1) for item in items)}

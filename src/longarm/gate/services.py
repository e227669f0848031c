from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils import timezone

from longarm.gate.exceptions import GateRefused, Refusal
from longarm.gate.models import SpentToken
from longarm.gate.pressure import pressure_record
from longarm.gate.selectors import scoped_digest, spent_digest
from longarm.gate.tokens import (
    POW_FIELD,
    TIMELOCK_FIELD,
    Purpose,
    Ticket,
    clamp_level,
    pow_check,
    timelock_check,
)


def _hour_after(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def once_spend(*, scope: str, nonce: str, lasts: timedelta) -> bool:
    """Record that the one-time ``nonce`` of ``scope`` (a form's random token) was used, in the caller's
    transaction; False when it was used before, by this request's twin too (a double tap: the unique digest
    makes the second insert wait for the first and fail). Kept as the gate's spent tokens are: a keyed
    digest, never the nonce, until the hour after ``lasts`` from now."""
    try:
        with transaction.atomic():
            _spend(scoped_digest(scope=scope, nonce=nonce), lasts=lasts)
    except IntegrityError:
        return False
    return True


def _spend(digest: str, *, lasts: timedelta) -> None:
    """Keep ``digest`` as spent until the hour after ``lasts`` from now (rounded: the row dates nothing);
    ``IntegrityError`` when it was spent already."""
    SpentToken.objects.create(digest=digest, expires_at=_hour_after(timezone.now() + lasts))


def _ticket(data: QueryDict, purpose: Purpose) -> Ticket:
    """The first usable ticket in the posted data: the proof of work if one was sent, else the time-lock
    token. When neither is usable, the refusal that helps most: how long to wait, else what was wrong."""
    pow_payload, timelock = data.get(POW_FIELD, ""), data.get(TIMELOCK_FIELD, "")
    pow_refusal: GateRefused | None = None
    if pow_payload:
        try:
            return pow_check(pow_payload, purpose=purpose)
        except GateRefused as error:
            pow_refusal = error
    if timelock:
        try:
            return timelock_check(timelock, purpose=purpose)
        except GateRefused as error:
            if error.refusal == Refusal.EARLY or pow_refusal is None:
                raise
    raise pow_refusal or GateRefused(Refusal.MISSING)


def gate_pass(*, purpose: Purpose, data: QueryDict, minimum_level: int = 0) -> None:
    """Spend the solution or token posted in ``data`` for one attempt at ``purpose``.

    Cheap by design (signatures and one insert), and called before any Argon2id derivation. The attempt is
    counted towards site-wide pressure. Raises ``GateRefused`` when nothing usable was posted, when it was
    used before, or when it was issued below ``minimum_level``.
    """
    ticket = _ticket(data, purpose)
    # The price stops rising at the highest level a challenge can be issued at: a demand above it could never
    # be paid, and would be a lock-out by another name.
    required = clamp_level(minimum_level)
    if ticket.level < required:
        raise GateRefused(Refusal.TOO_WEAK, level=required)
    now = timezone.now()
    try:
        # The spent token and the attempt's count commit together: on SQLite every commit holds the write
        # lock through its sync, so one commit per attempt, not two.
        with transaction.atomic():
            _spend(
                spent_digest(purpose=purpose, ticket=ticket),
                lasts=timedelta(seconds=settings.LONGARM_GATE_TTL_SECONDS),
            )
            if pressure_record(purpose):
                # Once a pressure window (not once an attempt, which would add a write to every submission):
                # expired tokens go, as `longarm housekeeping` also does.
                SpentToken.objects.filter(expires_at__lt=now).delete()
    except IntegrityError as error:
        raise GateRefused(Refusal.REUSED) from error

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from longarm.accounts.models import StaffUser
from longarm.audit.alerts import ALERT_DAYS, ALERT_PREFIX
from longarm.audit.chain import GENESIS_HASH, checkpoint_message, link_hash
from longarm.audit.models import AuditCheckpoint, AuditEvent, AuditHead
from longarm.audit.references import object_references
from longarm.crypto.errors import SignatureError
from longarm.crypto.signing import verify_signature
from longarm.crypto.signing_transitions import SigningTransition

_COLUMNS = (
    "id",
    "created_at",
    "actor_kind",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "previous_hash",
    "event_hash",
)


@dataclass(frozen=True)
class ChainVerification:
    events_checked: int
    # The first event found broken; -1 when the break is after the last event (a truncated tail).
    first_broken_event_id: int | None
    checkpoints_checked: int = 0
    problem: str = ""
    # Signing-key rotations whose pinned point of the chain was found as signed.
    rotations_checked: int = 0

    @property
    def intact(self) -> bool:
        return self.first_broken_event_id is None and not self.problem


def _broken(checked: int, event_id: int, checkpoints: int, problem: str) -> ChainVerification:
    return ChainVerification(
        events_checked=checked,
        first_broken_event_id=event_id,
        checkpoints_checked=checkpoints,
        problem=problem,
    )


def _key_at(event_id: int, public_key: bytes, transitions: Sequence[SigningTransition]) -> bytes:
    """The key that signed checkpoints ending at ``event_id``: the chain of rotations ends in ``public_key``,
    and each rotation's old key signed up to and including the event the rotation pinned."""
    for transition in transitions:
        if event_id <= transition.audit_last_event_id:
            return transition.old_public_key
    return public_key


def _forged_checkpoint(
    checkpoints: list[AuditCheckpoint], public_key: bytes | None, transitions: Sequence[SigningTransition]
) -> ChainVerification | None:
    if public_key is None:
        return None
    for checkpoint in checkpoints:
        message = checkpoint_message(
            last_event_id=checkpoint.last_event_id,
            last_hash=checkpoint.last_hash,
            event_count=checkpoint.event_count,
            created_at=checkpoint.created_at,
        )
        try:
            verify_signature(
                _key_at(checkpoint.last_event_id, public_key, transitions),
                message,
                bytes(checkpoint.signature),
            )
        except SignatureError:
            return _broken(
                0,
                checkpoint.last_event_id,
                0,
                f"checkpoint {checkpoint.pk} at event {checkpoint.last_event_id} has an invalid signature by "
                "the signing key of its time: it was forged or altered",
            )
    return None


def _contradicted_rotation(transitions: Sequence[SigningTransition]) -> ChainVerification | None:
    """Each rotation pinned the chain (last event, its hash, the count) under both keys' signatures."""
    for transition in transitions:
        event = AuditEvent.objects.filter(pk=transition.audit_last_event_id).values_list("event_hash").first()
        count = AuditEvent.objects.filter(pk__lte=transition.audit_last_event_id).count()
        if event is None or event[0] != transition.audit_last_hash or count != transition.audit_event_count:
            return _broken(
                0,
                transition.audit_last_event_id,
                0,
                f"the signing-key rotation of {transition.at} pinned event {transition.audit_last_event_id} "
                f"as the {transition.audit_event_count}th, ending in hash "
                f"{transition.audit_last_hash[:12]}…; "
                "the chain no longer holds it: rewritten",
            )
    return None


def audit_chain_verify(
    *, signing_public_key: bytes | None = None, transitions: Sequence[SigningTransition] = ()
) -> ChainVerification:
    """Walk the chain in order; report the first event whose link or own hash does not hold, and the first
    checkpoint the chain contradicts.

    A deleted event breaks the next event's link, an altered one its own hash, a reordered pair both; a
    truncated tail no longer matches the head row. Checkpoints (their signatures checked against
    ``signing_public_key`` when given, or against the key it succeeded for those before a signing-key rotation
    in ``transitions``) catch a chain rewritten consistently from some event on; so does the point of the
    chain each rotation pinned. Rows are streamed as tuples, so memory stays flat and a million events take
    seconds.
    """
    checkpoints = list(AuditCheckpoint.objects.order_by("last_event_id"))
    forged = _forged_checkpoint(checkpoints, signing_public_key, transitions) or _contradicted_rotation(
        transitions
    )
    if forged is not None:
        return forged
    pending = iter(checkpoints)
    checkpoint = next(pending, None)
    passed = 0
    previous = GENESIS_HASH
    checked = 0
    rows = AuditEvent.objects.order_by("id").values_list(*_COLUMNS).iterator(chunk_size=20000)
    for pk, created_at, actor_kind, actor_id, action, object_type, object_id, stored_previous, stored in rows:
        if checkpoint is not None and checkpoint.last_event_id < pk:
            return _broken(
                checked,
                checkpoint.last_event_id,
                passed,
                f"event {checkpoint.last_event_id} (in checkpoint {checkpoint.pk}) is missing: deleted",
            )
        if stored_previous != previous:
            return _broken(
                checked,
                pk,
                passed,
                f"event {pk} ({action}, {created_at:%Y-%m-%d %H:%M:%S}) does not follow the event before it: "
                "an event before it was deleted, or events were reordered",
            )
        if stored != link_hash(previous, created_at, actor_kind, actor_id, action, object_type, object_id):
            return _broken(
                checked,
                pk,
                passed,
                f"event {pk} ({action}, {created_at:%Y-%m-%d %H:%M:%S}) does not match its hash: altered",
            )
        previous = stored
        checked += 1
        if checkpoint is not None and checkpoint.last_event_id == pk:
            if checkpoint.last_hash != stored or checkpoint.event_count != checked:
                return _broken(
                    checked,
                    pk,
                    passed,
                    f"event {pk} contradicts checkpoint {checkpoint.pk} (signed: {checkpoint.event_count} "
                    f"events ending in hash {checkpoint.last_hash[:12]}…; found {checked} ending in "
                    f"{stored[:12]}…): the chain was rewritten up to here",
                )
            passed += 1
            checkpoint = next(pending, None)
    if checkpoint is not None:
        return _broken(
            checked,
            checkpoint.last_event_id,
            passed,
            f"event {checkpoint.last_event_id} (in checkpoint {checkpoint.pk}) is missing: the end of "
            "the chain was deleted",
        )
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and head.last_hash != previous:
        return _broken(
            checked,
            -1,
            passed,
            f"the chain ends after {checked} events but the head names a later one: the last were deleted",
        )
    return ChainVerification(
        events_checked=checked,
        first_broken_event_id=None,
        checkpoints_checked=passed,
        rotations_checked=len(transitions),
    )


def audit_events(
    *,
    actor: StaffUser | None = None,
    action_prefix: str = "",
    since: date | None = None,
    until: date | None = None,
    alerts_only: bool = False,
) -> QuerySet[AuditEvent]:
    """Events for the admin viewer, newest first, filtered on who, what and when (days in UTC), and to
    alerts alone when ``alerts_only``."""
    events = AuditEvent.objects.select_related("actor").order_by("-id")
    if actor is not None:
        events = events.filter(actor=actor)
    if action_prefix:
        events = events.filter(action__startswith=action_prefix)
    if alerts_only:
        events = events.filter(action__startswith=ALERT_PREFIX)
    if since is not None:
        events = events.filter(created_at__gte=datetime.combine(since, time.min, tzinfo=UTC))
    if until is not None:
        end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=UTC)
        events = events.filter(created_at__lt=end)
    return events


def audit_alerts(*, days: int = ALERT_DAYS, limit: int = 100) -> list[AuditEvent]:
    """Alerts of the last ``days`` days, newest first (at most ``limit``)."""
    since = timezone.now() - timedelta(days=days)
    alerts = list(audit_events(alerts_only=True).filter(created_at__gte=since)[:limit])
    references = object_references(alerts)
    for event in alerts:
        # Which account or case the alert is about, as a person reads it.
        event.object_reference = references[event.pk]  # type: ignore[attr-defined]
    return alerts

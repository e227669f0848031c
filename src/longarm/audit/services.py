import secrets
from datetime import UTC, date, datetime, time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from longarm.accounts.models import StaffUser
from longarm.audit.chain import GENESIS_HASH, checkpoint_message, event_hash
from longarm.audit.models import ActorKind, AuditCheckpoint, AuditEvent, AuditHead, ReporterEvent
from longarm.core.keyring import current_keyring
from longarm.crypto.signing import sign


@transaction.atomic
def audit_append(
    *,
    actor: StaffUser | None,
    actor_kind: ActorKind,
    action: str,
    object_type: str = "",
    object_id: str = "",
    at: datetime | None = None,
    reporter_path: bool = False,
) -> AuditEvent | None:
    """Append one event to the chain in the caller's transaction and return it.

    Callers run this inside the transaction of the write it records, so that a rolled-back write leaves no
    event and an event never exists without its write. About every ``LONGARM_AUDIT_CHECKPOINT_EVERY`` events
    a signed checkpoint is taken in the same transaction. ``at`` dates an event that summarises a past period
    (``audit.tally``) by that period's end rather than by the moment it was written.

    A reporter's act (``actor_kind`` reporter), and the system's act on a reporter's file
    (``reporter_path``), is dated to its day and joins the chain only after the day has ended
    (``ReporterEvent``); then this returns None.
    """
    now = timezone.now()
    if actor_kind == ActorKind.REPORTER or reporter_path:
        _mark_reporter_events_waiting(now.date())
        ReporterEvent.objects.create(
            day=now.date(), actor_kind=actor_kind, action=action, object_type=object_type, object_id=object_id
        )
        return None
    head = audit_head_locked()
    if head.reporter_events_since is not None and head.reporter_events_since < now.date():
        _release_reporter_events(head, before=now.date())
    return _chain(
        head,
        created_at=(at or now).replace(microsecond=0),
        actor=actor,
        actor_kind=actor_kind,
        action=action,
        object_type=object_type,
        object_id=object_id,
    )


def _chain(
    head: AuditHead,
    *,
    created_at: datetime,
    actor: StaffUser | None,
    actor_kind: str,
    action: str,
    object_type: str,
    object_id: str,
) -> AuditEvent:
    digest = event_hash(
        previous_hash=head.last_hash,
        created_at=created_at,
        actor_kind=actor_kind,
        actor_id=actor.pk if actor else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
    )
    event = AuditEvent.objects.create(
        created_at=created_at,
        actor_kind=actor_kind,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        previous_hash=head.last_hash,
        event_hash=digest,
    )
    head.last_hash = digest
    head.save(update_fields=["last_hash"])
    # Identifiers on PostgreSQL may skip numbers, so this is "about every N"; the count is exact.
    if event.pk % settings.LONGARM_AUDIT_CHECKPOINT_EVERY == 0:
        _checkpoint()
    return event


def audit_head_locked() -> AuditHead:
    """The audit chain's head, made if there is none yet, locked for the rest of the caller's transaction.

    Every write to the chain takes it first (one lock order: no deadlock), and a writer that must not run
    beside another one (a checkpoint, a key rotation, a flush of the tallies) takes it to wait its turn.
    """
    head, _ = AuditHead.objects.select_for_update(no_key=True).get_or_create(
        pk=1, defaults={"last_hash": GENESIS_HASH}
    )
    return head


def _mark_reporter_events_waiting(day: date) -> None:
    # Usually an update that changes nothing (the day is marked already) and so locks no row; the head is
    # locked only by the first reporter event after a release.
    if not AuditHead.objects.filter(pk=1, reporter_events_since__isnull=True).update(
        reporter_events_since=day
    ):
        AuditHead.objects.get_or_create(
            pk=1, defaults={"last_hash": GENESIS_HASH, "reporter_events_since": day}
        )


def _release_reporter_events(head: AuditHead, *, before: date) -> int:
    """Chain the reporter events of the days before ``before``, dated to their day, shuffled within it."""
    waiting = list(ReporterEvent.objects.select_for_update().filter(day__lt=before).order_by("day", "id"))
    # Events of ``before`` itself may be waiting (or be written by a transaction that began the day before and
    # has yet to commit): look again on a later day.
    head.reporter_events_since = before
    head.save(update_fields=["reporter_events_since"])
    if not waiting:
        return 0
    days = sorted({event.day for event in waiting})
    shuffle = secrets.SystemRandom().shuffle
    for day in days:
        of_day = [event for event in waiting if event.day == day]
        # Random order: the order of a day's events would otherwise say which came first.
        shuffle(of_day)
        for event in of_day:
            _chain(
                head,
                created_at=datetime.combine(day, time.min, tzinfo=UTC),
                actor=None,
                actor_kind=event.actor_kind,
                action=event.action,
                object_type=event.object_type,
                object_id=event.object_id,
            )
    ReporterEvent.objects.filter(pk__in=[event.pk for event in waiting]).delete()
    return len(waiting)


@transaction.atomic
def audit_release_reporter_events(*, before: date | None = None) -> int:
    """Chain every reporter event of a day that has ended (or of the days before ``before``); return how many.

    ``audit_append`` does this before any chained event, and ``longarm audit checkpoint`` (daily) before it
    signs, so a quiet day's events are chained by the next morning.
    """
    head = audit_head_locked()
    return _release_reporter_events(head, before=before or timezone.now().date())


def _checkpoint() -> AuditCheckpoint | None:
    last = AuditEvent.objects.order_by("-id").first()
    previous = AuditCheckpoint.objects.order_by("-last_event_id").first()
    if last is None or (previous is not None and previous.last_event_id >= last.pk):
        return None
    since = previous.last_event_id if previous else 0
    count = (previous.event_count if previous else 0) + AuditEvent.objects.filter(
        id__gt=since, id__lte=last.pk
    ).count()
    created_at = timezone.now().replace(microsecond=0)
    message = checkpoint_message(
        last_event_id=last.pk, last_hash=last.event_hash, event_count=count, created_at=created_at
    )
    return AuditCheckpoint.objects.create(
        last_event_id=last.pk,
        last_hash=last.event_hash,
        event_count=count,
        created_at=created_at,
        signature=sign(current_keyring().signing_seed, message),
    )


@transaction.atomic
def audit_checkpoint_create() -> AuditCheckpoint | None:
    """Chain the reporter events of days that have ended, then sign the chain as it stands now; returns None
    when no event was appended since the last checkpoint.

    The head row is locked, so no event is appended between reading the last event and counting.
    """
    head = audit_head_locked()
    _release_reporter_events(head, before=timezone.now().date())
    return _checkpoint()

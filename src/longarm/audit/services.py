from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from longarm.accounts.models import StaffUser
from longarm.audit.chain import GENESIS_HASH, checkpoint_message, event_hash
from longarm.audit.models import ActorKind, AuditCheckpoint, AuditEvent, AuditHead
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
) -> AuditEvent:
    """Append one event to the chain in the caller's transaction and return it.

    Callers run this inside the transaction of the write it records, so that a rolled-back write leaves no
    event and an event never exists without its write. About every ``LONGARM_AUDIT_CHECKPOINT_EVERY`` events
    a signed checkpoint is taken in the same transaction. ``at`` dates an event that summarises a past period
    (``audit.tally``) by that period's end rather than by the moment it was written.
    """
    head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1, defaults={"last_hash": GENESIS_HASH})
    created_at = (at or timezone.now()).replace(microsecond=0)
    digest = event_hash(
        previous_hash=head.last_hash,
        created_at=created_at,
        actor_kind=actor_kind.value,
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
    """Sign the chain as it stands now; returns None when no event was appended since the last checkpoint.

    The head row is locked, so no event is appended between reading the last event and counting.
    """
    AuditHead.objects.select_for_update().get_or_create(pk=1, defaults={"last_hash": GENESIS_HASH})
    return _checkpoint()

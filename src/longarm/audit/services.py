from django.db import transaction
from django.utils import timezone

from longarm.accounts.models import StaffUser
from longarm.audit.chain import GENESIS_HASH, event_hash
from longarm.audit.models import ActorKind, AuditEvent, AuditHead


@transaction.atomic
def audit_append(
    *,
    actor: StaffUser | None,
    actor_kind: ActorKind,
    action: str,
    object_type: str = "",
    object_id: str = "",
) -> AuditEvent:
    """Append one event to the chain in the caller's transaction and return it.

    Callers run this inside the transaction of the write it records, so that a rolled-back write leaves no
    event and an event never exists without its write.
    """
    head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1, defaults={"last_hash": GENESIS_HASH})
    created_at = timezone.now().replace(microsecond=0)
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
    return event

from dataclasses import dataclass

from longarm.audit.chain import GENESIS_HASH, event_hash
from longarm.audit.models import AuditEvent, AuditHead


@dataclass(frozen=True)
class ChainVerification:
    events_checked: int
    first_broken_event_id: int | None

    @property
    def intact(self) -> bool:
        return self.first_broken_event_id is None


def audit_chain_verify() -> ChainVerification:
    """Walk the chain in order; report the first event whose link or own hash does not hold.

    A deleted event breaks the next event's link, an altered one its own hash, a reordered pair both; a
    truncated tail no longer matches the head row.
    """
    previous = GENESIS_HASH
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=5000):
        expected = event_hash(
            previous_hash=previous,
            created_at=event.created_at,
            actor_kind=event.actor_kind,
            actor_id=event.actor_id,
            action=event.action,
            object_type=event.object_type,
            object_id=event.object_id,
        )
        if event.previous_hash != previous or event.event_hash != expected:
            return ChainVerification(events_checked=checked, first_broken_event_id=event.pk)
        previous = event.event_hash
        checked += 1
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and head.last_hash != previous:
        return ChainVerification(events_checked=checked, first_broken_event_id=-1)
    return ChainVerification(events_checked=checked, first_broken_event_id=None)

import pytest

from longarm.audit.models import ActorKind, AuditEvent, AuditHead
from longarm.audit.selectors import audit_chain_verify
from longarm.audit.services import audit_append

pytestmark = pytest.mark.django_db


def append_events(count: int) -> list[AuditEvent]:
    return [
        audit_append(actor=None, actor_kind=ActorKind.SYSTEM, action=f"test.{number}", object_id=str(number))
        for number in range(count)
    ]


def test_an_untouched_chain_verifies() -> None:
    append_events(5)
    result = audit_chain_verify()
    assert result.intact
    assert result.events_checked == 5


def test_an_altered_event_is_found() -> None:
    events = append_events(5)
    AuditEvent.objects.filter(pk=events[2].pk).update(action="report.read")
    assert audit_chain_verify().first_broken_event_id == events[2].pk


def test_a_deleted_event_is_found() -> None:
    events = append_events(5)
    AuditEvent.objects.filter(pk=events[1].pk).delete()
    assert audit_chain_verify().first_broken_event_id == events[2].pk


def test_a_truncated_tail_is_found() -> None:
    events = append_events(5)
    AuditEvent.objects.filter(pk=events[4].pk).delete()
    assert not audit_chain_verify().intact


def test_swapped_events_are_found() -> None:
    events = append_events(4)
    first, second = events[1], events[2]
    AuditEvent.objects.filter(pk=first.pk).update(action=second.action, object_id=second.object_id)
    AuditEvent.objects.filter(pk=second.pk).update(action=first.action, object_id=first.object_id)
    assert audit_chain_verify().first_broken_event_id == first.pk


def test_the_head_follows_the_last_event() -> None:
    events = append_events(3)
    assert AuditHead.objects.get().last_hash == events[-1].event_hash

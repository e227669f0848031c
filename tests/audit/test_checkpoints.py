import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from longarm.audit.models import AuditCheckpoint, AuditEvent, AuditHead
from longarm.audit.selectors import audit_chain_verify
from longarm.audit.services import audit_checkpoint_create
from longarm.core.keyring import current_keyring
from longarm.crypto.signing import new_signing_seed, sign
from tests.audit.test_chain import append_events

pytestmark = pytest.mark.django_db


def verify() -> str:
    """Run `longarm audit verify`; return its message, raising CommandError when it exits non-zero."""
    from io import StringIO

    out = StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue()


def test_a_checkpoint_signs_the_count_and_the_last_hash() -> None:
    events = append_events(4)
    checkpoint = audit_checkpoint_create()
    assert checkpoint is not None
    assert (checkpoint.last_event_id, checkpoint.last_hash, checkpoint.event_count) == (
        events[-1].pk,
        events[-1].event_hash,
        4,
    )
    assert audit_checkpoint_create() is None  # nothing new to sign
    append_events(2)
    assert audit_checkpoint_create().event_count == 6  # type: ignore[union-attr]
    assert "6 events and 2 signed checkpoints" in verify()


def test_checkpoints_are_taken_automatically_every_n_events() -> None:
    with override_settings(LONGARM_AUDIT_CHECKPOINT_EVERY=3):
        append_events(7)
    assert AuditCheckpoint.objects.count() >= 1
    assert audit_chain_verify(signing_public_key=current_keyring().signing_public_key).intact


def test_a_consistently_rewritten_chain_contradicts_its_checkpoint() -> None:
    from longarm.audit.chain import GENESIS_HASH, event_hash

    events = append_events(5)
    audit_checkpoint_create()
    # An insider with database access deletes event 2 and recomputes every later hash and the head.
    AuditEvent.objects.filter(pk=events[1].pk).delete()
    previous = GENESIS_HASH
    for event in AuditEvent.objects.order_by("id"):
        digest = event_hash(
            previous_hash=previous,
            created_at=event.created_at,
            actor_kind=event.actor_kind,
            actor_id=event.actor_id,
            action=event.action,
            object_type=event.object_type,
            object_id=event.object_id,
        )
        AuditEvent.objects.filter(pk=event.pk).update(previous_hash=previous, event_hash=digest)
        previous = digest
    AuditHead.objects.update(last_hash=previous)
    result = audit_chain_verify(signing_public_key=current_keyring().signing_public_key)
    assert result.first_broken_event_id == events[-1].pk
    assert "contradicts checkpoint" in result.problem
    with pytest.raises(CommandError, match=f"event {events[-1].pk} contradicts checkpoint"):
        verify()


def test_a_forged_checkpoint_is_found() -> None:
    append_events(3)
    checkpoint = audit_checkpoint_create()
    assert checkpoint is not None
    AuditCheckpoint.objects.filter(pk=checkpoint.pk).update(signature=sign(new_signing_seed(), b"forged"))
    with pytest.raises(CommandError, match="invalid signature"):
        verify()


def test_an_altered_checkpoint_is_found() -> None:
    append_events(3)
    checkpoint = audit_checkpoint_create()
    assert checkpoint is not None
    AuditCheckpoint.objects.filter(pk=checkpoint.pk).update(event_count=2)
    with pytest.raises(CommandError, match="invalid signature"):
        verify()


def test_deleting_the_signed_last_event_is_found() -> None:
    events = append_events(3)
    audit_checkpoint_create()
    AuditEvent.objects.filter(pk=events[-1].pk).delete()
    AuditHead.objects.update(last_hash=events[-2].event_hash)
    with pytest.raises(CommandError, match=f"event {events[-1].pk} .*is missing"):
        verify()


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        ("alter", "does not match its hash"),
        ("delete", "does not follow the event before it"),
        ("swap", "does not match its hash"),
    ],
)
def test_verify_exits_non_zero_naming_the_event(tamper: str, message: str) -> None:
    events = append_events(5)
    if tamper == "alter":
        AuditEvent.objects.filter(pk=events[2].pk).update(object_id="someone-else")
        named = events[2].pk
    elif tamper == "delete":
        AuditEvent.objects.filter(pk=events[1].pk).delete()
        named = events[2].pk
    else:
        AuditEvent.objects.filter(pk=events[1].pk).update(
            action=events[2].action, object_id=events[2].object_id
        )
        AuditEvent.objects.filter(pk=events[2].pk).update(
            action=events[1].action, object_id=events[1].object_id
        )
        named = events[1].pk
    with pytest.raises(CommandError, match=f"event {named} .*{message}"):
        verify()


def test_the_checkpoint_command_reports_what_it_signed() -> None:
    from io import StringIO

    append_events(2)
    out = StringIO()
    call_command("audit", "checkpoint", stdout=out)
    assert "2 events" in out.getvalue()

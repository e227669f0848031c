"""Rotating the signing key: the audit chain is pinned by a checkpoint the old key signs, the transition
statement is signed by both keys and kept in the keyring, and the rotation is an audit event."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from longarm.audit.models import ActorKind, AuditCheckpoint
from longarm.audit.services import audit_append, audit_checkpoint_create
from longarm.core.keyring import current_keyring
from longarm.crypto.keyring import finish_signing_key_install, install_signing_key
from longarm.crypto.signing import new_signing_seed, signing_public_key
from longarm.crypto.signing_transitions import SigningTransition, sign_transition


def signing_key_rotate() -> SigningTransition:
    """Replace the keyring's signing key with a new one; returns the transition, signed by both keys.

    In one transaction, holding the audit chain's head: an event records the rotation, a checkpoint signed by
    the old key covers the chain up to and including it, and the new key is installed. Every checkpoint after
    that event is signed by the new key; ``audit verify`` checks each against the key of its time.

    Raises:
        KeyringError: if the keyring is broken. OSError: if the keyring cannot be written (nothing changed).
    """
    finish_signing_key_install(settings.KEYS_DIR)
    old_seed = current_keyring().signing_seed
    new_seed = new_signing_seed()
    with transaction.atomic():
        event = audit_append(
            actor=None,
            actor_kind=ActorKind.SYSTEM,
            action="keyring.signing_rotate",
            object_type="signing_key",
            object_id=f"{signing_public_key(old_seed)[:8].hex()}>{signing_public_key(new_seed)[:8].hex()}",
        )
        if event is None:  # a system act is chained at once; only a reporter's waits for the day's end
            raise RuntimeError("the rotation event was not chained")
        # The event may have triggered the periodic checkpoint already; either way one now ends at the event.
        audit_checkpoint_create()
        checkpoint = AuditCheckpoint.objects.get(last_event_id=event.pk)
        transition = sign_transition(
            old_seed=old_seed,
            new_seed=new_seed,
            at=timezone.now(),
            audit_last_event_id=checkpoint.last_event_id,
            audit_last_hash=checkpoint.last_hash,
            audit_event_count=checkpoint.event_count,
        )
        install_signing_key(settings.KEYS_DIR, new_seed, transition)
    return transition

"""Rotating the recovery key pair: every report, case and evidence key sealed to the old public key is sealed
again to the new one, and the old seal is overwritten in its row.

A rotation is recorded before anything changes (``RecoveryRotation``), then the keyring's recovery public key
is replaced, so everything sealed from then on goes to the new key; then the seals are walked table by
table in id order, in batches, each batch committed with the position reached. Interrupted anywhere, it
resumes from that position given the old key again. The walk is made twice: a seal made with the old public
key by a request or task that read the keyring just before it changed, and committed after the first pass
went by, is caught by the second. A seal the old key does not open was made to the new key already and is
left alone.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

from longarm.audit.models import ActorKind
from longarm.audit.services import audit_append, audit_head_locked
from longarm.cases.models import CaseKey
from longarm.core.keyring import current_keyring
from longarm.crypto.envelopes import keypair_from_private_key, seal, unseal
from longarm.crypto.errors import DecryptionError
from longarm.crypto.keyring import replace_recovery_public_key
from longarm.evidence.models import EvidenceKey, KeyHolder
from longarm.intake.models import RecipientKind, SealedKey
from longarm.recovery.exceptions import RotationInProgress, WrongRecoveryKey
from longarm.recovery.models import RecoveryRotation

BATCH = 500
KEYRING_STAGE = "0:keyring"
TABLES = ("report", "case", "evidence")
STAGES = (KEYRING_STAGE, *(f"{walk}:{table}" for walk in (1, 2) for table in TABLES))
DONE = "done"


def recovery_seals(table: str) -> "QuerySet[SealedKey] | QuerySet[CaseKey] | QuerySet[EvidenceKey]":
    """Every key sealed to the recovery key, in one table: report keys (content and identity), case keys
    (content and identity) and evidence file keys."""
    if table == "report":
        return SealedKey.objects.filter(recipient_kind=RecipientKind.RECOVERY)
    if table == "case":
        return CaseKey.objects.filter(staff__isnull=True)
    return EvidenceKey.objects.filter(holder=KeyHolder.RECOVERY)


def recovery_seal_count() -> int:
    return sum(recovery_seals(table).count() for table in TABLES)


def fingerprint(public_key: bytes) -> str:
    """How the audit log and the operator name a recovery key: its public half's first 8 bytes, in hex."""
    return public_key[:8].hex()


def unfinished_rotation() -> RecoveryRotation | None:
    return RecoveryRotation.objects.filter(finished_at__isnull=True).order_by("id").first()


def recovery_rotation_begin(*, old_private_key: bytes, new_public_key: bytes) -> RecoveryRotation:
    """Record a rotation from the keyring's recovery key (whose private half is ``old_private_key``) to
    ``new_public_key``; :func:`recovery_rotation_run` then carries it out. Call it only once the new private
    key is safely written out (a file or keyholders' shares): from here on, new seals go to it.

    Raises:
        WrongRecoveryKey: if ``old_private_key`` is not the keyring's recovery key.
        RotationInProgress: if another rotation has not finished (resume that one instead).
    """
    old_public = keypair_from_private_key(old_private_key).public
    if old_public != current_keyring().recovery_public_key:
        raise WrongRecoveryKey("this is not the recovery private key of this installation")
    if new_public_key == old_public:
        raise ValueError("the new recovery key must differ from the old one")
    with transaction.atomic():
        # The audit chain's head is the one row every audited write locks: holding it, two operators
        # beginning a rotation at once are taken one after the other, and the second finds the first.
        audit_head_locked()
        if unfinished_rotation() is not None:
            raise RotationInProgress("a recovery-key rotation is unfinished: resume it with the old key")
        rotation = RecoveryRotation.objects.create(
            old_public_key=old_public,
            new_public_key=new_public_key,
            started_at=timezone.now(),
            stage=KEYRING_STAGE,
        )
        audit_append(
            actor=None,
            actor_kind=ActorKind.SYSTEM,
            action="recovery.rotation_begin",
            object_type="recovery_key",
            object_id=f"{fingerprint(old_public)}>{fingerprint(new_public_key)}",
        )
    return rotation


@dataclass(frozen=True)
class RotationProgress:
    stage: str
    resealed: int


def recovery_rotation_run(
    *,
    rotation: RecoveryRotation,
    old_private_key: bytes,
    batch_size: int | None = None,
    progress: Callable[[RotationProgress], None] | None = None,
) -> RecoveryRotation:
    """Carry ``rotation`` out from where it stopped, to the end; returns it finished.

    Raises:
        WrongRecoveryKey: if ``old_private_key`` is not the rotation's old key.
    """
    if keypair_from_private_key(old_private_key).public != bytes(rotation.old_public_key):
        raise WrongRecoveryKey("this is not the recovery private key this rotation started from")
    new_public = bytes(rotation.new_public_key)
    while rotation.stage != DONE:
        if rotation.stage == KEYRING_STAGE:
            # Idempotent: after a crash the keyring may hold either key.
            replace_recovery_public_key(settings.KEYS_DIR, new_public)
            _advance(rotation)
            continue
        table = rotation.stage.split(":", 1)[1]
        done = _reseal_batch(rotation, table, old_private_key, new_public, batch_size or BATCH)
        if progress is not None:
            progress(RotationProgress(stage=rotation.stage, resealed=rotation.resealed))
        if done:
            _advance(rotation)
    return rotation


def _advance(rotation: RecoveryRotation) -> None:
    index = STAGES.index(rotation.stage)
    with transaction.atomic():
        if index + 1 < len(STAGES):
            rotation.stage, rotation.last_id = STAGES[index + 1], 0
            rotation.save(update_fields=["stage", "last_id"])
            return
        rotation.stage, rotation.last_id, rotation.finished_at = DONE, 0, timezone.now()
        rotation.save(update_fields=["stage", "last_id", "finished_at"])
        audit_append(
            actor=None,
            actor_kind=ActorKind.SYSTEM,
            action="recovery.rotation_finish",
            object_type="recovery_key",
            object_id=f"{fingerprint(bytes(rotation.new_public_key))} resealed={rotation.resealed}",
        )


def _reseal_batch(
    rotation: RecoveryRotation, table: str, old_private_key: bytes, new_public: bytes, batch_size: int
) -> bool:
    """Reseal the next batch of ``table``'s recovery seals and record the position; True when none is left."""
    with transaction.atomic():
        rows: list[Model] = list(
            recovery_seals(table)
            .select_for_update(no_key=True)
            .filter(pk__gt=rotation.last_id)
            .order_by("pk")[:batch_size]
        )
        changed = _reseal(rows, old_private_key, new_public)
        if changed:
            type(changed[0]).objects.bulk_update(changed, ["sealed"])  # type: ignore[attr-defined]
        if rows:
            rotation.last_id = rows[-1].pk
        rotation.resealed += len(changed)
        rotation.save(update_fields=["last_id", "resealed"])
    return len(rows) < batch_size


def _reseal(rows: list[Model], old_private_key: bytes, new_public: bytes) -> list[Model]:
    changed = []
    for row in rows:
        try:
            key = unseal(old_private_key, bytes(row.sealed))  # type: ignore[attr-defined]
        except DecryptionError:
            continue  # sealed to the new key already
        row.sealed = seal(new_public, key)  # type: ignore[attr-defined]
        changed.append(row)
    return changed


def recovery_rotation_sweep(*, old_private_key: bytes) -> int:
    """After a finished rotation, seal to the current recovery key anything the old key still opens (work that
    held the old public key for longer than the rotation took); returns how many. Audited when any.

    Raises:
        WrongRecoveryKey: if ``old_private_key`` is not the key the last finished rotation replaced.
    """
    last = RecoveryRotation.objects.filter(finished_at__isnull=False).order_by("-id").first()
    if last is None or keypair_from_private_key(old_private_key).public != bytes(last.old_public_key):
        raise WrongRecoveryKey(
            "this is neither the recovery private key of this installation nor the one its last rotation "
            "replaced"
        )
    new_public = current_keyring().recovery_public_key
    total = 0
    for table in TABLES:
        after = 0
        while True:
            with transaction.atomic():
                rows: list[Model] = list(
                    recovery_seals(table)
                    .select_for_update(no_key=True)
                    .filter(pk__gt=after)
                    .order_by("pk")[:BATCH]
                )
                changed = _reseal(rows, old_private_key, new_public)
                if changed:
                    type(changed[0]).objects.bulk_update(changed, ["sealed"])  # type: ignore[attr-defined]
            total += len(changed)
            if len(rows) < BATCH:
                break
            after = rows[-1].pk
    if total:
        audit_append(
            actor=None,
            actor_kind=ActorKind.SYSTEM,
            action="recovery.rotation_sweep",
            object_type="recovery_key",
            object_id=f"{fingerprint(new_public)} resealed={total}",
        )
    return total

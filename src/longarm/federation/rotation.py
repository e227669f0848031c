"""Rotating the federation key (`longarm federation key rotate`): everything stored under it re-encrypted
under a new key, without the recovery key (the old key opens it all).

What is under the key: the offered strong keys (``OfferedKey``), each run's figures and findings, and the
pending answers of partners' runs. The new key is staged first (``federation.key.next``) and every row is
re-encrypted under it in batches, one transaction each; servers read rows under either key meanwhile
(:class:`longarm.federation.keyset.Sealer`). Then the new key becomes current, the old one is kept as
``federation.key.previous`` while rows written under it in the meantime are caught up, and it is deleted.
An interrupted run can be started again: it resumes with the staged key.

Partners never see this key (it keys nothing shared), so they need not be told; the key they pin is the
signing key (`longarm keyring rotate-signing`)."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import models, transaction
from nacl.encoding import HexEncoder
from nacl.hash import blake2b

from longarm.audit.models import ActorKind
from longarm.audit.services import audit_append
from longarm.crypto.envelopes import decrypt, encrypt
from longarm.crypto.errors import DecryptionError
from longarm.crypto.federation import (
    commit_federation_key,
    drop_previous_federation_key,
    load_federation_key,
    previous_federation_key,
    stage_federation_key,
)
from longarm.federation.keyset import offered_context
from longarm.federation.models import OfferedKey, PendingAnswer, Run
from longarm.federation.runs import figures_context, findings_context
from longarm.federation.server import answer_context, request_context

BATCH = 1000


def key_id(key: bytes) -> str:
    """How an operator names a federation key (in the audit chain, in a keyring export's listing): a
    digest of it, which says nothing of the key."""
    return blake2b(key, digest_size=8, person=b"longarm-fedkeyid", encoder=HexEncoder).decode()


def _resealed(ciphertext: bytes, context: bytes, new: bytes, old: bytes) -> bytes | None:
    """``ciphertext`` under ``new``; None when it is under ``new`` already. Raises ``DecryptionError`` when
    neither key opens it."""
    if not ciphertext:
        return None
    try:
        decrypt(new, ciphertext, context=context)
    except DecryptionError:
        return encrypt(new, decrypt(old, ciphertext, context=context), context=context)
    return None


def _batches[M: models.Model](queryset: "models.QuerySet[M]") -> Iterator[list[M]]:
    last = 0
    while True:
        batch = list(queryset.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not batch:
            return
        last = batch[-1].pk
        yield batch


def _offered(new: bytes, old: bytes) -> int:
    changed = 0
    for batch in _batches(
        OfferedKey.objects.select_related("identifier").only("ciphertext", "identifier__public_id")
    ):
        rows = []
        for row in batch:
            sealed = _resealed(bytes(row.ciphertext), offered_context(row.identifier), new, old)
            if sealed is not None:
                row.ciphertext = sealed
                rows.append(row)
        with transaction.atomic():
            OfferedKey.objects.bulk_update(rows, ["ciphertext"])
        changed += len(rows)
    return changed


def _runs(new: bytes, old: bytes) -> int:
    changed = 0
    for batch in _batches(Run.objects.only("public_id", "figures_ciphertext", "findings_ciphertext")):
        rows = []
        for run in batch:
            figures = _resealed(bytes(run.figures_ciphertext), figures_context(run), new, old)
            findings = _resealed(bytes(run.findings_ciphertext), findings_context(run), new, old)
            if figures is not None or findings is not None:
                run.figures_ciphertext = figures if figures is not None else run.figures_ciphertext
                run.findings_ciphertext = findings if findings is not None else run.findings_ciphertext
                rows.append(run)
        with transaction.atomic():
            Run.objects.bulk_update(rows, ["figures_ciphertext", "findings_ciphertext"])
        changed += len(rows)
    return changed


def _pending(new: bytes, old: bytes) -> int:
    changed = 0
    for pending in PendingAnswer.objects.select_related("run").order_by("pk"):
        with transaction.atomic():
            locked = PendingAnswer.objects.select_for_update(no_key=True).filter(pk=pending.pk).first()
            if locked is None:
                continue
            request = _resealed(bytes(locked.request_ciphertext), request_context(pending.run), new, old)
            answer = _resealed(bytes(locked.answer_ciphertext), answer_context(pending.run), new, old)
            if request is not None or answer is not None:
                PendingAnswer.objects.filter(pk=pending.pk).update(
                    request_ciphertext=request if request is not None else locked.request_ciphertext,
                    answer_ciphertext=answer if answer is not None else locked.answer_ciphertext,
                )
                changed += 1
    return changed


def _reseal_all(new: bytes, old: bytes) -> int:
    return _offered(new, old) + _runs(new, old) + _pending(new, old)


@dataclass(frozen=True)
class RotationResult:
    old_key_id: str
    new_key_id: str
    rows: int


def federation_key_rotate(*, progress: Callable[[str], None]) -> RotationResult:
    """Replace ``federation.key`` (see the module docstring); returns the key ids and how many rows were
    re-encrypted. Raises ``FederationKeyMissing`` when there is no key to rotate, ``DecryptionError`` when a
    row is under neither key (nothing is committed then)."""
    directory = Path(settings.KEYS_DIR)
    unfinished = previous_federation_key(directory)
    if unfinished is not None:
        # A rotation stopped after its key became current: catch its rows up before starting another.
        progress(
            f"{_reseal_all(load_federation_key(directory), unfinished)} rows of an earlier rotation caught up"
        )
        drop_previous_federation_key(directory)
    old, new = stage_federation_key(directory)
    rows = _reseal_all(new, old)
    progress(f"{rows} rows re-encrypted under the staged key")
    commit_federation_key(directory)
    # Rows written under the old key while the first pass ran.
    caught_up = _reseal_all(new, old)
    progress(f"{caught_up} rows written meanwhile re-encrypted")
    drop_previous_federation_key(directory)
    result = RotationResult(old_key_id=key_id(old), new_key_id=key_id(new), rows=rows + caught_up)
    with transaction.atomic():
        audit_append(
            actor=None,
            actor_kind=ActorKind.SYSTEM,
            action="federation.key:rotate",
            object_type="federation_key",
            object_id=f"{result.old_key_id}>{result.new_key_id}",
        )
    return result

"""Offering the identifiers that were added before federated linking existed: each is decrypted — in memory
only — with its case data key, opened with the organisation's recovery private key brought in for the run
(as `longarm linking reindex` does), and its canonical strong keys are stored under the federation key."""

from collections.abc import Callable, Iterator

from django.db import transaction
from django.db.models import Exists, OuterRef

from longarm.audit.models import ActorKind
from longarm.audit.services import audit_append
from longarm.cases.contexts import identifier_context
from longarm.cases.keys import decrypt_json
from longarm.cases.models import Identifier
from longarm.core.keyring import check_recovery_key
from longarm.federation.keyset import federation_key, offered_keys_store
from longarm.federation.models import OfferedKey
from longarm.linking.keys import STRONG_KINDS
from longarm.linking.reindex import BATCH, CaseKeys


def _not_offered() -> Iterator[list[Identifier]]:
    """Identifiers of the strong kinds that offer no key yet, in batches."""
    offered = OfferedKey.objects.filter(identifier=OuterRef("pk"))
    last = 0
    while True:
        batch = list(
            Identifier.objects.filter(pk__gt=last, kind__in=sorted(STRONG_KINDS))
            .filter(~Exists(offered))
            .select_related("case")
            .order_by("pk")[:BATCH]
        )
        if not batch:
            return
        last = batch[-1].pk
        yield batch


def offered_keys_backfill(*, recovery_private_key: bytes, progress: Callable[[str], None]) -> int:
    """Store the offered keys of every identifier that lacks them; returns how many identifiers were read.
    Raises ``KeyringError`` when the recovery key is not this installation's, or ``FederationKeyMissing`` (a
    ``KeyringError``) when there is no federation key. Identifiers whose value has no
    strong key are read again by a later run (they have nothing to offer, so nothing marks them done)."""
    check_recovery_key(recovery_private_key)
    # Refused (``FederationKeyMissing``) before anything is read: without it nothing would be offered.
    federation_key()
    keys = CaseKeys(recovery_private_key)
    read = 0
    for batch in _not_offered():
        with transaction.atomic():
            for identifier in batch:
                case = identifier.case
                context = identifier_context(case.public_id, identifier.public_id)
                value = str(
                    decrypt_json(keys.data_key(case), identifier.ciphertext, context=context)["value"]
                )
                offered_keys_store(identifier=identifier, value=value, region=keys.region(case))
                del value
        read += len(batch)
        progress(f"{read} identifiers read")
        if len(batch) < BATCH:
            break
    with transaction.atomic():
        audit_append(
            actor=None,
            actor_kind=ActorKind.SYSTEM,
            action=f"federation.offer_backfill:{read}",
            object_type="",
        )
    return read

"""Reads of evidence, always through the report's access check (the data key sealed to the reader)."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from longarm.accounts.models import StaffUser
from longarm.crypto.envelopes import decrypt
from longarm.crypto.errors import DecryptionError
from longarm.crypto.streams import decrypt_stream
from longarm.evidence.contexts import blob_context, metadata_context, name_context
from longarm.evidence.keys import text_copy_keys_for_staff
from longarm.evidence.models import CustodyEvent, EvidenceBlob, EvidenceItem, Variant
from longarm.evidence.records import (
    FileRecord,
    blob_record_context,
    custody_context,
    item_record_context,
    open_hash,
    open_record,
)
from longarm.evidence.storage import open_blob
from longarm.intake.models import KeyKind, RecipientKind, Report


@dataclass(frozen=True)
class ListedItem:
    item: EvidenceItem
    name: str
    blobs: dict[str, EvidenceBlob]
    # The original's hash, size and type; None if its record does not open (it was altered).
    record: FileRecord | None

    @property
    def derivative(self) -> EvidenceBlob | None:
        return self.blobs.get(Variant.DERIVATIVE)

    @property
    def preview(self) -> EvidenceBlob | None:
        return self.blobs.get(Variant.PREVIEW)


def evidence_of_report(*, report: Report) -> QuerySet[EvidenceItem]:
    return (
        report.evidence_items.select_related("added_by")
        .prefetch_related(Prefetch("blobs", queryset=EvidenceBlob.objects.order_by("variant")))
        .order_by("position")
    )


def item_name(*, item: EvidenceItem, report: Report, data_key: bytes) -> str:
    try:
        return decrypt(
            data_key, bytes(item.name_ciphertext), context=name_context(report.public_id, item.public_id)
        ).decode()
    except (DecryptionError, UnicodeDecodeError):
        return "?"


def item_record(*, item: EvidenceItem, report: Report, data_key: bytes) -> FileRecord | None:
    """The original's SHA-256, size and type, from the record under the report's data key; None if the
    record does not open (altered, or moved from another item)."""
    try:
        return open_record(
            data_key,
            bytes(item.record_ciphertext),
            context=item_record_context(report.public_id, item.public_id),
        )
    except DecryptionError:
        return None


def blob_record(*, blob: EvidenceBlob, item: EvidenceItem, key: bytes) -> FileRecord:
    """One version's SHA-256, size and type, from the record under its own key.

    Raises:
        DecryptionError: if the record was altered or moved, or ``key`` is not this version's.
    """
    return open_record(
        key, bytes(blob.record_ciphertext), context=blob_record_context(item.public_id, blob.variant)
    )


def evidence_listing(*, report: Report, data_key: bytes) -> list[ListedItem]:
    """The report's files with their names and records decrypted; for the reporter's mailbox and the staff
    page."""
    return [
        ListedItem(
            item=item,
            name=item_name(item=item, report=report, data_key=data_key),
            blobs={blob.variant: blob for blob in item.blobs.all()},
            record=item_record(item=item, report=report, data_key=data_key),
        )
        for item in evidence_of_report(report=report)
    ]


def item_for_staff(*, user: StaffUser, item_id: UUID) -> EvidenceItem:
    """The item if ``user`` holds its report's data key; 404 otherwise, as for the report itself."""
    item = (
        EvidenceItem.objects.select_related("report")
        .filter(
            public_id=item_id,
            report__sealed_keys__kind=KeyKind.DATA,
            report__sealed_keys__recipient_kind=RecipientKind.STAFF,
            report__sealed_keys__staff=user,
        )
        .first()
    )
    if item is None:
        raise Http404
    return item


def blob_of(*, item: EvidenceItem, variant: str) -> EvidenceBlob:
    blob = item.blobs.filter(variant=variant).first()
    if blob is None:
        raise Http404
    return blob


def blob_plaintext(*, blob: EvidenceBlob, item: EvidenceItem, key: bytes, size: int) -> Iterator[bytes]:
    """The decrypted blob, chunk by chunk, without its padding (``size`` is the plaintext's, from its
    record); raises ``DecryptionError`` while iterating if it was altered."""
    return decrypt_stream(
        key,
        open_blob(blob.storage_name),
        context=blob_context(item.public_id, blob.variant),
        length=size,
    )


def item_metadata(*, item: EvidenceItem, original_key: bytes) -> dict[str, Any]:
    if not item.metadata_ciphertext:
        return {}
    metadata: dict[str, Any] = json.loads(
        decrypt(original_key, bytes(item.metadata_ciphertext), context=metadata_context(item.public_id))
    )
    return metadata


def custody_log(*, items: list[EvidenceItem]) -> QuerySet[CustodyEvent]:
    """The custody steps of ``items``, item by item (in the order the items came), each item's in order."""
    return (
        CustodyEvent.objects.filter(item__in=items)
        .select_related("actor", "item")
        .order_by("item__report_id", "item__position", "position")
    )


def custody_hash(*, event: CustodyEvent, key: bytes | None) -> str:
    """The hash a custody step recorded, opened with the key of its version; "" if it holds none.

    Raises:
        DecryptionError: if it was altered or moved from another step, or ``key`` is not its version's.
    """
    if key is None or not event.sha256_ciphertext:
        return ""
    return open_hash(
        key,
        bytes(event.sha256_ciphertext),
        context=custody_context(event.item.public_id, event.variant, event.action),
    )


@dataclass(frozen=True)
class Offer:
    """An identifier found in a sanitised copy, offered to be added to the case; ``index`` names it in the
    copy's record."""

    index: int
    kind: str
    value: str


def offers_for_staff(
    *, report: Report, listing: list[ListedItem], staff: StaffUser, private_key: bytes
) -> dict[UUID, list[Offer]]:
    """The identifiers each of the report's text copies offers, for a reader who holds the copy's key."""
    keys = text_copy_keys_for_staff(report=report, staff=staff, private_key=private_key)
    offers: dict[UUID, list[Offer]] = {}
    for listed in listing:
        blob = listed.derivative
        if blob is None or blob.pk not in keys:
            continue
        try:
            record = blob_record(blob=blob, item=listed.item, key=keys[blob.pk])
        except DecryptionError:
            continue
        if record.offers:
            offers[listed.item.public_id] = [
                Offer(index, kind, value) for index, (kind, value) in enumerate(record.offers)
            ]
    return offers

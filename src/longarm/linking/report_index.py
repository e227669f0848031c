"""The worker's half of report-level linking: the identifiers and blind indexes prepared in the submitting
request (:mod:`longarm.linking.arrival`) are stored after commit, once, whatever number of times the event
is delivered."""

import base64
import uuid
from collections.abc import Mapping

from django.db import transaction

from longarm.core.outbox import OutboxDelivery
from longarm.linking.arrival import linkable
from longarm.linking.models import ReportIdentifier, ReportIdentifierKey

PAYLOAD_NAME = "linking"


def _rows(identifier: ReportIdentifier, keys: object, version: int) -> list[ReportIdentifierKey]:
    rows = []
    for item in keys if isinstance(keys, list) else []:
        scheme, strength, index = item
        rows.append(
            ReportIdentifierKey(
                identifier=identifier,
                report_id=identifier.report_id,
                scheme=str(scheme)[:24],
                strength=str(strength),
                blind_index=base64.b64decode(str(index)),
                key_version=version,
            )
        )
    return rows


@transaction.atomic
def report_identifiers_store(*, report_pk: int, prepared: Mapping[str, object]) -> int:
    """Store the typed identifiers of one report and their key rows; returns how many identifiers are new.

    Idempotent: an identifier is found again by its public id, and its rows of that key version are
    replaced, so a second delivery writes nothing new. A report deleted before delivery, or read by no
    staff member, gets nothing."""
    if not linkable(report_pk):
        return 0
    version = int(str(prepared.get("key_version")))
    items = prepared.get("identifiers")
    created = 0
    for item in items if isinstance(items, list) else []:
        identifier, is_new = ReportIdentifier.objects.get_or_create(
            public_id=uuid.UUID(str(item["id"])),
            defaults={
                "report_id": report_pk,
                "kind": str(item["kind"]),
                "ciphertext": base64.b64decode(str(item["ciphertext"])),
            },
        )
        created += is_new
        ReportIdentifierKey.objects.filter(identifier=identifier, key_version=version).delete()
        ReportIdentifierKey.objects.bulk_create(_rows(identifier, item.get("keys"), version))
    return created


def on_report_submitted(delivery: OutboxDelivery) -> None:
    """Subscriber of ``report.submitted``: store what the request prepared under :data:`PAYLOAD_NAME`."""
    prepared = delivery.payload.get(PAYLOAD_NAME)
    if isinstance(prepared, Mapping):
        report_identifiers_store(report_pk=int(delivery.object_id), prepared=prepared)

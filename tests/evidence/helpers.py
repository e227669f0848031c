from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from longarm.crypto.envelopes import unseal
from longarm.crypto.keyring import load_recovery_private_key
from longarm.evidence.models import CustodyEvent, EvidenceBlob, EvidenceItem, KeyHolder
from longarm.evidence.records import FileRecord
from longarm.evidence.selectors import blob_record, custody_hash, item_record
from longarm.intake.models import KeyKind, RecipientKind, Report
from tests.conftest import Cast, log_in
from tests.intake.helpers import report_answers, submit_answers


def uploads(files: dict[str, bytes]) -> list[SimpleUploadedFile]:
    # The browser's claimed type is deliberately wrong: Longarm must not believe it.
    return [SimpleUploadedFile(name, content, content_type="image/jpeg") for name, content in files.items()]


def submit_with_files(client: Client, files: dict[str, bytes], **overrides: Any) -> str:
    return submit_answers(client, {**report_answers(**overrides), "attachments": uploads(files)})


def readers_receive_reports(cast: Cast) -> None:
    """The investigator, too, receives new reports (by default only the caseworker does)."""
    cast.investigator.receives_new_reports = True
    cast.investigator.save(update_fields=["receives_new_reports"])


def staff_client(user: Any) -> Client:
    client = Client()
    log_in(client, user)
    return client


def fetch(client: Client, item: EvidenceItem, variant: str) -> bytes:
    response = client.get(reverse("evidence:staff_file", args=[item.public_id, variant]))
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


def item_named(report: Report, index: int = 0) -> EvidenceItem:
    return report.evidence_items.order_by("position")[index]


def recovery_private_key() -> bytes:
    return load_recovery_private_key(settings.RECOVERY_KEY_PATH)


def version_key(item: EvidenceItem, variant: str) -> bytes:
    """The key of one version of ``item``, opened with the recovery key (as only tests and
    ``longarm evidence seal-records`` do)."""
    blob = item.blobs.get(variant=variant)
    return unseal(recovery_private_key(), bytes(blob.keys.get(holder=KeyHolder.RECOVERY).sealed))


def record_of(item: EvidenceItem, variant: str = "original") -> FileRecord:
    """What the encrypted record of one version of ``item`` says (hash, size, type)."""
    blob: EvidenceBlob = item.blobs.get(variant=variant)
    return blob_record(blob=blob, item=item, key=version_key(item, variant))


def item_record_of(item: EvidenceItem) -> FileRecord:
    """What the item's record under the report's data key says of the original."""
    sealed = item.report.sealed_keys.get(kind=KeyKind.DATA, recipient_kind=RecipientKind.RECOVERY)
    record = item_record(
        item=item, report=item.report, data_key=unseal(recovery_private_key(), bytes(sealed.sealed))
    )
    assert record is not None
    return record


def custody_sha256(event: CustodyEvent) -> str:
    """The hash a custody step recorded, opened with the key of its version."""
    return custody_hash(event=event, key=version_key(event.item, event.variant))

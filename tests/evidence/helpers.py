from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from longarm.evidence.models import EvidenceItem
from longarm.intake.models import Report
from tests.conftest import Cast, log_in
from tests.intake.helpers import receipt_from, report_answers


def uploads(files: dict[str, bytes]) -> list[SimpleUploadedFile]:
    # The browser's claimed type is deliberately wrong: Longarm must not believe it.
    return [SimpleUploadedFile(name, content, content_type="image/jpeg") for name, content in files.items()]


def submit_with_files(client: Client, files: dict[str, bytes], **overrides: Any) -> str:
    response = client.post(
        reverse("intake:report_new"), {**report_answers(**overrides), "attachments": uploads(files)}
    )
    assert response.status_code == 200, response.content.decode()[:3000]
    return receipt_from(response.content.decode())


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
    return report.evidence_items.order_by("id")[index]

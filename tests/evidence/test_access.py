"""Caseworkers download sanitised copies and see previews; only investigators download originals; every
view and download appends a custody event and an audit event; people without the report's key get 404,
other roles 403."""

import hashlib
from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from longarm.audit.models import AuditEvent
from longarm.cases.services import case_grant, case_open, case_revoke
from longarm.core.ids import RANDOM_ID_FLOOR
from longarm.evidence.models import CustodyAction, CustodyEvent, EvidenceItem
from tests.cases.helpers import private_key
from tests.conftest import Cast
from tests.evidence import files
from tests.evidence.helpers import (
    custody_sha256,
    fetch,
    readers_receive_reports,
    staff_client,
    submit_with_files,
)

pytestmark = pytest.mark.django_db
Processing = Callable[[], AbstractContextManager[None]]


@pytest.fixture
def item(cast: Cast, processing: Processing) -> EvidenceItem:
    readers_receive_reports(cast)
    with processing():
        submit_with_files(Client(), {"station.jpg": files.jpeg_with_exif()})
    return EvidenceItem.objects.get()


def url(item: EvidenceItem, variant: str) -> str:
    return reverse("evidence:staff_file", args=[item.public_id, variant])


def test_a_caseworker_downloads_the_sanitised_copy_and_sees_its_preview(
    cast: Cast, item: EvidenceItem
) -> None:
    response = staff_client(cast.caseworker).get(url(item, "derivative"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    page = staff_client(cast.caseworker).get(reverse("cases:report", args=[item.report.public_id]))
    assert url(item, "preview") in page.content.decode()


def test_a_caseworker_cannot_download_the_original(cast: Cast, item: EvidenceItem) -> None:
    assert staff_client(cast.caseworker).get(url(item, "original")).status_code == 403


def test_an_investigator_downloads_the_original_and_it_is_recorded(cast: Cast, item: EvidenceItem) -> None:
    audited = AuditEvent.objects.count()
    original = fetch(staff_client(cast.investigator), item, "original")
    assert original == files.jpeg_with_exif()
    event = CustodyEvent.objects.filter(item=item).last()
    assert event is not None
    assert (event.action, event.actor, event.variant, custody_sha256(event)) == (
        CustodyAction.DOWNLOADED,
        cast.investigator,
        "original",
        hashlib.sha256(files.jpeg_with_exif()).hexdigest(),
    )
    assert AuditEvent.objects.filter(action="evidence.downloaded.original", actor=cast.investigator).exists()
    assert AuditEvent.objects.count() > audited


def test_every_view_appends_custody_and_audit_events(cast: Cast, item: EvidenceItem) -> None:
    client = staff_client(cast.caseworker)
    before = (CustodyEvent.objects.count(), AuditEvent.objects.filter(action__startswith="evidence.").count())
    fetch(client, item, "derivative")
    fetch(client, item, "preview")
    after = (CustodyEvent.objects.count(), AuditEvent.objects.filter(action__startswith="evidence.").count())
    assert after == (before[0] + 2, before[1] + 2)
    # The copy is saved; the preview is shown in the page.
    latest = CustodyEvent.objects.filter(item=item).order_by("-position")[:2]
    assert list(latest.values_list("variant", "action")) == [
        ("preview", CustodyAction.VIEWED),
        ("derivative", CustodyAction.DOWNLOADED),
    ]


@pytest.mark.parametrize("variant", ["original", "derivative", "preview"])
def test_an_outsider_gets_not_found(cast: Cast, item: EvidenceItem, variant: str) -> None:
    assert staff_client(cast.outsider).get(url(item, variant)).status_code == 404


@pytest.mark.parametrize("role", ["analyst", "custodian", "admin"])
def test_roles_without_content_are_refused(cast: Cast, item: EvidenceItem, role: str) -> None:
    client = staff_client(getattr(cast, role))
    assert client.get(url(item, "derivative")).status_code == 403
    assert client.post(reverse("evidence:staff_export", args=[item.report.public_id])).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(item: EvidenceItem) -> None:
    response = Client().get(url(item, "derivative"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_an_unknown_version_is_not_found(cast: Cast, item: EvidenceItem) -> None:
    assert staff_client(cast.caseworker).get(url(item, "thumbnail")).status_code == 404


def test_a_colleague_granted_the_case_reads_its_files_and_loses_them_on_revocation(
    cast: Cast, processing: Processing
) -> None:
    with processing():
        submit_with_files(Client(), {"station.jpg": files.jpeg_with_exif()})
    item = EvidenceItem.objects.get()
    case = case_open(actor=cast.caseworker, private_key=private_key(cast.caseworker), report=item.report)
    colleague = staff_client(cast.other_caseworker)
    assert colleague.get(url(item, "derivative")).status_code == 404
    case_grant(
        actor=cast.caseworker,
        private_key=private_key(cast.caseworker),
        case=case,
        grantee=cast.other_caseworker,
    )
    assert fetch(colleague, item, "derivative")[:3] == b"\xff\xd8\xff"
    case_revoke(actor=cast.caseworker, case=case, staff=cast.other_caseworker)
    assert colleague.get(url(item, "derivative")).status_code == 404


def test_the_report_page_query_count_does_not_grow_with_the_files(cast: Cast, processing: Processing) -> None:
    with processing():
        submit_with_files(Client(), {f"{n}.png": files.png() for n in range(2)})
    report = EvidenceItem.objects.first().report  # type: ignore[union-attr]
    client = staff_client(cast.caseworker)
    page = reverse("cases:report", args=[report.public_id])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(page).status_code == 200
        return len(captured.captured_queries)

    few = queries()
    with processing():
        client.post(
            reverse("evidence:staff_upload", args=[report.public_id]),
            {"attachments": [SimpleUploadedFile(f"{n}.txt", b"note\n") for n in range(6)]},
        )
    assert EvidenceItem.objects.count() == 8
    client.get(page)  # shows (and so removes) the "files were added" notice
    assert queries() <= few


def test_custody_step_ids_do_not_follow_the_order_steps_were_recorded(cast: Cast, item: EvidenceItem) -> None:
    """Ids numbered across every file placed a reporter's upload step (dated to the day) between staff steps
    of other files, dated to the minute: they must order nothing; the chain keeps its order by position."""
    client = staff_client(cast.caseworker)
    for _ in range(6):
        fetch(client, item, "derivative")
        fetch(client, item, "preview")
    events = list(CustodyEvent.objects.filter(item=item))
    assert [event.position for event in events] == list(range(1, len(events) + 1))
    assert [event.action for event in events[-2:]] == [CustodyAction.DOWNLOADED, CustodyAction.VIEWED]
    ids = [event.pk for event in events]
    assert min(ids) >= RANDOM_ID_FLOOR
    assert ids != sorted(ids)

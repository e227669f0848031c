"""The restore drill (issue 16): reports with evidence, a case, staff and audit events → backup → the
deployment wiped → restore → every receipt opens its report, staff log in and read what they could read, the
audit chain verifies, every evidence file has its hash, the analytics facts are those of before. On both
databases."""

import hashlib
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from longarm.analytics.models import FactIncident
from longarm.audit.models import AuditEvent
from longarm.audit.selectors import audit_chain_verify
from longarm.backup.container import ContainerError
from longarm.backup.services import backup_create, backup_restore, backup_verify
from longarm.cases.models import Case
from longarm.cases.services import case_open
from longarm.core.keyring import current_keyring
from longarm.evidence.models import EvidenceItem
from longarm.evidence.storage import evidence_root, in_bucket
from longarm.intake.models import Report
from longarm.intake.selectors import report_content
from longarm.intake.services import report_open_with_receipt
from tests.cases.helpers import console, private_key
from tests.conftest import Cast
from tests.evidence.files import png
from tests.evidence.helpers import fetch, readers_receive_reports, recovery_private_key, submit_with_files
from tests.evidence.store import stored_names
from tests.intake.helpers import submit_report
from tests.s3 import empty_bucket

pytestmark = pytest.mark.django_db(transaction=True)


def facts() -> list[tuple[object, ...]]:
    return sorted(FactIncident.objects.values_list("community", "year", "month", "host_country", "codes"))


@pytest.fixture(params=["directory", "bucket"])
def evidence_store(request: pytest.FixtureRequest) -> str:
    """Evidence on the local disk, or in an S3-compatible bucket (backup streams objects out of it as it
    lists them; restore writes them back)."""
    if request.param == "bucket":
        request.getfixturevalue("s3_bucket")
    return str(request.param)


def wipe_evidence() -> None:
    shutil.rmtree(evidence_root(), ignore_errors=True)
    if in_bucket():
        empty_bucket()


def test_a_backup_restores_everything_into_an_empty_deployment(
    cast: Cast, processing: object, tmp_path: Path, evidence_store: str
) -> None:
    readers_receive_reports(cast)  # the investigator, who alone downloads originals, holds the reports
    photo = png()
    with processing():  # type: ignore[operator]  # the fixture's context manager
        first = submit_with_files(Client(), {"photo.png": photo})
    second = submit_report(Client(), what_happened="They phoned my brother in Kashgar twice.")
    report = Report.objects.order_by("id").first()
    assert report is not None
    case = case_open(actor=cast.caseworker, private_key=private_key(cast.caseworker), report=report)
    item = EvidenceItem.objects.get()
    before = {
        "original": hashlib.sha256(fetch(console(cast.investigator), item, "original")).hexdigest(),
        "facts": facts(),
        "events": AuditEvent.objects.count(),
    }
    assert before["facts"], "the reports with statistics consent were counted"
    backup = tmp_path / "longarm.backup"
    summary = backup_create(backup)
    assert summary.counts["reports"] == 2
    assert backup_verify(backup, public_key=current_keyring().signing_public_key) is None
    assert backup_verify(
        backup, public_key=current_keyring().signing_public_key, recovery_private_key=recovery_private_key()
    )

    # The disaster: the database and the evidence store are gone; `longarm init` made an empty deployment.
    call_command("flush", interactive=False, verbosity=0)
    stored = stored_names()
    assert stored, "the evidence was stored"
    wipe_evidence()
    assert Report.objects.count() == 0
    assert stored_names() == []

    restored = backup_restore(backup, recovery_private_key=recovery_private_key())
    assert restored.counts == summary.counts
    assert stored_names() == stored

    for receipt, words in ((first, "Police from my home town"), (second, "Kashgar")):
        opened = report_open_with_receipt(receipt=receipt, session_key=f"drill-{receipt}")
        assert words in report_content(report=opened.report, data_key=opened.data_key)["what_happened"]
    assert Case.objects.get().public_id == case.public_id
    reader = console(cast.caseworker)
    page = reader.get(f"/console/cases/{case.public_id}/")
    assert page.status_code == 200
    item = EvidenceItem.objects.get()
    assert (
        hashlib.sha256(fetch(console(cast.investigator), item, "original")).hexdigest() == before["original"]
    )
    assert facts() == before["facts"]
    verification = audit_chain_verify(signing_public_key=current_keyring().signing_public_key)
    assert verification.first_broken_event_id is None, verification
    assert AuditEvent.objects.count() >= before["events"]


def test_restore_refuses_a_deployment_that_holds_data(cast: Cast, tmp_path: Path) -> None:
    submit_report(Client())
    backup = tmp_path / "b"
    backup_create(backup)
    with pytest.raises(ContainerError, match="already holds data"):
        backup_restore(backup, recovery_private_key=recovery_private_key())
    assert Report.objects.count() == 1


def test_a_changed_byte_is_caught_before_anything_is_restored(cast: Cast, tmp_path: Path) -> None:
    submit_report(Client())
    backup = tmp_path / "b"
    backup_create(backup)
    data = bytearray(backup.read_bytes())
    data[len(data) // 2] ^= 0x01
    backup.write_bytes(bytes(data))
    with pytest.raises(ContainerError, match="signature does not match"):
        backup_verify(backup, public_key=current_keyring().signing_public_key)
    call_command("flush", interactive=False, verbosity=0)
    with pytest.raises(ContainerError, match="signature does not match"):
        backup_restore(backup, recovery_private_key=recovery_private_key())
    assert Report.objects.count() == 0

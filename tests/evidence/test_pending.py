"""A questionnaire sent back with errors keeps the files already uploaded: encrypted, tied to the reporter's
session, shown as already attached, removable, attached when the questionnaire is finally sent, and
deleted when they expire."""

import hashlib
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from longarm.audit.models import AuditEvent
from longarm.evidence.models import EvidenceItem, EvidenceStatus, PendingUpload
from longarm.evidence.services import evidence_sweep
from longarm.evidence.storage import evidence_root
from longarm.intake.models import Report
from tests.conftest import Cast, chain_reporter_events
from tests.evidence import files
from tests.evidence.helpers import uploads
from tests.intake.helpers import receipt_from, report_answers

pytestmark = pytest.mark.django_db
Processing = Callable[[], AbstractContextManager[None]]
NAME = "police-visit-Dolkar.jpg"


def stored_files() -> list[str]:
    return sorted(path.name for path in evidence_root().rglob("*") if path.is_file())


def fail_with_file(
    client: Client, content: bytes, name: str = NAME, attached: list[str] | None = None
) -> str:
    response = client.post(
        reverse("intake:report_new"),
        {**report_answers(consent=""), "attachments": uploads({name: content}), "attached": attached or []},
    )
    assert response.status_code == 200
    return response.content.decode()


def attached_ids(html: str) -> list[str]:
    return re.findall(r'name="attached" value="([0-9a-f]{32})"', html)


def test_the_files_of_a_failed_questionnaire_are_kept_encrypted_and_shown_as_already_attached(
    cast: Cast,
) -> None:
    photo = files.jpeg_with_exif()
    html = fail_with_file(Client(), photo)
    assert "Already attached" in html
    assert NAME in html
    assert len(attached_ids(html)) == 1
    assert PendingUpload.objects.count() == 1
    [blob] = list(evidence_root().rglob("*.enc"))
    assert photo[64:512] not in blob.read_bytes()
    # Neither the name nor the hash is in clear in the database: the session holds them sealed.
    session_data = "".join(Session.objects.values_list("session_data", flat=True))
    assert session_data
    assert "Dolkar" not in Session.objects.get().get_decoded().__repr__()
    assert hashlib.sha256(photo).hexdigest() not in repr(Session.objects.get().get_decoded())
    assert "Dolkar" not in repr(list(PendingUpload.objects.values()))


def test_sending_the_corrected_questionnaire_attaches_the_kept_files(
    cast: Cast, processing: Processing
) -> None:
    client = Client()
    photo = files.jpeg_with_exif()
    ids = attached_ids(fail_with_file(client, photo))
    with processing():
        response = client.post(
            reverse("intake:report_new"),
            {**report_answers(), "attached": ids, "attachments": uploads({"second.png": files.png()})},
        )
    receipt_from(response.content.decode())
    report = Report.objects.get()
    items = list(report.evidence_items.all())
    assert len(items) == 2
    kept = next(item for item in items if item.sha256 == hashlib.sha256(photo).hexdigest())
    assert kept.public_id.hex == ids[0]
    assert kept.size == len(photo)
    assert kept.status == EvidenceStatus.READY  # the worker could decrypt the kept ciphertext
    assert not PendingUpload.objects.exists()
    chain_reporter_events()
    assert AuditEvent.objects.filter(action="evidence.pending").count() == 1


def test_an_unticked_file_is_removed(cast: Cast, processing: Processing) -> None:
    client = Client()
    fail_with_file(client, files.jpeg_with_exif())
    with processing():
        response = client.post(reverse("intake:report_new"), report_answers())
    receipt_from(response.content.decode())
    assert not EvidenceItem.objects.exists()
    assert not PendingUpload.objects.exists()
    assert stored_files() == []


def test_a_second_failure_keeps_the_ticked_files_and_adds_the_new_ones(cast: Cast) -> None:
    client = Client()
    ids = attached_ids(fail_with_file(client, files.jpeg_with_exif()))
    html = fail_with_file(client, files.png(), name="second.png", attached=ids)
    assert ids[0] in attached_ids(html)
    assert len(attached_ids(html)) == 2
    assert len(stored_files()) == 2


def test_another_session_cannot_claim_kept_files(cast: Cast) -> None:
    ids = attached_ids(fail_with_file(Client(), files.jpeg_with_exif()))
    response = Client().post(reverse("intake:report_new"), {**report_answers(), "attached": ids})
    assert "kept too long" in response.content.decode()
    assert not Report.objects.exists()
    assert PendingUpload.objects.count() == 1


def test_kept_files_expire_and_are_deleted(cast: Cast, processing: Processing) -> None:
    client = Client()
    ids = attached_ids(fail_with_file(client, files.jpeg_with_exif()))
    PendingUpload.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    with processing():
        swept = evidence_sweep()
    assert swept.expired_pending == 1
    assert stored_files() == []
    assert not PendingUpload.objects.exists()
    assert AuditEvent.objects.filter(action="evidence.pending_expired", object_id="1").exists()
    response = client.post(reverse("intake:report_new"), {**report_answers(), "attached": ids})
    assert "kept too long" in response.content.decode()
    assert not Report.objects.exists()


def test_kept_and_new_files_together_respect_the_limit(cast: Cast, settings: pytest.FixtureRequest) -> None:
    settings.LONGARM_MAX_FILES_PER_REPORT = 1  # type: ignore[attr-defined]
    client = Client()
    ids = attached_ids(fail_with_file(client, files.jpeg_with_exif()))
    response = client.post(
        reverse("intake:report_new"),
        {**report_answers(), "attached": ids, "attachments": uploads({"second.png": files.png()})},
    )
    assert "Too many files" in response.content.decode()
    assert not Report.objects.exists()

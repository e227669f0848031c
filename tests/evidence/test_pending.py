"""The files step keeps the files uploaded there until the report is sent: encrypted, tied to the reporter's
session, shown as already attached, removable, attached when the report is finally sent, and deleted when
they expire."""

import hashlib
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from longarm.audit.models import AuditEvent, AuditTally
from longarm.evidence.models import EvidenceItem, EvidenceStatus, PendingUpload
from longarm.evidence.services import evidence_sweep
from longarm.intake.models import Report
from tests.conftest import Cast
from tests.evidence import files
from tests.evidence.helpers import record_of, uploads
from tests.evidence.store import stored_bytes, stored_names
from tests.intake.helpers import (
    FILES_STEP,
    answer_steps,
    post_files,
    receipt_from,
    report_answers,
    send_review,
    step_url,
    submit_answers,
)

pytestmark = pytest.mark.django_db
Processing = Callable[[], AbstractContextManager[None]]
NAME = "police-visit-Dolkar.jpg"


def stored_files() -> list[str]:
    return stored_names()


def fail_with_file(
    client: Client, content: bytes, name: str = NAME, attached: list[str] | None = None
) -> str:
    return post_files(client, uploads({name: content}), attached)


def attached_ids(html: str) -> list[str]:
    return re.findall(r'name="attached" value="([0-9a-f]{32})"', html)


def test_the_files_of_the_files_step_are_kept_encrypted_and_shown_as_already_attached(
    cast: Cast,
) -> None:
    photo = files.jpeg_with_exif()
    html = fail_with_file(Client(), photo)
    assert "Already attached" in html
    assert NAME in html
    assert len(attached_ids(html)) == 1
    assert PendingUpload.objects.count() == 1
    [blob] = stored_names()
    assert photo[64:512] not in stored_bytes(blob)
    # Neither the name nor the hash is in clear in the database: the session holds them sealed.
    session_data = "".join(Session.objects.values_list("session_data", flat=True))
    assert session_data
    assert "Dolkar" not in Session.objects.get().get_decoded().__repr__()
    assert hashlib.sha256(photo).hexdigest() not in repr(Session.objects.get().get_decoded())
    assert "Dolkar" not in repr(list(PendingUpload.objects.values()))


def test_sending_the_report_attaches_the_kept_files(cast: Cast, processing: Processing) -> None:
    client = Client()
    photo = files.jpeg_with_exif()
    ids = attached_ids(fail_with_file(client, photo))
    with processing():
        submit_answers(
            client, {**report_answers(), "attached": ids, "attachments": uploads({"second.png": files.png()})}
        )
    report = Report.objects.get()
    items = list(report.evidence_items.all())
    assert len(items) == 2
    kept = next(item for item in items if record_of(item).sha256 == hashlib.sha256(photo).hexdigest())
    assert kept.public_id.hex == ids[0]
    assert record_of(kept).size == len(photo)
    assert kept.status == EvidenceStatus.READY  # the worker could decrypt the kept ciphertext
    assert not PendingUpload.objects.exists()
    # Kept files are counted per window, not chained one by one (anyone may send a form with errors).
    assert not AuditEvent.objects.filter(action__startswith="evidence.pending").exists()
    # Both files waited at the files step until the report was sent.
    assert AuditTally.objects.get(action="evidence.pending", outcome="kept").count == 2


def test_an_unticked_file_is_removed(cast: Cast, processing: Processing) -> None:
    client = Client()
    fail_with_file(client, files.jpeg_with_exif())
    with processing():
        submit_answers(client, report_answers())
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
    assert "kept too long" in post_files(Client(), [], attached=ids)
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
    assert "kept too long" in post_files(client, [], attached=ids)
    assert not Report.objects.exists()


def test_a_file_that_expires_before_sending_leads_back_to_the_files_step_and_nothing_is_sent(
    cast: Cast,
) -> None:
    client = Client()
    answers = {**report_answers(), "attachments": uploads({NAME: files.jpeg_with_exif()})}
    review = answer_steps(client, answers).content.decode()
    assert NAME in review  # listed on the last step
    PendingUpload.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    # Sent from the page as it was shown, before the file expired.
    response = send_review(client, receipt_from(review), attached=attached_ids(review))
    assert response["Location"] == step_url(FILES_STEP)
    assert "kept too long" in client.get(step_url(FILES_STEP)).content.decode()
    assert not Report.objects.exists()


def test_kept_and_new_files_together_respect_the_limit(cast: Cast, settings: pytest.FixtureRequest) -> None:
    settings.LONGARM_MAX_FILES_PER_REPORT = 1  # type: ignore[attr-defined]
    client = Client()
    ids = attached_ids(fail_with_file(client, files.jpeg_with_exif()))
    assert "Too many files" in post_files(client, uploads({"second.png": files.png()}), attached=ids)
    assert not Report.objects.exists()


def test_kept_files_expire_within_the_hour_by_default(cast: Cast) -> None:
    before = timezone.now()
    fail_with_file(Client(), files.jpeg_with_exif())
    expires_at = PendingUpload.objects.get().expires_at
    # Formerly the session's four hours: long enough to fill a disk with files no report will claim.
    assert expires_at <= before + timedelta(hours=1)


def test_the_expiry_is_configurable(cast: Cast, settings: Any) -> None:
    settings.LONGARM_PENDING_UPLOAD_SECONDS = 600
    before = timezone.now()
    fail_with_file(Client(), files.jpeg_with_exif())
    assert PendingUpload.objects.get().expires_at <= before + timedelta(minutes=10)


def many(count: int, size: int = 1000) -> dict[str, bytes]:
    return {f"note-{number}.txt": b"a line of a chat export\n" * (size // 24) for number in range(count)}


def test_a_session_keeps_no_more_files_than_its_quota_and_is_told_which_to_choose_again(
    cast: Cast, settings: Any
) -> None:
    settings.LONGARM_PENDING_FILES_PER_SESSION = 2
    client = Client()
    html = post_files(client, uploads(many(4)))
    assert len(attached_ids(html)) == 2
    assert "“note-2.txt” could not be kept: too many files are waiting to be sent." in html
    assert "add it in your mailbox with your receipt number" in html
    assert "“note-3.txt” could not be kept" in html
    assert PendingUpload.objects.count() == 2
    assert len(stored_files()) == 2
    # A second try adds nothing to a full quota.
    html = fail_with_file(client, files.png(), name="more.png", attached=attached_ids(html))
    assert len(attached_ids(html)) == 2
    assert "“more.png” could not be kept" in html
    assert len(stored_files()) == 2


def test_a_session_keeps_no_more_bytes_than_its_quota(cast: Cast, settings: Any) -> None:
    settings.LONGARM_PENDING_BYTES_PER_SESSION = 2500
    html = post_files(Client(), uploads(many(3)))
    assert len(attached_ids(html)) == 2
    assert "“note-2.txt” could not be kept" in html


def test_all_sessions_together_keep_no_more_than_the_quota_per_window(cast: Cast, settings: Any) -> None:
    # Dropping the cookie gives a fresh session, not a fresh quota.
    settings.LONGARM_PENDING_BYTES_PER_WINDOW = 2 * 1024 * 1024
    for _ in range(2):
        assert len(attached_ids(fail_with_file(Client(), files.jpeg_with_exif()))) == 1
    html = fail_with_file(Client(), files.jpeg_with_exif())
    assert attached_ids(html) == []
    assert f"“{NAME}” could not be kept" in html
    assert PendingUpload.objects.count() == 2
    assert len(stored_files()) == 2

"""Reporters attach files on the questionnaire and in the mailbox; staff add them on the report page. Files
are type-checked from their content, encrypted as they stream in and hashed; refused files store nothing."""

import hashlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from longarm.crypto.envelopes import unseal
from longarm.crypto.keyring import load_recovery_private_key
from longarm.crypto.streams import decrypt_stream
from longarm.evidence.contexts import blob_context
from longarm.evidence.models import (
    AddedBy,
    CustodyAction,
    EvidenceBlob,
    EvidenceItem,
    EvidenceKey,
    EvidenceStatus,
    KeyHolder,
)
from longarm.evidence.records import FileRecord
from longarm.evidence.storage import open_blob
from longarm.intake.models import Report
from tests.conftest import Cast
from tests.evidence import files
from tests.evidence.helpers import item_record_of, record_of, staff_client, submit_with_files, uploads
from tests.evidence.store import stored_names
from tests.intake.helpers import post_files, report_answers
from tests.intake.test_mailbox import open_mailbox

pytestmark = pytest.mark.django_db
Processing = Callable[[], AbstractContextManager[None]]


def stored_files() -> list[str]:
    return stored_names()


def test_a_file_sent_with_the_report_is_stored_encrypted_hashed_and_sealed_to_the_readers(
    cast: Cast, processing: Processing
) -> None:
    photo = files.jpeg_with_exif()
    with processing():
        submit_with_files(Client(), {"police.jpg": photo})
    report = Report.objects.get()
    item = EvidenceItem.objects.get()
    assert item.report == report
    assert item.added_by_kind == AddedBy.REPORTER
    assert (
        item_record_of(item)
        == record_of(item)
        == FileRecord(sha256=hashlib.sha256(photo).hexdigest(), size=len(photo), content_type="image/jpeg")
    )
    original = item.blobs.get(variant="original")
    ciphertext = b"".join(open_blob(original.storage_name))
    assert photo[:64] not in ciphertext
    holders = set(original.keys.values_list("holder", flat=True))
    assert holders == {KeyHolder.REPORTER, KeyHolder.RECOVERY, KeyHolder.STAFF}
    assert set(original.keys.filter(holder=KeyHolder.STAFF).values_list("staff", flat=True)) == {
        cast.caseworker.pk
    }
    recovery = load_recovery_private_key(settings.RECOVERY_KEY_PATH)
    key = unseal(recovery, bytes(original.keys.get(holder=KeyHolder.RECOVERY).sealed))
    plaintext = b"".join(
        decrypt_stream(
            key,
            open_blob(original.storage_name),
            context=blob_context(item.public_id, "original"),
            length=len(photo),
        )
    )
    assert plaintext == photo
    assert list(item.custody_events.values_list("action", flat=True)) == [
        CustodyAction.RECEIVED,
        CustodyAction.HASHED,
        CustodyAction.SANITISED,
    ]


def test_processing_drops_the_processing_key_and_seals_derivatives_to_the_same_readers(
    cast: Cast, processing: Processing
) -> None:
    with processing():
        submit_with_files(Client(), {"a.jpg": files.jpeg_with_exif()})
    item = EvidenceItem.objects.get()
    assert item.status == EvidenceStatus.READY
    assert not EvidenceKey.objects.filter(holder=KeyHolder.PROCESSING).exists()
    for blob in item.blobs.exclude(variant="original"):
        assert set(blob.keys.values_list("holder", "staff")) == {
            (KeyHolder.REPORTER, None),
            (KeyHolder.RECOVERY, None),
            (KeyHolder.STAFF, cast.caseworker.pk),
        }
    assert set(item.blobs.values_list("variant", flat=True)) == {"original", "derivative", "preview"}


def test_the_type_comes_from_the_content_not_the_name(cast: Cast, processing: Processing) -> None:
    with processing():
        submit_with_files(Client(), {"letter.pdf": files.png()})
    item = EvidenceItem.objects.get()
    assert (item.kind, record_of(item).content_type) == ("image", "image/png")
    assert item.status == EvidenceStatus.READY


@pytest.mark.parametrize(
    "content",
    [files.EXECUTABLE, b"MZ\x90\x00\x03" + bytes(100), b"8BPS\x00\x01" + bytes(100), b"\x00\x01\x02binary"],
    ids=["elf", "windows-exe", "photoshop", "binary"],
)
def test_a_file_of_a_refused_type_is_refused_with_a_clear_message_and_nothing_is_stored(
    cast: Cast, content: bytes
) -> None:
    html = post_files(Client(), uploads({"photo.jpg": content}))
    assert "This kind of file is not accepted" in html
    assert "photo.jpg" in html
    assert not Report.objects.exists()
    assert not EvidenceItem.objects.exists()
    assert stored_files() == []


def test_the_files_step_keeps_the_files_and_the_answers_of_the_other_steps(cast: Cast) -> None:
    client = Client()
    client.post(reverse("intake:report_step", args=["what"]), report_answers())
    html = post_files(client, uploads({"a.jpg": files.jpeg_with_exif()}))
    assert "reading club" in client.get(reverse("intake:report_new")).content.decode()
    assert "Already attached" in html
    assert "a.jpg" in html
    assert len(stored_files()) == 1
    assert not EvidenceItem.objects.exists()


def test_a_file_over_the_size_limit_is_refused_and_nothing_is_stored(
    cast: Cast, settings: pytest.FixtureRequest
) -> None:
    settings.LONGARM_MAX_UPLOAD_BYTES = 100_000  # type: ignore[attr-defined]
    big = files.jpeg_with_exif() + bytes(200_000)
    assert "larger than the limit" in post_files(Client(), uploads({"big.jpg": big}))
    assert not EvidenceItem.objects.exists()
    assert stored_files() == []


def test_the_number_of_files_per_report_is_limited(cast: Cast, settings: pytest.FixtureRequest) -> None:
    settings.LONGARM_MAX_FILES_PER_REPORT = 2  # type: ignore[attr-defined]
    html = post_files(Client(), uploads({f"{n}.png": files.png() for n in range(3)}))
    assert "Too many files" in html
    assert not EvidenceItem.objects.exists()
    # The two accepted are kept for the next try (the reporter may untick them); the third was never stored.
    assert len(stored_files()) == 2


def test_a_large_file_streams_through_in_chunks_and_round_trips(cast: Cast, processing: Processing) -> None:
    text = ("Chat export line with 北京 and اختبار\n" * 40_000).encode()
    assert len(text) > 1024 * 1024
    with processing():
        submit_with_files(Client(), {"chat.txt": text})
    item = EvidenceItem.objects.get()
    assert (record_of(item).size, record_of(item).sha256) == (len(text), hashlib.sha256(text).hexdigest())
    assert item.status == EvidenceStatus.READY
    assert record_of(item, "derivative").size == len(text)


def test_the_reporter_adds_files_from_the_mailbox_and_sees_them_listed(
    cast: Cast, processing: Processing, tmp_path: Path
) -> None:
    reporter = Client()
    receipt = submit_with_files(reporter, {"first.png": files.png()})
    open_mailbox(reporter, receipt)
    with processing():
        response = reporter.post(
            reverse("intake:mailbox_files"),
            {"attachments": uploads({"second-recording.mp3": files.mp3_with_tags(tmp_path)})},
        )
    assert response.status_code == 302
    assert EvidenceItem.objects.count() == 2
    html = reporter.get(reverse("intake:mailbox")).content.decode()
    assert "Thank you. Your files were received." in html
    assert "first.png" in html
    assert "second-recording.mp3" in html
    assert "Audio recording" in html


def test_the_mailbox_upload_needs_an_open_mailbox(cast: Cast) -> None:
    response = Client().post(
        reverse("intake:mailbox_files"), {"attachments": uploads({"a.png": files.png()})}
    )
    assert response.status_code == 302
    assert not EvidenceItem.objects.exists()
    assert stored_files() == []


@pytest.mark.parametrize("role", ["caseworker", "investigator"])
def test_staff_holding_the_report_add_files_on_the_report_page(
    cast: Cast, processing: Processing, role: str
) -> None:
    cast.investigator.receives_new_reports = True
    cast.investigator.save()
    submit_with_files(Client(), {})
    report = Report.objects.get()
    member = getattr(cast, role)
    with processing():
        response = staff_client(member).post(
            reverse("evidence:staff_upload", args=[report.public_id]),
            {"attachments": [SimpleUploadedFile("notes.txt", b"Call log from 3 May\n")]},
        )
    assert response.status_code == 302
    item = EvidenceItem.objects.get()
    assert (item.added_by_kind, item.added_by) == (AddedBy.STAFF, member)
    assert item.status == EvidenceStatus.READY


def test_staff_without_the_report_key_cannot_add_files(cast: Cast) -> None:
    submit_with_files(Client(), {})
    report = Report.objects.get()
    response = staff_client(cast.outsider).post(
        reverse("evidence:staff_upload", args=[report.public_id]),
        {"attachments": [SimpleUploadedFile("notes.txt", b"hello\n")]},
    )
    assert response.status_code == 404
    assert not EvidenceItem.objects.exists()
    assert stored_files() == []


def test_uploads_are_refused_by_views_that_do_not_take_files(cast: Cast) -> None:
    staff = staff_client(cast.caseworker)
    submit_with_files(Client(), {})
    report = Report.objects.get()
    staff.post(
        reverse("cases:report", args=[report.public_id]),
        {"text": "A reply", "attachments": [SimpleUploadedFile("x.txt", b"sneaky\n")]},
    )
    assert not EvidenceItem.objects.exists()
    assert not EvidenceBlob.objects.exists()
    assert stored_files() == []

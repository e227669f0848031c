"""Files that cannot be sanitised keep their encrypted original and hash, get a visible status with the
reason, and never crash the worker; a retry after a killed worker produces the same result."""

import contextlib
import hashlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from longarm.evidence import services
from longarm.evidence.detection import BY_CONTENT_TYPE
from longarm.evidence.models import (
    CustodyAction,
    EvidenceBlob,
    EvidenceItem,
    EvidenceKey,
    EvidenceStatus,
    FailureReason,
    KeyHolder,
)
from longarm.evidence.processing import sanitise
from longarm.evidence.services import evidence_process, evidence_requeue_unfinished
from longarm.evidence.workspace import Workspace
from longarm.intake.models import Report
from tests.conftest import Cast
from tests.evidence import files
from tests.evidence.conftest import run_queued_tasks
from tests.evidence.helpers import item_record_of, record_of, staff_client, submit_with_files
from tests.evidence.store import stored_names

pytestmark = pytest.mark.django_db
Processing = Callable[[], AbstractContextManager[None]]


def truncated_mp4(directory: Path) -> bytes:
    video = files.mp4_with_tags(directory)
    # faststart is off, so the index (moov) is at the end: cutting the end leaves no playable file.
    return video[: len(video) // 2]


BAD_FILES: dict[str, tuple[Callable[[Path], bytes], str]] = {
    "corrupt-jpeg": (lambda _: files.corrupt_jpeg(), FailureReason.DAMAGED),
    "truncated-jpeg": (lambda _: files.jpeg_with_exif(size=(1200, 900))[:3000], FailureReason.DAMAGED),
    "truncated-video": (truncated_mp4, FailureReason.DAMAGED),
    "corrupt-pdf": (lambda _: b"%PDF-1.7\n" + bytes(range(256)) * 4, FailureReason.DAMAGED),
    "polyglot-jpeg-zip": (lambda _: files.polyglot_jpeg_zip(), FailureReason.POLYGLOT),
    "polyglot-text-pdf": (lambda _: b"Hello\n%PDF-1.4\n1 0 obj<<>>endobj\n", FailureReason.POLYGLOT),
    "zip-bomb": (lambda _: files.zip_bomb(), FailureReason.ARCHIVE_BOMB),
    "zip-slip": (
        lambda _: files.zip_of({"../../etc/cron.d/x": b"* * * * * root id\n"}),
        FailureReason.UNSAFE_ARCHIVE,
    ),
    "pixel-bomb": (lambda _: files.pixel_bomb(), FailureReason.PIXEL_BOMB),
    "corrupt-zip": (lambda _: b"PK\x03\x04" + bytes(300), FailureReason.DAMAGED),
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_a_bad_file_fails_visibly_and_keeps_its_original_and_hash(
    cast: Cast, processing: Processing, tmp_path: Path, kind: str
) -> None:
    make, reason = BAD_FILES[kind]
    content = make(tmp_path)
    with processing():
        submit_with_files(Client(), {f"{kind}.bin": content})
    item = EvidenceItem.objects.get()
    assert (item.status, item.failure_reason) == (EvidenceStatus.FAILED, reason)
    assert item_record_of(item).sha256 == record_of(item).sha256 == hashlib.sha256(content).hexdigest()
    assert set(item.blobs.values_list("variant", flat=True)) == {"original"}
    assert item.blobs.get().storage_name in stored_names()
    assert not EvidenceKey.objects.filter(holder=KeyHolder.PROCESSING).exists()
    assert item.custody_events.last().action == CustodyAction.FAILED  # type: ignore[union-attr]
    page = staff_client(cast.caseworker).get(reverse("cases:report", args=[item.report.public_id]))
    html = page.content.decode()
    assert "Could not be sanitised; the original is kept" in html
    assert str(FailureReason(reason).label).split(" (")[0] in html


def test_an_unexpected_error_in_a_sanitiser_is_recorded_and_does_not_escape(
    cast: Cast, processing: Processing, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    quoted = "a parser bug quoting the file: " + "Officer " + "Wang"

    def explode(*args: object) -> None:
        raise RuntimeError(quoted)

    monkeypatch.setattr(services, "sanitise", explode)
    with processing():
        submit_with_files(Client(), {"a.png": files.png()})
    item = EvidenceItem.objects.get()
    assert (item.status, item.failure_reason) == (EvidenceStatus.FAILED, FailureReason.INTERNAL)
    assert "RuntimeError" in caplog.text
    assert "Officer Wang" not in caplog.text


def test_processing_twice_changes_nothing(cast: Cast, processing: Processing) -> None:
    with processing():
        submit_with_files(Client(), {"a.jpg": files.jpeg_with_exif()})
    item = EvidenceItem.objects.get()
    blobs = list(EvidenceBlob.objects.order_by("id").values_list("storage_name", "record_ciphertext"))
    events = item.custody_events.count()
    assert evidence_process(item_id=item.public_id) == EvidenceStatus.READY
    assert list(EvidenceBlob.objects.order_by("id").values_list("storage_name", "record_ciphertext")) == blobs
    assert item.custody_events.count() == events


def test_a_worker_killed_mid_task_is_retried_and_the_retry_gives_the_same_result(
    cast: Cast, processing: Processing, monkeypatch: pytest.MonkeyPatch, settings: pytest.FixtureRequest
) -> None:
    photo = files.jpeg_with_exif()

    def killed(*args: object) -> str:
        raise KeyboardInterrupt  # as a SIGINT or SIGKILL would end it: after writing files, before commit

    monkeypatch.setattr(services, "_finish", killed)
    # The immediate backend lets the interrupt through; an RQ worker records the job as failed.
    with contextlib.suppress(KeyboardInterrupt), processing():
        submit_with_files(Client(), {"a.jpg": photo})
    monkeypatch.undo()
    item = EvidenceItem.objects.get()
    assert item.status == EvidenceStatus.PROCESSING
    assert EvidenceKey.objects.filter(holder=KeyHolder.PROCESSING).exists()

    settings.LONGARM_EVIDENCE_LEASE_SECONDS = 0  # type: ignore[attr-defined]
    with processing():
        assert evidence_requeue_unfinished() == 1
    run_queued_tasks()
    item.refresh_from_db()
    assert item.status == EvidenceStatus.READY
    assert item.attempts == 2
    assert item.blobs.filter(variant="derivative").count() == 1
    assert list(item.custody_events.values_list("action", flat=True)).count(CustodyAction.SANITISED) == 1
    with Workspace() as source, Workspace() as out:
        source.fill([photo])
        sanitise(source, BY_CONTENT_TYPE["image/jpeg"], out)
        expected = hashlib.sha256(out.read_all()).hexdigest()
    assert record_of(item, "derivative").sha256 == expected


def test_a_file_that_keeps_killing_the_worker_is_given_up_after_three_attempts(cast: Cast) -> None:
    submit_with_files(Client(), {"a.png": files.png()})  # queued, but the on-commit hook never ran
    item = EvidenceItem.objects.get()
    EvidenceItem.objects.filter(pk=item.pk).update(attempts=3, status=EvidenceStatus.PROCESSING)
    assert evidence_process(item_id=item.public_id) == EvidenceStatus.FAILED
    item.refresh_from_db()
    assert item.failure_reason == FailureReason.INTERNAL
    assert Report.objects.count() == 1

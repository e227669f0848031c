"""Uploads are bounded however they are sent: per file, per request (nothing past the cap is written), and
for reporters by a site-wide byte budget per window that a flood spends but that closes no report."""

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from longarm.core.models import ThrottleCounter
from longarm.evidence import storage
from longarm.evidence.budget import (
    MIB,
    Budget,
    Reservation,
    budget_remaining,
    budget_take,
    units_for,
    upload_budget,
)
from longarm.evidence.models import EvidenceItem, PendingUpload
from longarm.intake.models import Report
from tests.conftest import Cast
from tests.evidence.helpers import staff_client, submit_with_files, uploads
from tests.evidence.store import stored_names
from tests.intake.helpers import post_files, submit_report
from tests.intake.test_mailbox import open_mailbox

pytestmark = pytest.mark.django_db
Processing = Callable[[], AbstractContextManager[None]]
KIB = 1024


def text(size: int) -> bytes:
    """A chat export of ``size`` bytes (accepted as text)."""
    line = b"Officer Li: come home, your mother is waiting.\n"
    return (line * (size // len(line) + 1))[:size]


def stored() -> list[str]:
    return stored_names()


class Written(list[int]):
    """Plaintext bytes handed to blob writers; ``peak`` is the most ever on disk at once (a refused file's
    bytes are gone once its writer aborts)."""

    peak = 0
    live = 0


@pytest.fixture
def written(monkeypatch: pytest.MonkeyPatch) -> Written:
    sizes = Written()
    per_writer: dict[int, int] = {}
    original_write, original_abort = storage.BlobWriter.write, storage.BlobWriter.abort

    def write(self: storage.BlobWriter, data: bytes) -> None:
        sizes.append(len(data))
        per_writer[id(self)] = per_writer.get(id(self), 0) + len(data)
        sizes.live += len(data)
        sizes.peak = max(sizes.peak, sizes.live)
        original_write(self, data)

    def abort(self: storage.BlobWriter) -> None:
        sizes.live -= per_writer.pop(id(self), 0)
        original_abort(self)

    monkeypatch.setattr(storage.BlobWriter, "write", write)
    monkeypatch.setattr(storage.BlobWriter, "abort", abort)
    return sizes


def test_the_defaults_bound_a_request_and_a_media_run(settings: Any) -> None:
    # Formerly 50 files of 2 GiB each in one request, and half an hour of ffmpeg per file.
    assert settings.LONGARM_MAX_REQUEST_UPLOAD_BYTES <= 1024**3
    assert settings.LONGARM_MAX_UPLOAD_BYTES <= settings.LONGARM_MAX_REQUEST_UPLOAD_BYTES
    assert settings.LONGARM_UPLOAD_BUDGET_BYTES >= settings.LONGARM_MAX_REQUEST_UPLOAD_BYTES
    assert settings.LONGARM_EVIDENCE_MEDIA_SECONDS <= 600
    assert settings.LONGARM_PENDING_UPLOAD_SECONDS <= 3600


def test_the_files_of_one_request_together_are_capped_and_nothing_past_the_cap_is_written(
    cast: Cast, settings: Any, written: Written
) -> None:
    settings.LONGARM_MAX_REQUEST_UPLOAD_BYTES = 300 * KIB
    files = {"one.txt": text(200 * KIB), "two.txt": text(200 * KIB), "three.txt": text(50 * KIB)}
    html = post_files(Client(), uploads(files))
    assert "“two.txt” was not accepted: The files sent together are larger than the limit of 300" in html
    assert not Report.objects.exists()
    assert written.peak <= 300 * KIB
    # The first and the last fit; their ciphertext is kept for the corrected questionnaire.
    assert len(stored()) == PendingUpload.objects.count() == 2


def test_staff_uploads_are_capped_per_request_too(cast: Cast, settings: Any, written: Written) -> None:
    submit_with_files(Client(), {"first.txt": text(10 * KIB)})
    report = Report.objects.get()
    settings.LONGARM_MAX_REQUEST_UPLOAD_BYTES = 100 * KIB
    staff_client(cast.caseworker).post(
        reverse("evidence:staff_upload", args=[report.public_id]),
        {"attachments": [SimpleUploadedFile("big.txt", text(150 * KIB))]},
    )
    assert report.evidence_items.count() == 1
    assert written.peak <= 100 * KIB


def spend_budget(settings: Any, *, leave: int = 0) -> None:
    """A budget of 2 MiB of which only ``leave`` MiB are left."""
    settings.LONGARM_UPLOAD_BUDGET_BYTES = 2 * MIB
    ThrottleCounter.objects.filter(scope="upload-bytes").delete()
    assert budget_take(upload_budget(), 2 - leave) is not None


def test_when_the_budget_is_spent_a_file_is_refused_and_the_report_can_be_sent_without_it(
    cast: Cast, settings: Any, written: Written
) -> None:
    spend_budget(settings)
    client = Client()
    html = post_files(client, uploads({"threat.txt": text(100 * KIB)}))
    assert "“threat.txt” was not accepted: We are receiving more files than we can take just now." in html
    assert "add them later in your mailbox, with your receipt number" in html
    assert written == []
    assert stored() == []
    assert not Report.objects.exists()
    # The same questionnaire without the file goes through.
    receipt = submit_report(client)
    assert Report.objects.count() == 1
    # Once the window has passed, the file follows from the mailbox.
    ThrottleCounter.objects.filter(scope="upload-bytes").delete()
    reporter = Client()
    open_mailbox(reporter, receipt)
    reporter.post(reverse("intake:mailbox_files"), {"attachments": uploads({"threat.txt": text(100 * KIB)})})
    assert EvidenceItem.objects.count() == 1


def test_the_mailbox_says_to_try_again_later_when_the_budget_is_spent(cast: Cast, settings: Any) -> None:
    receipt = submit_with_files(Client(), {"first.txt": text(KIB)})
    spend_budget(settings)
    reporter = Client()
    open_mailbox(reporter, receipt)
    response = reporter.post(
        reverse("intake:mailbox_files"), {"attachments": uploads({"second.txt": text(KIB)})}, follow=True
    )
    assert "We are receiving more files than we can take just now. Please try again later." in (
        response.content.decode()
    )
    assert EvidenceItem.objects.count() == 1


def test_a_file_that_fits_what_is_left_of_the_budget_is_accepted(cast: Cast, settings: Any) -> None:
    spend_budget(settings, leave=1)
    submit_with_files(Client(), {"small.txt": text(500 * KIB)})
    assert EvidenceItem.objects.count() == 1
    assert budget_remaining(upload_budget()) == 0


def test_what_a_request_does_not_keep_is_given_back(cast: Cast, settings: Any) -> None:
    settings.LONGARM_UPLOAD_BUDGET_BYTES = 8 * MIB
    settings.LONGARM_PENDING_FILES_PER_SESSION = 0
    # A file the session may not keep, and a file of a refused type.
    post_files(Client(), uploads({"a.txt": text(3 * MIB)}))
    post_files(Client(), uploads({"b.jpg": b"MZ\x90\x00" + bytes(3 * MIB)}))
    assert budget_remaining(upload_budget()) == 8
    assert stored() == []
    # What is kept stays spent, rounded up to a power of two MiB.
    settings.LONGARM_PENDING_FILES_PER_SESSION = 10
    submit_with_files(Client(), {"c.txt": text(3 * MIB)})
    assert budget_remaining(upload_budget()) == 8 - 4


def test_staff_uploads_do_not_draw_on_the_reporters_budget(cast: Cast, settings: Any) -> None:
    submit_with_files(Client(), {"first.txt": text(KIB)})
    spend_budget(settings)
    report = Report.objects.get()
    staff_client(cast.caseworker).post(
        reverse("evidence:staff_upload", args=[report.public_id]),
        {"attachments": [SimpleUploadedFile("note.txt", text(KIB))]},
    )
    assert report.evidence_items.count() == 2


def test_the_budget_holds_one_coarse_total_for_the_current_window_only(cast: Cast, settings: Any) -> None:
    budget = Budget(scope="upload-bytes", maximum_units=64, window=timedelta(hours=1))
    ThrottleCounter.objects.create(
        scope="upload-bytes", key="all", window_start="2020-01-01T00:00:00Z", count=3
    )
    reservation = Reservation(budget)
    for size in (1, MIB + 1, 3 * MIB, 5 * MIB):
        assert reservation.cover(size)
    reservation.settle(3 * MIB - 5)
    [row] = ThrottleCounter.objects.filter(scope="upload-bytes")
    assert (row.key, row.count) == ("all", 4)  # 3 MiB kept: counted as 4
    assert not budget_take(budget, 61)
    assert budget_take(budget, 60)


def test_units_are_whole_mebibytes_rounded_up_to_a_power_of_two() -> None:
    assert [units_for(size) for size in (0, 1, MIB, MIB + 1, 3 * MIB, 4 * MIB, 5 * MIB)] == [
        0,
        1,
        1,
        2,
        4,
        4,
        8,
    ]

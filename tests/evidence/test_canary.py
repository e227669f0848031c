"""The canary scan (DESIGN §6.1) extended to uploads: files holding unique strings — in their text, their
EXIF and their names — are sent by a reporter and staff, processed, viewed and exported. Not one string may
appear in the database, the data, storage and keys directories, the temporary and memory-backed directories,
or the logs; not after the upload, and not while it streams in."""

import io
import logging
import secrets
import tempfile
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from longarm.evidence.models import EvidenceItem
from longarm.evidence.uploads import EncryptingUploadHandler
from tests.conftest import Cast, log_in
from tests.evidence.conftest import run_queued_tasks
from tests.evidence.store import stored_names
from tests.intake.helpers import post_files, report_answers, submit_answers
from tests.test_canary import stored_bytes

SCAN_LIMIT = 64 * 1024 * 1024


def canary(name: str) -> str:
    return f"cnry{name}{secrets.token_hex(8)}"


def scratch_bytes(since: float) -> bytes:
    """Files written since ``since`` in the temporary and memory-backed directories."""
    chunks = []
    for root in {Path(tempfile.gettempdir()), Path("/dev/shm"), Path("/var/tmp")}:  # noqa: S108
        if not root.is_dir():
            continue
        for path in root.rglob("*"):
            try:
                status = path.lstat()
                recent = path.is_file() and not path.is_symlink() and status.st_mtime >= since
                if recent and status.st_size <= SCAN_LIMIT:
                    chunks.append(path.read_bytes())
            except OSError:
                continue
    return b"\n".join(chunks)


def photo_with_canaries(make: str, model: str) -> bytes:
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = make, model
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 10, 10)).save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


@pytest.mark.django_db(transaction=True)
def test_no_canary_from_an_upload_appears_on_disk_or_in_logs(
    cast: Cast, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    started = time.time() - 1
    needles = {name: canary(name) for name in ("text", "make", "model", "filename", "staffnote", "zipname")}
    piece = EncryptingUploadHandler.chunk_size
    line = f"WeChat export {needles['text']}\n"
    chat = (line * (4 * piece // len(line) + 1)).encode()  # several of the pieces the parser hands over
    assert len(chat) > 4 * piece
    during: list[bytes] = []
    original = EncryptingUploadHandler.receive_data_chunk

    def spying(self: EncryptingUploadHandler, raw_data: bytes, start: int) -> None:
        original(self, raw_data, start)
        if start >= 2 * piece and not during:
            during.append(stored_bytes() + scratch_bytes(started))

    monkeypatch.setattr(EncryptingUploadHandler, "receive_data_chunk", spying)
    reporter = Client()
    submit_answers(
        reporter,
        {
            **report_answers(),
            "attachments": [
                SimpleUploadedFile(f"{needles['filename']}.txt", chat),
                SimpleUploadedFile("photo.jpg", photo_with_canaries(needles["make"], needles["model"])),
            ],
        },
    )
    run_queued_tasks()
    assert during, "the scan during the upload did not run"
    assert EvidenceItem.objects.filter(status="ready").count() == 2

    staff = Client()
    log_in(staff, cast.caseworker)
    item = EvidenceItem.objects.order_by("report_id", "position").first()
    assert item is not None
    shown = staff.get(reverse("evidence:staff_file", args=[item.public_id, "derivative"]))
    assert needles["text"].encode() in b"".join(shown.streaming_content)  # type: ignore[attr-defined]
    staff.post(
        reverse("evidence:staff_upload", args=[item.report.public_id]),
        {
            "attachments": [
                SimpleUploadedFile(f"{needles['zipname']}.txt", needles["staffnote"].encode() + b"\n")
            ]
        },
    )
    run_queued_tasks()

    haystacks = {
        "during the upload": during[0],
        "on disk": stored_bytes() + scratch_bytes(started),
        "in the logs": "\n".join(
            record.getMessage() + str(record.args) for record in caplog.records
        ).encode(),
    }
    for name, needle in needles.items():
        for where, haystack in haystacks.items():
            assert needle.encode() not in haystack, f"the {name} canary is {where} in clear"
    assert stored_names(), "the uploads were stored where they were searched for"


@pytest.mark.django_db(transaction=True)
def test_no_canary_from_a_file_kept_between_steps_appears_on_disk(
    cast: Cast, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    started = time.time() - 1
    needles = {name: canary(name) for name in ("text", "filename")}
    chat = (f"WeChat export {needles['text']}\n" * 5_000).encode()
    reporter = Client()
    page = post_files(reporter, [SimpleUploadedFile(f"{needles['filename']}.txt", chat)])
    assert needles["filename"] in page  # shown back to the reporter, and only there
    haystacks = {
        "on disk": stored_bytes() + scratch_bytes(started),
        "in the logs": "\n".join(
            record.getMessage() + str(record.args) for record in caplog.records
        ).encode(),
    }
    for name, needle in needles.items():
        for where, haystack in haystacks.items():
            assert needle.encode() not in haystack, f"the {name} canary is {where} in clear"

"""Issue 11, item 1: no plaintext fingerprint of an evidence file in a clear column.

A database thief who holds a picture (the threat image the police sent to a family) must not find the
reports that contain it: not by the SHA-256 of the file, not by the hash of its sanitised copy (stable across
re-encodings of one picture), not by its exact size or type. Integrity must survive: the staff page, the
reporter's mailbox, the package manifest and `longarm evidence verify` still show and check the real hash.
"""

import hashlib
import io
import json
import uuid
import zipfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import time
from typing import Any

import pytest
from django.db import connection
from django.template.defaultfilters import filesizeformat
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from longarm.core.keyring import current_keyring
from longarm.crypto.envelopes import unseal
from longarm.crypto.signing import signing_public_key
from longarm.crypto.streams import CHUNK_BYTES, ENCRYPTED_CHUNK_BYTES, HEADER_BYTES
from longarm.evidence.models import AddedBy, CustodyAction, CustodyEvent, EvidenceItem, EvidenceStatus
from longarm.evidence.package import verify_package
from longarm.evidence.selectors import item_record
from longarm.evidence.storage import padded_size
from longarm.gate.tokens import Purpose
from longarm.intake.models import KeyKind, RecipientKind, Report
from tests.conftest import Cast
from tests.evidence import files
from tests.evidence.helpers import (
    custody_sha256,
    fetch,
    readers_receive_reports,
    record_of,
    recovery_private_key,
    staff_client,
    submit_with_files,
)
from tests.evidence.store import stored_bytes
from tests.gate.helpers import gate_fields

pytestmark = pytest.mark.django_db
Processing = Callable[[], AbstractContextManager[None]]
EVIDENCE_TABLES = ("evidence_", "django_tasks")


def rows(prefixes: tuple[str, ...] = ("",)) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """Every row of every table whose name starts with one of ``prefixes``, as the database holds it."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            if not table.startswith(prefixes):
                continue
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names come from introspection
            for row in cursor.fetchall():
                yield table, row


def as_bytes(value: Any) -> bytes:
    return bytes(value) if isinstance(value, memoryview | bytes) else str(value).encode()


@pytest.fixture
def handled(cast: Cast, processing: Processing) -> dict[str, Any]:
    """A photo and a chat export sent by a reporter, processed, viewed, downloaded and exported."""
    readers_receive_reports(cast)
    photo, chat = files.jpeg_with_exif(), ("Officer Li: come home\n" * 500).encode()
    reporter = Client()
    with processing():
        receipt = submit_with_files(reporter, {"threat.jpg": photo, "chat.txt": chat})
    photo_item, chat_item = EvidenceItem.objects.order_by("report_id", "position")
    assert {photo_item.status, chat_item.status} == {EvidenceStatus.READY}
    investigator = staff_client(cast.investigator)
    copies = {
        "photo copy": fetch(investigator, photo_item, "derivative"),
        "photo preview": fetch(investigator, photo_item, "preview"),
        "chat copy": fetch(investigator, chat_item, "derivative"),
    }
    assert fetch(investigator, photo_item, "original") == photo
    report = Report.objects.get()
    exported = investigator.post(
        reverse("evidence:staff_export", args=[report.public_id]),
        {"selection": [f"{photo_item.public_id}:original", f"{photo_item.public_id}:derivative"]},
    )
    package = b"".join(exported.streaming_content)  # type: ignore[attr-defined]
    return {
        "files": {"photo": photo, "chat": chat, **copies},
        "items": (photo_item, chat_item),
        "package": package,
        "receipt": receipt,
        "investigator": investigator,
    }


def test_no_hash_of_a_file_or_its_copies_is_in_any_column(handled: dict[str, Any]) -> None:
    needles = {}
    for name, content in handled["files"].items():
        digest = hashlib.sha256(content)
        needles[f"hex SHA-256 of the {name}"] = digest.hexdigest().encode()
        needles[f"HEX SHA-256 of the {name}"] = digest.hexdigest().upper().encode()
        needles[f"raw SHA-256 of the {name}"] = digest.digest()
    manifest = zipfile.ZipFile(io.BytesIO(handled["package"])).read("manifest.json")
    needles["hex SHA-256 of the manifest"] = hashlib.sha256(manifest).hexdigest().encode()
    for table, row in rows():
        for value in row:
            stored = as_bytes(value)
            for name, needle in needles.items():
                assert needle not in stored, f"the {name} is in clear in {table}"


def test_no_exact_size_or_type_is_in_an_evidence_column(handled: dict[str, Any]) -> None:
    sizes = {len(content) for content in handled["files"].values()}
    assert min(sizes) > 1000  # not to be mistaken for an id or a count
    for table, row in rows(EVIDENCE_TABLES):
        for value in row:
            if isinstance(value, int) and not isinstance(value, bool):
                assert value not in sizes, f"an exact file size is in clear in {table}"
            text = as_bytes(value)
            for size in sizes:
                assert b'"%d"' % size not in text, table
                assert b": %d" % size not in text, table
            for content_type in (b"image/jpeg", b"text/plain", b"image/png", b"image/webp"):
                assert content_type not in text, f"an exact type is in clear in {table}"


def test_the_staff_page_shows_the_real_hash_and_size(cast: Cast, handled: dict[str, Any]) -> None:
    photo_item, _ = handled["items"]
    page = handled["investigator"].get(reverse("cases:report", args=[photo_item.report.public_id]))
    html = page.content.decode()
    assert hashlib.sha256(handled["files"]["photo"]).hexdigest() in html
    assert hashlib.sha256(handled["files"]["chat"]).hexdigest() in html
    assert str(filesizeformat(len(handled["files"]["photo"]))) in html


def test_the_reporter_sees_the_exact_size_of_their_files(handled: dict[str, Any]) -> None:
    reporter = Client()
    page = reporter.post(
        reverse("intake:mailbox_login"),
        {"receipt": handled["receipt"], **gate_fields(Purpose.RECEIPT)},
        follow=True,
    )
    html = page.content.decode()
    assert "threat.jpg" in html
    assert str(filesizeformat(len(handled["files"]["chat"]))) in html


def test_the_package_manifest_carries_the_real_hashes_and_verifies(handled: dict[str, Any]) -> None:
    archive = zipfile.ZipFile(io.BytesIO(handled["package"]))
    manifest = json.loads(archive.read("manifest.json"))
    photo, copy = handled["files"]["photo"], handled["files"]["photo copy"]
    by_version = {entry["path"].rsplit("-", 1)[1].split(".")[0]: entry for entry in manifest["files"]}
    assert by_version["original"]["sha256"] == hashlib.sha256(photo).hexdigest()
    assert by_version["original"]["size"] == len(photo)
    assert by_version["derivative"]["sha256"] == hashlib.sha256(copy).hexdigest()
    described = {entry["version"]: entry for entry in manifest["items"]}
    assert described["original"]["original_sha256"] == hashlib.sha256(photo).hexdigest()
    assert described["original"]["original_size"] == len(photo)
    assert described["original"]["content_type"] == "image/jpeg"
    custody = {(event["action"], event["version"]): event["sha256"] for event in manifest["custody"]}
    assert custody[("received", "original")] == hashlib.sha256(photo).hexdigest()
    assert custody[("hashed", "original")] == hashlib.sha256(photo).hexdigest()
    assert custody[("sanitised", "derivative")] == hashlib.sha256(copy).hexdigest()
    assert custody[("downloaded", "original")] == hashlib.sha256(photo).hexdigest()
    assert verify_package(
        io.BytesIO(handled["package"]), public_key=signing_public_key(current_keyring().signing_seed)
    ).ok


def test_every_custody_step_keeps_its_hash_under_the_versions_key(handled: dict[str, Any]) -> None:
    photo_item, _ = handled["items"]
    photo = hashlib.sha256(handled["files"]["photo"]).hexdigest()
    copy = hashlib.sha256(handled["files"]["photo copy"]).hexdigest()
    expected = {"original": photo, "derivative": copy, "preview": None}
    for event in CustodyEvent.objects.filter(item=photo_item).select_related("item"):
        sha256 = custody_sha256(event)
        if expected[event.variant] is not None:
            assert sha256 == expected[event.variant], (event.action, event.variant)
        else:
            assert len(sha256) == 64


def test_times_of_the_reporters_and_workers_steps_are_kept_to_the_day(handled: dict[str, Any]) -> None:
    photo_item, _ = handled["items"]
    assert photo_item.received_on == timezone.now().date()
    for event in CustodyEvent.objects.filter(item=photo_item):
        if event.actor_kind in {AddedBy.REPORTER, "system"}:
            assert event.at.time() == time(0, 0), event.action
        else:
            assert event.at.second == event.at.microsecond == 0
    assert CustodyEvent.objects.filter(item=photo_item, action=CustodyAction.DOWNLOADED).exists()


def test_a_record_moved_to_another_item_does_not_open(handled: dict[str, Any]) -> None:
    photo_item, chat_item = handled["items"]
    EvidenceItem.objects.filter(pk=chat_item.pk).update(record_ciphertext=photo_item.record_ciphertext)
    chat_item.refresh_from_db()
    report = chat_item.report
    sealed = report.sealed_keys.get(kind=KeyKind.DATA, recipient_kind=RecipientKind.RECOVERY)
    data_key = unseal(recovery_private_key(), bytes(sealed.sealed))
    assert item_record(item=chat_item, report=report, data_key=data_key) is None
    assert item_record(item=photo_item, report=report, data_key=data_key) is not None
    page = handled["investigator"].get(reverse("cases:report", args=[report.public_id]))
    assert "record of its hash does not open" in page.content.decode()


def test_the_task_queue_forgets_when_each_upload_was_queued_once_it_is_processed(
    cast: Cast, processing: Processing
) -> None:
    from django_tasks_db.models import DBTaskResult

    from longarm.evidence.services import evidence_process

    def queued(status: str, task_path: str = "longarm.evidence.tasks.process_evidence") -> DBTaskResult:
        return DBTaskResult.objects.create(
            status=status,
            args_kwargs={"args": [str(uuid.uuid4())], "kwargs": {}},
            task_path=task_path,
            backend_name="default",
            run_after=timezone.now(),
            exception_class_path="",
            traceback="",
        )

    done, failed = queued("SUCCESSFUL"), queued("FAILED")
    waiting, running = queued("READY"), queued("RUNNING")
    other = queued("SUCCESSFUL", task_path="longarm.evidence.tasks.sweep_evidence_storage")
    with processing():
        submit_with_files(Client(), {"a.jpg": files.jpeg_with_exif()})
    item = EvidenceItem.objects.get()
    assert evidence_process(item_id=item.public_id) == EvidenceStatus.READY
    left = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert left == {waiting.pk, running.pk, other.pk}
    assert done.pk not in left
    assert failed.pk not in left


def test_a_version_whose_record_was_moved_is_not_served(handled: dict[str, Any]) -> None:
    photo_item, chat_item = handled["items"]
    photo_copy = photo_item.blobs.get(variant="derivative")
    chat_item.blobs.filter(variant="derivative").update(record_ciphertext=photo_copy.record_ciphertext)
    response = handled["investigator"].get(
        reverse("evidence:staff_file", args=[chat_item.public_id, "derivative"]), follow=True
    )
    assert "record of its hash does not open" in response.content.decode()
    assert fetch(handled["investigator"], photo_item, "derivative") == handled["files"]["photo copy"]


def test_a_stored_blob_has_the_length_of_its_padded_size_not_of_its_file(handled: dict[str, Any]) -> None:
    """The file store must not give a file's exact size either: blobs are padded (Padmé) before sealing."""
    chat = handled["files"]["chat"]
    assert padded_size(len(chat)) != len(chat)
    for item in handled["items"]:
        for blob in item.blobs.all():
            padded = padded_size(record_of(item, blob.variant).size)
            chunks = max(1, -(-padded // CHUNK_BYTES))
            stored = len(stored_bytes(blob.storage_name))
            assert stored == HEADER_BYTES + padded + chunks * (ENCRYPTED_CHUNK_BYTES - CHUNK_BYTES)

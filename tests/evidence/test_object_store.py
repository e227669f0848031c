"""Evidence in an S3-compatible bucket (``LONGARM_STORAGE_URL=s3://…``), over real HTTP to moto's server (or
the one CI names): blobs go by multipart upload and read back whole; the bucket holds only ciphertext under
random keys with no metadata; sweeps, discarded files and shredding delete objects; a bucket that goes away
mid-upload costs the reporter that one file, not the answers or the other files."""

import hashlib
import re
import secrets
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from longarm.backup.container import ContainerError
from longarm.backup.services import backup_create, backup_restore
from longarm.crypto.streams import decrypt_stream
from longarm.evidence import object_store
from longarm.evidence.exceptions import StorageUnavailable
from longarm.evidence.models import EvidenceItem, EvidenceStatus, PendingUpload
from longarm.evidence.object_store import PART_BYTES, ObjectFile
from longarm.evidence.services import evidence_process, evidence_sweep
from longarm.evidence.storage import BlobWriter, new_storage_name, object_key, open_blob
from longarm.intake.models import Report
from longarm.operations.probes import storage_check
from longarm.retention.services import report_shred
from tests.conftest import Cast
from tests.evidence import files
from tests.evidence.helpers import record_of, recovery_private_key, submit_with_files, uploads
from tests.evidence.store import stored_bytes, stored_names
from tests.intake.helpers import answer_steps, post_files, receipt_from, report_answers, send_review, step_url
from tests.s3 import MotoServer, bucket_settings, empty_bucket, ensure_bucket, moto_server

pytestmark = pytest.mark.django_db
Processing = Callable[[], AbstractContextManager[None]]
KEY = bytes(range(32))
CONTEXT = b"longarm bucket test"
MP4_HEAD = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41"
OPAQUE_NAME = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{64}\.enc$")
WHAT_HAPPENED = "Two men from the consulate waited outside my flat in Ankara and asked about my sister."


def bucket_listing() -> list[dict[str, Any]]:
    bucket = object_store.configured_bucket()
    assert bucket is not None
    s3 = object_store.client()
    listing = []
    for key, _ in object_store.list_objects(bucket):
        head = s3.head_object(Bucket=bucket.name, Key=key)
        body = s3.get_object(Bucket=bucket.name, Key=key)["Body"].read()
        listing.append({"key": key, "head": head, "body": body})
    return listing


def unfinished_uploads() -> list[str]:
    bucket = object_store.configured_bucket()
    assert bucket is not None
    return [key for key, _, _ in object_store.list_unfinished(bucket)]


def test_a_blob_of_several_parts_reads_back_exactly(s3_bucket: None) -> None:
    plaintext = secrets.token_bytes(2 * PART_BYTES + 12345)
    name = new_storage_name()
    writer = BlobWriter(name, KEY, context=CONTEXT)
    for start in range(0, len(plaintext), 65536 + 7):
        writer.write(plaintext[start : start + 65536 + 7])
    written = writer.finish()
    assert written.sha256 == hashlib.sha256(plaintext).hexdigest()
    assert b"".join(decrypt_stream(KEY, open_blob(name), context=CONTEXT, length=written.size)) == plaintext
    assert stored_names() == [name]
    assert unfinished_uploads() == []


def test_an_aborted_blob_leaves_nothing_in_the_bucket(s3_bucket: None) -> None:
    writer = BlobWriter(new_storage_name(), KEY, context=CONTEXT)
    writer.write(secrets.token_bytes(PART_BYTES + 10))
    writer.abort()
    assert stored_names() == []
    assert unfinished_uploads() == []


def test_the_bucket_holds_only_ciphertext_under_random_keys_without_metadata(
    s3_bucket: None, cast: Cast, processing: Processing
) -> None:
    photo = files.jpeg_with_exif()
    with processing():
        submit_with_files(
            Client(), {"police-summons-Gulnar.jpg": photo, "notes.pdf": files.pdf_with_author()}
        )
    report = Report.objects.get()
    items = list(EvidenceItem.objects.all())
    assert len(items) == 2
    identifiers = {report.public_id.hex, str(report.public_id)} | {
        value for item in items for value in (item.public_id.hex, str(item.public_id))
    }
    bucket = object_store.configured_bucket()
    assert bucket is not None
    listing = bucket_listing()
    # Originals, sanitised copies and previews: every version is an object.
    assert len(listing) == sum(item.blobs.count() for item in items) >= 3
    for entry in listing:
        assert entry["key"].startswith(bucket.prefix)
        assert OPAQUE_NAME.fullmatch(entry["key"].removeprefix(bucket.prefix)), entry["key"]
        assert not any(identifier in entry["key"] for identifier in identifiers)
        for word in ("original", "derivative", "preview", "Gulnar", "jpg", "pdf"):
            assert word not in entry["key"]
        head = entry["head"]
        assert head["Metadata"] == {}
        assert head.get("ContentType") in {None, "binary/octet-stream"}
        assert "ContentDisposition" not in head
        assert "ContentEncoding" not in head
        body = entry["body"]
        assert photo[64:512] not in body
        assert b"Gulnar" not in body
        assert b"Officer Wang" not in body
        for identifier in identifiers:
            assert identifier.encode() not in body
    # The staff read them back from the bucket: the worker decrypted and checked each one.
    assert {item.status for item in items} == {"ready"}


def test_sweeps_delete_orphan_objects_and_unfinished_uploads_and_keep_what_rows_name(
    s3_bucket: None, cast: Cast
) -> None:
    submit_with_files(Client(), {"photo.png": files.png()})
    named = stored_names()
    assert len(named) == 1
    orphan = new_storage_name()
    writer = BlobWriter(orphan, KEY, context=CONTEXT)
    writer.write(b"a blob whose row never committed")
    writer.finish()
    assert evidence_sweep().orphans == 0  # within the grace period: perhaps still being written
    # A worker killed mid-upload leaves a multipart upload that was never completed. (moto dates every
    # unfinished upload 2010, so the grace period is shown on the whole object above.)
    bucket = object_store.configured_bucket()
    assert bucket is not None
    crashed = ObjectFile(bucket, object_key(bucket, new_storage_name()))
    crashed.append(secrets.token_bytes(PART_BYTES))
    crashed._wait()
    assert len(unfinished_uploads()) == 1
    swept = evidence_sweep(grace=timedelta(seconds=-60))
    assert swept.orphans == 2
    assert stored_names() == named
    assert unfinished_uploads() == []


def test_discarded_kept_files_and_shredded_reports_lose_their_objects(
    s3_bucket: None, cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    html = post_files(client, uploads({"kept.png": files.png()}))
    assert "Already attached" in html
    assert len(stored_names()) == 1
    with django_capture_on_commit_callbacks(execute=True):
        post_files(client, [])  # unticked: the kept file is given up
    assert stored_names() == []
    assert not PendingUpload.objects.exists()

    submit_with_files(Client(), {"photo.png": files.png()})
    assert len(stored_names()) == 1
    with django_capture_on_commit_callbacks(execute=True):
        report_shred(report=Report.objects.get())
    assert stored_names() == []


def test_readiness_checks_the_bucket(s3_bucket: None) -> None:
    check = storage_check()
    assert (check.ok, check.detail) == (True, "bucket writable")
    assert stored_names() == []  # the probe cleaned up after itself


@pytest.fixture
def own_server(settings: Any) -> Iterator[MotoServer]:
    """A moto server this test alone uses, so that it can stop it."""
    pytest.importorskip("moto.server", reason="the bucket tests need moto[server] (the test extras)")
    with moto_server() as server:
        for name, value in bucket_settings(server.endpoint).items():
            setattr(settings, name, value)
        ensure_bucket()
        empty_bucket()
        yield server
        if server.server is not None:
            empty_bucket()


def test_the_bucket_going_away_mid_upload_refuses_that_file_and_keeps_the_answers_and_other_files(
    own_server: MotoServer, cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = Client()
    review = answer_steps(client, report_answers(what_happened=WHAT_HAPPENED))
    assert b'class="receipt"' in review.content
    video = MP4_HEAD + secrets.token_bytes(3 * PART_BYTES)
    real_send = ObjectFile._send_part
    sent: list[int] = []

    def send_then_lose_the_bucket(self: ObjectFile, number: int, data: bytes) -> None:
        real_send(self, number, data)
        if not sent:
            sent.append(number)
            own_server.stop()  # after the video's first part reached it

    monkeypatch.setattr(ObjectFile, "_send_part", send_then_lose_the_bucket)
    html = post_files(client, uploads({"letter.png": files.png(), "video.mp4": video}))
    assert sent, "the video went by multipart upload"
    assert "This file could not be stored just now" in html
    assert "Already attached" in html
    assert "letter.png" in html
    kept = re.findall(r'name="attached" value="([0-9a-f]{32})"', html)
    assert len(kept) == 1
    assert storage_check().ok is False
    assert Report.objects.count() == 0

    monkeypatch.setattr(ObjectFile, "_send_part", real_send)
    own_server.start()  # the same port, and moto keeps what it held
    post_files(client, uploads({"video.mp4": video}), attached=kept)
    page = client.get(step_url("review")).content.decode()
    assert "Ankara" in page
    response = send_review(client, receipt_from(page))
    assert response.status_code == 302, response.content.decode()[:2000]
    items = list(Report.objects.get().evidence_items.order_by("position"))
    assert sorted(record_of(item).sha256 for item in items) == sorted(
        hashlib.sha256(content).hexdigest() for content in (files.png(), video)
    )
    for item in items:
        original = item.blobs.get(variant="original")
        assert len(stored_bytes(original.storage_name)) > record_of(item).size
    # The upload the bucket never finished is given up by the sweep; nothing else is touched.
    assert unfinished_uploads()
    evidence_sweep(grace=timedelta(seconds=-60))
    assert unfinished_uploads() == []
    assert len(stored_names()) == 2


def test_the_worker_leaves_a_file_it_cannot_read_for_the_next_try_without_counting_it(
    own_server: MotoServer, cast: Cast
) -> None:
    submit_with_files(Client(), {"photo.png": files.png()})
    item = EvidenceItem.objects.get()
    own_server.stop()
    # The task fails and is retried (and the lease gives the item back): the file is not marked failed.
    with pytest.raises(StorageUnavailable):
        evidence_process(item_id=item.public_id)
    item.refresh_from_db()
    assert (item.status, item.attempts, item.failure_reason) == (EvidenceStatus.PROCESSING, 0, "")
    own_server.start()
    # The lease ran out; `evidence_requeue_unfinished` queues it again and the next try succeeds.
    assert evidence_process(item_id=item.public_id) == EvidenceStatus.READY
    item.refresh_from_db()
    assert item.attempts == 1


@pytest.mark.django_db(transaction=True)
def test_a_restore_that_fails_takes_back_the_objects_it_wrote_into_the_bucket(
    s3_bucket: None, cast: Cast, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    submit_with_files(Client(), {"photo.png": files.png()})
    backup = tmp_path / "longarm.backup"
    backup_create(backup)
    call_command("flush", interactive=False, verbosity=0)
    empty_bucket()

    def failing(dump: Path) -> None:
        raise ContainerError("the database could not be restored")

    monkeypatch.setattr("longarm.backup.services.restore_database", failing)
    with pytest.raises(ContainerError, match="could not be restored"):
        backup_restore(backup, recovery_private_key=recovery_private_key())
    assert stored_names() == []
    assert unfinished_uploads() == []

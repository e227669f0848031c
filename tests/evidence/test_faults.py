"""What faults leave of evidence (benchmarks/faults.py): a task queue that is down when files arrive, a worker
killed mid-sanitise, a full disk mid-upload. Nothing is lost, nothing is processed twice, and the reporter
gets a page, never an error."""

import errno
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from longarm.evidence import services, storage
from longarm.evidence.models import EvidenceItem, EvidenceStatus, PendingUpload
from longarm.evidence.services import evidence_process, evidence_reclaim
from longarm.intake.models import Report
from tests.conftest import Cast
from tests.evidence.helpers import submit_with_files, uploads
from tests.evidence.store import stored_names
from tests.intake.helpers import FILES_STEP, answer_steps, report_answers, step_url

pytestmark = pytest.mark.django_db
Capture = Callable[..., AbstractContextManager[Any]]


def notes(count: int) -> dict[str, bytes]:
    return {f"note-{number}.txt": b"Officer Li called again.\n" for number in range(count)}


@pytest.fixture
def queue(settings: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    settings.LONGARM_EVIDENCE_QUEUED_PER_REPORT = 2
    queued: list[str] = []
    monkeypatch.setattr(services, "_enqueue", lambda ids: queued.extend(str(item_id) for item_id in ids))
    return queued


def test_files_sent_while_the_queue_is_down_wait_and_are_queued_when_it_is_back(
    cast: Cast, queue: list[str], monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Capture
) -> None:
    def down(ids: object) -> None:
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with monkeypatch.context() as patched:
        patched.setattr(services, "_enqueue", down)
        with django_capture_on_commit_callbacks(execute=True):
            submit_with_files(Client(), notes(3))  # asserts the receipt page, not an error
    assert Report.objects.count() == 1
    # Not marked queued with no task behind them: waiting, where redelivery finds them.
    assert set(EvidenceItem.objects.values_list("status", flat=True)) == {EvidenceStatus.RECEIVED}
    with django_capture_on_commit_callbacks(execute=True):
        assert evidence_reclaim() == 2
    assert len(queue) == 2


def test_a_killed_workers_item_is_reclaimed_once_after_its_lease_and_processed_once(
    cast: Cast, queue: list[str], settings: Any, django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        submit_with_files(Client(), notes(1))
    item = EvidenceItem.objects.get()
    queue.clear()
    # The worker claimed it and was killed mid-sanitise.
    EvidenceItem.objects.filter(pk=item.pk).update(
        status=EvidenceStatus.PROCESSING, processing_started_at=timezone.now(), attempts=1
    )
    assert evidence_reclaim() == 0  # within its lease: not taken from a worker that may be alive
    EvidenceItem.objects.filter(pk=item.pk).update(
        processing_started_at=timezone.now() - timedelta(seconds=settings.LONGARM_EVIDENCE_LEASE_SECONDS + 1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert evidence_reclaim() == 1
        # The next pass, before any worker took it, does not queue it a second time.
        assert evidence_reclaim() == 0
    assert queue == [str(item.public_id)]
    with django_capture_on_commit_callbacks(execute=True):
        assert evidence_process(item_id=UUID(queue[0])) == EvidenceStatus.READY
    item.refresh_from_db()
    assert item.blobs.filter(variant="derivative").count() == 1
    assert item.custody_events.filter(action="sanitised").count() == 1


# These two are about the database queue's own rows: under the Redis backend (CI's Redis stage) the queue is
# RQ's, and django-tasks' backends, cached at start-up, ignore a TASKS setting changed inside a test.
_DATABASE_QUEUE_ONLY = pytest.mark.skipif(
    settings.TASKS_URL.startswith("redis://"), reason="about the database queue's rows; this run uses Redis"
)


@_DATABASE_QUEUE_ONLY
def test_with_the_database_queue_the_task_commits_with_the_item(cast: Cast, settings: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    # No on-commit callback runs here (the test's transaction never commits): the task row must be written
    # in the transaction itself, or a process killed right after the commit leaves the item with no task.
    submit_with_files(Client(), notes(1))
    item = EvidenceItem.objects.get()
    assert item.status == EvidenceStatus.QUEUED
    assert DBTaskResult.objects.filter(args_kwargs__args=[str(item.public_id)]).exists()


def test_a_full_disk_mid_upload_tells_the_reporter_and_keeps_nothing(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(self: storage.BlobWriter, piece: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    client = Client()
    answer_steps(client, report_answers())
    with monkeypatch.context() as patched:
        patched.setattr(storage.BlobWriter, "write", full)
        response = client.post(
            step_url(FILES_STEP), {"attachments": uploads({"note.txt": b"Officer Li.\n" * 9})}
        )
    assert response.status_code == 200
    assert "than we can take just now" in response.content.decode()
    assert PendingUpload.objects.count() == 0
    assert not [path for path in storage.evidence_root().rglob("*") if path.is_file()]
    # With room again, the same file is taken.
    again = client.post(step_url(FILES_STEP), {"attachments": uploads({"note.txt": b"Officer Li.\n" * 9})})
    assert again.status_code == 302
    assert PendingUpload.objects.count() == 1


def test_a_task_run_while_the_database_restarts_runs_again_once_it_is_back(
    cast: Cast, queue: list[str], monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Capture
) -> None:
    from django.db import OperationalError

    from longarm.core import database
    from longarm.evidence.tasks import process_evidence

    with django_capture_on_commit_callbacks(execute=True):
        submit_with_files(Client(), notes(1))
    item = EvidenceItem.objects.get()
    failures = [OperationalError("the database system is shutting down")] * 2
    real_claim = services._claim

    def claim(item_id: UUID) -> EvidenceItem | None:
        if failures:
            raise failures.pop()
        return real_claim(item_id)

    monkeypatch.setattr(services, "_claim", claim)
    monkeypatch.setattr(database.time, "sleep", lambda seconds: None)
    monkeypatch.setattr(database.connection, "close", lambda: None)  # the test's transaction stays
    with django_capture_on_commit_callbacks(execute=True):
        assert process_evidence.call(str(item.public_id)) == EvidenceStatus.READY
    assert not failures


def test_a_full_disk_while_sanitising_is_tried_again_not_recorded_as_a_failed_file(
    cast: Cast,
    queue: list[str],
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    from longarm.evidence.exceptions import StorageUnavailable

    with django_capture_on_commit_callbacks(execute=True):
        submit_with_files(Client(), notes(1))
    item = EvidenceItem.objects.get()

    def full(self: storage.BlobWriter, piece: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(storage.BlobWriter, "write", full)
        with pytest.raises(StorageUnavailable), django_capture_on_commit_callbacks(execute=True):
            evidence_process(item_id=item.public_id)
    item.refresh_from_db()
    assert item.status == EvidenceStatus.PROCESSING  # its claim stands until the lease runs out
    assert not item.failure_reason
    assert list(item.blobs.values_list("variant", flat=True)) == ["original"]
    # Nothing of the copy left behind, on disk or in a bucket.
    assert stored_names() == [item.blobs.get().storage_name]
    EvidenceItem.objects.filter(pk=item.pk).update(
        processing_started_at=timezone.now() - timedelta(seconds=settings.LONGARM_EVIDENCE_LEASE_SECONDS + 1)
    )
    queue.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert evidence_reclaim() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert evidence_process(item_id=UUID(queue[0])) == EvidenceStatus.READY


@_DATABASE_QUEUE_ONLY
def test_reclaiming_a_killed_workers_item_forgets_its_dead_task_row(cast: Cast, settings: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    submit_with_files(Client(), notes(1))
    item = EvidenceItem.objects.get()
    # The worker took the task and was killed: its row says running for ever.
    DBTaskResult.objects.filter(args_kwargs__args=[str(item.public_id)]).update(status="RUNNING")
    EvidenceItem.objects.filter(pk=item.pk).update(
        status=EvidenceStatus.PROCESSING,
        processing_started_at=timezone.now() - timedelta(seconds=settings.LONGARM_EVIDENCE_LEASE_SECONDS + 1),
    )
    assert evidence_reclaim() == 1
    rows = DBTaskResult.objects.filter(args_kwargs__args=[str(item.public_id)])
    assert list(rows.values_list("status", flat=True)) == ["READY"]  # only the new task, waiting

"""Blobs that nothing refers to (an upload or processing step crashed between writing the blob and committing
its row) are deleted once older than a grace period; everything referred to, and anything recent, stays."""

import os
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from longarm.audit.models import AuditEvent
from longarm.evidence.models import EvidenceItem, PendingUpload
from longarm.evidence.services import evidence_sweep
from longarm.evidence.storage import evidence_root, verify
from longarm.evidence.tasks import sweep_evidence_storage
from tests.conftest import Cast
from tests.evidence import files
from tests.evidence.helpers import submit_with_files
from tests.evidence.store import local_disk_only

pytestmark = [pytest.mark.django_db, local_disk_only]
Processing = Callable[[], AbstractContextManager[None]]
DAY = 24 * 60 * 60


def blob(*, age_seconds: float, partial: bool = False) -> str:
    """A blob as a crashed upload leaves it: written (or half-written), but no row refers to it."""
    item = uuid.uuid4().hex
    name = f"{item[:2]}/{item}-original-{os.urandom(8).hex()}.enc"
    path = verify(name)
    path.parent.mkdir(exist_ok=True)
    if partial:
        path = path.with_name(path.name + ".partial")
    path.write_bytes(os.urandom(100))
    then = time.time() - age_seconds
    os.utime(path, (then, then))
    return name


def age_everything(seconds: float) -> None:
    then = time.time() - seconds
    for path in evidence_root().rglob("*"):
        if path.is_file():
            os.utime(path, (then, then))


def stored() -> set[str]:
    return {
        path.relative_to(evidence_root()).as_posix() for path in evidence_root().rglob("*") if path.is_file()
    }


def test_old_unreferenced_blobs_are_deleted_and_counted(cast: Cast, processing: Processing) -> None:
    with processing():
        submit_with_files(Client(), {"photo.jpg": files.jpeg_with_exif()})
    age_everything(2 * DAY)
    kept = stored()
    assert kept
    orphan = blob(age_seconds=2 * DAY)
    half_written = blob(age_seconds=2 * DAY, partial=True)
    recent = blob(age_seconds=60)

    swept = evidence_sweep()

    assert swept.orphans == 2
    assert stored() == kept | {recent}
    assert orphan not in stored()
    assert half_written + ".partial" not in stored()
    event = AuditEvent.objects.get(action="evidence.orphans_deleted")
    assert event.object_id == "2"
    item = EvidenceItem.objects.get()
    assert {blob.storage_name for blob in item.blobs.all()} <= stored()


def test_a_pending_questionnaire_file_is_not_an_orphan(cast: Cast) -> None:
    name = blob(age_seconds=2 * DAY)
    PendingUpload.objects.create(storage_name=name, expires_at=timezone.now() + timedelta(hours=1))
    assert evidence_sweep().orphans == 0
    assert name in stored()


def test_nothing_to_sweep_writes_no_audit_event(cast: Cast) -> None:
    blob(age_seconds=60)
    assert evidence_sweep().orphans == 0
    assert not AuditEvent.objects.filter(action__startswith="evidence.orphans").exists()


def test_the_command_and_the_task_sweep(cast: Cast) -> None:
    blob(age_seconds=3 * 60 * 60)
    out = StringIO()
    call_command("evidence", "sweep", "--grace-hours", "4", stdout=out)
    assert "0 orphaned blob(s)" in out.getvalue()
    call_command("evidence", "sweep", "--grace-hours", "2", stdout=out)
    assert "1 orphaned blob(s)" in out.getvalue()
    blob(age_seconds=2 * DAY)
    assert sweep_evidence_storage.call() == {"expired_pending": 0, "orphans": 1, "requeued": 0}
    with pytest.raises(CommandError):
        call_command("evidence", "sweep", "--grace-hours", "0")

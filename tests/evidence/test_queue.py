"""Fair share of the evidence queue: one report's many files take turns with other reports' files instead of
filling the queue ahead of them, and a lost queue or a dead worker still leaves nothing unprocessed."""

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from django.test import Client
from django.utils import timezone

from longarm.evidence import services
from longarm.evidence.models import EvidenceItem, EvidenceStatus
from longarm.evidence.services import evidence_process, evidence_requeue_unfinished
from longarm.evidence.tasks import sweep_evidence_storage
from longarm.intake.models import Report
from tests.conftest import Cast
from tests.evidence.helpers import submit_with_files

pytestmark = pytest.mark.django_db
Capture = Callable[..., AbstractContextManager[Any]]
IN_FLIGHT = ("queued", "processing")


@pytest.fixture
def queue(settings: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The task queue, in order, whichever backend is configured: the test plays the worker."""
    settings.LONGARM_EVIDENCE_QUEUED_PER_REPORT = 2
    queued: list[str] = []
    monkeypatch.setattr(services, "_enqueue", lambda ids: queued.extend(str(item_id) for item_id in ids))
    return queued


def notes(count: int) -> dict[str, bytes]:
    return {f"note-{number}.txt": b"Officer Li called again.\n" for number in range(count)}


def report_of(item_id: str) -> Report:
    return EvidenceItem.objects.get(public_id=UUID(item_id)).report


def work(queue: list[str], capture: Capture, *, check: Callable[[], None] = lambda: None) -> list[Report]:
    """Run the queue first in, first out, as one worker would; returns whose item each run was for."""
    done = []
    while queue:
        item_id = queue.pop(0)
        done.append(report_of(item_id))
        with capture(execute=True):
            evidence_process(item_id=UUID(item_id))
        check()
    return done


def in_flight(report: Report) -> int:
    return report.evidence_items.filter(status__in=IN_FLIGHT).count()


def test_one_reports_fifty_files_do_not_starve_another_reports_file(
    cast: Cast, queue: list[str], django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        submit_with_files(Client(), notes(6))
    first = Report.objects.get()
    assert len(queue) == 2
    with django_capture_on_commit_callbacks(execute=True):
        submit_with_files(Client(), notes(1))
    second = Report.objects.exclude(pk=first.pk).get()
    assert [report_of(result) for result in queue] == [first, first, second]

    def share_kept() -> None:
        assert in_flight(first) <= 2

    order = work(queue, django_capture_on_commit_callbacks, check=share_kept)
    # The second report's one file is processed third, not after all six of the first.
    assert order.index(second) == 2
    assert order.count(first) == 6
    assert set(EvidenceItem.objects.values_list("status", flat=True)) == {EvidenceStatus.READY}


def test_waiting_files_read_as_received_to_people(cast: Cast, queue: list[str]) -> None:
    submit_with_files(Client(), notes(3))
    labels = {item.get_status_display() for item in EvidenceItem.objects.all()}
    assert labels == {"Received, waiting to be processed"}


def test_a_lost_queue_is_refilled_by_requeue_without_exceeding_the_share(
    cast: Cast, queue: list[str], django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        submit_with_files(Client(), notes(5))
    queue.clear()  # Redis flushed, or the worker's database went back to a backup
    assert evidence_requeue_unfinished() == 2
    assert len(queue) == 2
    work(queue, django_capture_on_commit_callbacks)
    assert set(EvidenceItem.objects.values_list("status", flat=True)) == {EvidenceStatus.READY}


def test_a_dead_workers_item_keeps_its_place_until_the_lease_runs_out(
    cast: Cast, queue: list[str], settings: Any, django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        submit_with_files(Client(), notes(4))
    report = Report.objects.get()
    # A worker took both queued items and died.
    dead = list(report.evidence_items.filter(status="queued"))
    EvidenceItem.objects.filter(pk__in=[item.pk for item in dead]).update(
        status=EvidenceStatus.PROCESSING, processing_started_at=timezone.now(), attempts=1
    )
    queue.clear()
    assert evidence_requeue_unfinished() == 0  # leases still running: nothing is queued twice
    assert in_flight(report) == 2
    EvidenceItem.objects.filter(pk__in=[item.pk for item in dead]).update(
        processing_started_at=timezone.now() - timedelta(seconds=settings.LONGARM_EVIDENCE_LEASE_SECONDS + 1)
    )
    assert evidence_requeue_unfinished() == 2
    work(queue, django_capture_on_commit_callbacks)
    assert set(report.evidence_items.values_list("status", flat=True)) == {EvidenceStatus.READY}


def test_a_report_whose_turn_was_dropped_gets_it_back_on_requeue(
    cast: Cast, queue: list[str], django_capture_on_commit_callbacks: Capture
) -> None:
    # Files waiting with none of theirs queued: a worker died between finishing one and queueing the next.
    with django_capture_on_commit_callbacks(execute=True):
        submit_with_files(Client(), notes(3))
    EvidenceItem.objects.filter(status="queued").update(status=EvidenceStatus.READY)
    queue.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert evidence_requeue_unfinished() == 1
    assert len(queue) == 1
    work(queue, django_capture_on_commit_callbacks)
    assert set(EvidenceItem.objects.values_list("status", flat=True)) == {EvidenceStatus.READY}


def test_with_the_configured_backend_every_file_of_a_big_report_is_processed(
    cast: Cast, processing: Callable[[], AbstractContextManager[None]]
) -> None:
    with processing():
        submit_with_files(Client(), notes(5))
    assert set(EvidenceItem.objects.values_list("status", flat=True)) == {EvidenceStatus.READY}


def test_the_daily_sweep_gives_a_dead_workers_places_back_without_a_restart(
    cast: Cast, queue: list[str], settings: Any, django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        submit_with_files(Client(), notes(3))
    report = Report.objects.get()
    dead = list(report.evidence_items.filter(status="queued"))
    EvidenceItem.objects.filter(pk__in=[item.pk for item in dead]).update(
        status=EvidenceStatus.PROCESSING,
        processing_started_at=timezone.now() - timedelta(seconds=settings.LONGARM_EVIDENCE_LEASE_SECONDS + 1),
        attempts=1,
    )
    queue.clear()
    assert sweep_evidence_storage.call()["requeued"] == 2
    work(queue, django_capture_on_commit_callbacks)
    assert set(report.evidence_items.values_list("status", flat=True)) == {EvidenceStatus.READY}

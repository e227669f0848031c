"""The database queue keeps nothing of a task that ran that dates what a reporter did (core.task_rows)."""

import sys
from datetime import UTC, datetime, time
from typing import Any

import pytest
from django.core.management import call_command
from django.tasks import task
from django_tasks_db.models import DBTaskResult

from longarm.retention import tasks as retention_tasks

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("database_queue", "no_worker_threads"),
]


def broken() -> None:
    raise RuntimeError("a bug in a task")


_broken_function = broken


def test_the_row_of_a_task_that_succeeded_is_gone_once_it_has_run() -> None:
    retention_tasks.retention_apply_task.enqueue()
    assert DBTaskResult.objects.count() == 1
    call_command("worker", "--checked", "--burst")
    assert DBTaskResult.objects.count() == 0


def test_a_failed_task_stays_for_operators_dated_to_its_day_only(monkeypatch: pytest.MonkeyPatch) -> None:
    module: Any = sys.modules[__name__]
    monkeypatch.setattr(module, "broken", task(_broken_function))
    module.broken.enqueue()
    call_command("worker", "--checked", "--burst")
    row = DBTaskResult.objects.get()
    assert row.status == "FAILED"
    for moment in (row.enqueued_at, row.started_at, row.finished_at):
        assert moment is not None
        assert moment.astimezone(UTC).time() == time.min
        assert moment.astimezone(UTC).date() == datetime.now(UTC).date()

from typing import Any

import pytest
from django.tasks import Task, task

from longarm.operations.management.commands import worker
from longarm.retention import tasks as retention_tasks


@pytest.fixture
def database_queue(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The database queue, whatever LONGARM_TASKS_URL says (CI's Redis leg runs these tests too)."""
    settings.TASKS_URL = ""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    # A task takes its class from the backend configured when its module was imported: with Redis (RQ's
    # backport class) the database queue would refuse it, so the one these tests queue is made again.
    made = retention_tasks.retention_apply_task
    if not isinstance(made, Task):
        monkeypatch.setattr(retention_tasks, "retention_apply_task", task(made.func))


@pytest.fixture
def no_worker_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker command's heartbeat and redelivery threads would write to the database; tests using this
    run only its task loop."""
    for thread in (worker.HeartbeatThread, worker.RedeliveryThread):
        monkeypatch.setattr(thread, "start", lambda self: None)
        monkeypatch.setattr(thread, "stop", lambda self: None)

"""The task worker opens a connection per task whatever the web server keeps between requests
(LONGARM_DB_CONN_MAX_AGE, 600 by default): its behaviour across a database restart stays the one it was built
and measured with (benchmarks/faults.py, ``database_restart``)."""

import logging
from typing import Any

import pytest
from django.core.management import call_command
from django.db import OperationalError, connections
from redis.exceptions import ConnectionError as RedisConnectionError

from longarm.operations.management.commands import worker

# These tests run the database queue's loop (tests/operations/test_worker_on_redis.py runs RQ's).
pytestmark = pytest.mark.usefixtures("database_queue", "no_worker_threads")


def test_the_worker_runs_its_tasks_with_a_connection_each(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[object] = []

    def inner_worker(command: object, **options: Any) -> None:
        seen.append(connections["default"].settings_dict["CONN_MAX_AGE"])

    monkeypatch.setitem(connections["default"].settings_dict, "CONN_MAX_AGE", 600)
    monkeypatch.setattr(worker, "call_command", inner_worker)
    call_command("worker", "--checked", "--burst")
    assert seen == [0]


def test_the_worker_outlives_a_database_restart(monkeypatch: pytest.MonkeyPatch) -> None:
    """django-tasks-db's loop raises when the database goes away (PostgreSQL restarted): the worker waits
    and runs it again instead of exiting, so the queue does not depend on a service manager's restart."""
    runs: list[str] = []
    waits: list[float] = []

    def inner_worker(command: object, **options: Any) -> None:
        runs.append(type(command).__name__)
        if len(runs) < 3:
            raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(worker, "call_command", inner_worker)
    monkeypatch.setattr(worker.time, "sleep", waits.append)
    call_command("worker", "--checked", "--burst")
    assert runs == ["DatabaseWorker"] * 3
    assert waits == list(worker.RETRY_DELAYS[:2])


def test_the_worker_still_stops_on_a_signal(monkeypatch: pytest.MonkeyPatch) -> None:
    def inner_worker(command: object, **options: Any) -> None:
        raise SystemExit(0)  # django-tasks-db's handler of SIGTERM

    monkeypatch.setattr(worker, "call_command", inner_worker)
    with pytest.raises(SystemExit):
        call_command("worker", "--checked", "--burst")


@pytest.mark.parametrize(
    "outage",
    [
        RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused."),
        OperationalError("terminating connection due to administrator command"),
    ],
)
def test_the_redis_worker_outlives_redis_or_the_database_going_away(
    monkeypatch: pytest.MonkeyPatch, outage: Exception
) -> None:
    """RQ's loop raises when Redis goes away (the queue restarted, failing over), and so does a job's
    bookkeeping when the database does; django-rq's ``rqworker`` would turn the first into ``sys.exit(1)``.
    The worker waits and runs the loop again instead of exiting."""
    runs: list[dict[str, Any]] = []
    waits: list[float] = []

    class Worker:
        def __init__(self, queue: str, **options: Any) -> None:
            assert queue == "default"
            assert options["job_class"] == "django_tasks_rq.backend.Job"

        def work(self, **options: Any) -> None:
            runs.append(options)
            if len(runs) < 3:
                raise outage

    monkeypatch.setattr(worker.settings, "TASKS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setattr(worker, "get_worker", Worker)
    monkeypatch.setattr(worker, "reset_db_connections", lambda: None)
    monkeypatch.setattr(worker.time, "sleep", waits.append)
    call_command("worker", "--checked", "--burst")
    assert [run["burst"] for run in runs] == [True] * 3
    assert waits == list(worker.RETRY_DELAYS[:2])


@pytest.mark.django_db(transaction=True)
def test_the_worker_logs_no_task_it_runs_below_warning(caplog: pytest.LogCaptureFixture) -> None:
    """django-tasks-db's command would put its loggers at INFO and log every task with its arguments and
    the time to the millisecond (a report's arrival, a reporter's upload); settings.LOGGING keeps them at
    WARNING, and the worker leaves them there."""
    from longarm.retention import tasks as retention_tasks

    levels = {name: logging.getLogger(name).level for name in ("django.tasks", "django_tasks_db")}
    caplog.set_level(logging.DEBUG, logger="")
    try:
        retention_tasks.retention_apply_task.enqueue()
        call_command("worker", "--checked", "--burst")
        assert [(record.name, record.levelname) for record in caplog.records if "task" in record.name] == []
        assert {name: logging.getLogger(name).level for name in levels} == levels
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)

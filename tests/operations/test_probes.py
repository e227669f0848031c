"""/healthz, /readyz: open to the monitoring addresses only, and readiness that fails for the right reason."""

from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as configured
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from longarm.operations.heartbeat import HeartbeatThread, beat, live_workers
from longarm.operations.models import WorkerHeartbeat
from longarm.retention import tasks as retention_tasks

pytestmark = pytest.mark.django_db

MONITOR = {"REMOTE_ADDR": "127.0.0.1"}


def test_health_answers_the_monitor(client: Client) -> None:
    response = client.get("/healthz", **MONITOR)
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
@pytest.mark.parametrize("address", ["203.0.113.9", "10.0.0.8", "::ffff:203.0.113.9", "not-an-address"])
def test_monitoring_pages_are_not_found_for_anyone_else(client: Client, path: str, address: str) -> None:
    assert client.get(path, REMOTE_ADDR=address).status_code == 404


def test_a_configured_network_is_answered(client: Client, settings: Any) -> None:
    from ipaddress import ip_network

    settings.LONGARM_METRICS_ALLOWED = [ip_network("10.0.0.0/8")]
    assert client.get("/healthz", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/healthz", REMOTE_ADDR="127.0.0.1").status_code == 404


def test_monitoring_pages_take_no_writes(client: Client) -> None:
    assert client.post("/healthz", **MONITOR).status_code == 405


def test_ready_when_everything_works(client: Client, database_queue: None) -> None:
    beat("host:1")
    response = client.get("/readyz", **MONITOR)
    body = response.json()
    assert response.status_code == 200, body
    assert body["ready"] is True
    assert set(body["checks"]) == {"database", "migrations", "keyring", "storage", "worker", "queue"}


def test_not_ready_without_a_worker(client: Client, database_queue: None) -> None:
    response = client.get("/readyz", **MONITOR)
    assert response.status_code == 503
    assert response.json()["checks"]["worker"]["ok"] is False


def test_a_worker_that_stopped_beating_is_dead(client: Client, database_queue: None) -> None:
    beat("host:1")
    WorkerHeartbeat.objects.update(beat_at=timezone.now() - timedelta(minutes=5))
    assert live_workers() == 0
    assert client.get("/readyz", **MONITOR).status_code == 503


def test_readiness_reads_and_never_deletes_a_gone_workers_row(client: Client, database_queue: None) -> None:
    """A probe asked every few seconds must not write; `longarm housekeeping` deletes what is long gone."""
    beat("host:1")
    WorkerHeartbeat.objects.update(beat_at=timezone.now() - timedelta(hours=2))
    assert client.get("/readyz", **MONITOR).status_code == 503
    assert WorkerHeartbeat.objects.filter(worker="host:1").exists()
    out = StringIO()
    call_command("housekeeping", stdout=out)
    assert "1 gone worker(s)'s heartbeat" in out.getvalue()
    assert not WorkerHeartbeat.objects.exists()


def test_not_ready_when_the_queue_lags(client: Client, database_queue: None, settings: Any) -> None:
    beat("host:1")
    settings.LONGARM_QUEUE_LAG_LIMIT = 60
    retention_tasks.retention_apply_task.enqueue()
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(minutes=10))
    response = client.get("/readyz", **MONITOR)
    assert response.status_code == 503
    queue = response.json()["checks"]["queue"]
    assert queue["ok"] is False
    assert queue["detail"].startswith("1 waiting")


def test_a_task_scheduled_for_later_is_not_lag(client: Client, database_queue: None) -> None:
    beat("host:1")
    retention_tasks.retention_apply_task.using(run_after=timezone.now() + timedelta(hours=1)).enqueue()
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(hours=2))
    assert client.get("/readyz", **MONITOR).status_code == 200


def test_not_ready_when_storage_is_not_writable(
    client: Client, database_queue: None, settings: Any, tmp_path: Path
) -> None:
    beat("host:1")
    # Root writes anywhere: a file where the storage directory should be stops even root.
    (tmp_path / "occupied").write_bytes(b"")
    settings.STORAGE_DIR = tmp_path / "occupied"
    response = client.get("/readyz", **MONITOR)
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == {"ok": False, "detail": "not writable"}
    assert str(tmp_path) not in response.content.decode()


def test_not_ready_without_a_keyring(
    client: Client, database_queue: None, settings: Any, tmp_path: Path
) -> None:
    beat("host:1")
    settings.KEYS_DIR = tmp_path / "nowhere"
    response = client.get("/readyz", **MONITOR)
    assert response.status_code == 503
    assert response.json()["checks"]["keyring"] == {
        "ok": False,
        "detail": "missing: run `longarm init` or check LONGARM_KEYS_DIR",
    }


def test_a_loosened_keyring_directory_is_named_with_its_fix_not_with_init(
    client: Client, database_queue: None, settings: Any
) -> None:
    beat("host:1")
    keys_dir = Path(settings.KEYS_DIR)
    before = keys_dir.stat().st_mode & 0o777
    keys_dir.chmod(0o755)
    try:
        response = client.get("/readyz", **MONITOR)
    finally:
        keys_dir.chmod(before)
    assert response.status_code == 503
    detail = response.json()["checks"]["keyring"]["detail"]
    assert "chmod 700" in detail
    assert "init" not in detail
    assert str(keys_dir) not in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_thread_beats_and_clears_its_row_on_stop() -> None:
    # The thread writes through its own connection, so the test cannot hold its writes in a transaction.
    thread = HeartbeatThread("host:42")
    thread.start()
    for _ in range(50):
        if WorkerHeartbeat.objects.filter(worker="host:42").exists():
            break
        thread.stopped.wait(0.05)
    assert live_workers() == 1
    thread.stop()
    assert not WorkerHeartbeat.objects.filter(worker="host:42").exists()


@pytest.mark.skipif(
    not configured.TASKS_URL.startswith("redis://"), reason="about RQ's queue: runs in CI's Redis leg"
)
def test_not_ready_when_the_redis_queue_lags(client: Client, settings: Any) -> None:
    import django_rq

    beat("host:1")
    settings.LONGARM_QUEUE_LAG_LIMIT = 60
    queue = django_rq.get_queue("default")
    queue.empty()
    try:
        retention_tasks.retention_apply_task.enqueue()
        assert client.get("/readyz", **MONITOR).status_code == 200  # queued just now: not late
        job = queue.fetch_job(queue.get_job_ids()[0])
        assert job is not None
        job.enqueued_at = datetime.now(UTC) - timedelta(minutes=10)
        job.save()
        response = client.get("/readyz", **MONITOR)
        assert response.status_code == 503
        assert response.json()["checks"]["queue"]["detail"].startswith("1 waiting")
    finally:
        queue.empty()

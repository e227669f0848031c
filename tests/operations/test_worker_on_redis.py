"""`longarm worker` on the Redis task queue runs what was queued (benchmarks/faults.py found every job
failing: RQ's default job class cannot run a django.tasks Task). The real command in a subprocess, with the
production settings, on the test database and a Redis database of its own."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from longarm.core import outbox
from longarm.core.models import OutboxEvent
from tests.conftest import Cast
from tests.core.test_real_server import database_url
from tests.intake.helpers import report_answers, submit_answers

pytestmark = pytest.mark.django_db(transaction=True)
REDIS_URL = "redis://127.0.0.1:6379/13"


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


def _longarm(tmp_path: Path, *arguments: str) -> str:
    env = {
        **{
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("LONGARM_", "DATABASE_"))
        },
        "DJANGO_SETTINGS_MODULE": "longarm.settings",
        "DATABASE_URL": database_url(),
        "LONGARM_DATA_DIR": str(tmp_path),
        "LONGARM_KEYS_DIR": str(settings.KEYS_DIR),
        "LONGARM_SECRET_KEY": "x" * 50,
        "LONGARM_TASKS_URL": REDIS_URL,
        "LONGARM_RECEIPT_ARGON2_OPS": "1",
        "LONGARM_RECEIPT_ARGON2_MEM": "8192",
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter and command
        [sys.executable, "-m", "longarm.cli", *arguments],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout
    return result.stdout


@pytest.mark.skipif(not _redis_up(), reason="needs Redis at 127.0.0.1:6379")
def test_the_worker_on_redis_runs_the_queued_tasks(
    cast: Cast, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    with monkeypatch.context() as patched:
        patched.setattr(outbox, "_queue_delivery", lambda event_id: None)  # queued below, on Redis
        submit_answers(Client(), report_answers(), deliver=False)
    event = OutboxEvent.objects.get()
    _longarm(
        tmp_path,
        "shell",
        "-c",
        f"from longarm.core.tasks import deliver_outbox_event; deliver_outbox_event.enqueue({event.pk})",
    )
    output = _longarm(tmp_path, "worker", "--checked", "--burst")
    assert not OutboxEvent.objects.exists()
    # RQ's log names no job and no argument: with its time to the second, it would date the report.
    assert "deliver_outbox_event" not in output
    assert f"({event.pk})" not in output

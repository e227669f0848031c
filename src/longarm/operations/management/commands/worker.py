"""`longarm worker`: the background task worker (the database queue, or RQ when LONGARM_TASKS_URL is Redis),
with a heartbeat that readiness (/readyz) reads and the redelivery of what a dead worker or a queue that was
down left undone (``operations.redelivery``)."""

import logging
import time
from argparse import ArgumentParser
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import InterfaceError, OperationalError, connections
from django_rq import get_worker
from django_rq.utils import reset_db_connections
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq.logutils import setup_loghandlers

from longarm.core.database import RETRY_DELAYS
from longarm.operations.database_worker import DatabaseWorker
from longarm.operations.heartbeat import HeartbeatThread, worker_name
from longarm.operations.redelivery import RedeliveryThread
from longarm.operations.startup import refuse_to_start_unless_sound

logger = logging.getLogger(__name__)

_DATABASE_OUTAGES: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)
_REDIS_OUTAGES: tuple[type[BaseException], ...] = (RedisConnectionError, RedisTimeoutError)

# A worker loop that ran this long before the database went away starts its waits from the first again.
_RAN_WELL_SECONDS = 60.0


class Command(BaseCommand):
    help = "Run the background task worker, with a heartbeat for the readiness probe."
    requires_system_checks = ()

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--checked",
            action="store_true",
            help="The start-up checks already ran (`longarm serve` starts it so).",
        )
        parser.add_argument(
            "--burst",
            action="store_true",
            help="Run every task queued now, then exit (checks, one-off runs).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # A connection per task, as before LONGARM_DB_CONN_MAX_AGE kept the web server's between requests: a
        # task's own connection costs nothing that matters, and the worker's behaviour across a database
        # restart (benchmarks/faults.py, database_restart) stays the one it was built and measured with.
        for alias in connections:
            connections[alias].settings_dict["CONN_MAX_AGE"] = 0
        if not options["checked"]:
            refuse_to_start_unless_sound(self.stderr)
            self.check()
        heartbeat = HeartbeatThread(worker_name())
        heartbeat.start()
        redelivery = RedeliveryThread()
        redelivery.start()
        try:
            if settings.TASKS_URL.startswith("redis://"):
                _outliving_outages(
                    lambda: _rq_worker(burst=options["burst"]),
                    outages=(*_DATABASE_OUTAGES, *_REDIS_OUTAGES),
                    what="The database or Redis",
                )
            else:
                # django-tasks-db's loop raises on the first query that cannot reach the database.
                _outliving_outages(
                    lambda: call_command(DatabaseWorker(), interval=1, batch=options["burst"]),
                    outages=_DATABASE_OUTAGES,
                    what="The database",
                )
        finally:
            redelivery.stop()
            heartbeat.stop()


def _rq_worker(*, burst: bool) -> None:
    """RQ's worker loop on the default queue, as django-rq's ``rqworker`` command runs it, which would turn
    Redis going away into ``sys.exit(1)``."""
    # Verbosity 0: RQ's own log handler at WARNING, as settings.LOGGING asks. At INFO it writes every job's
    # arguments (an evidence item's id) with the time to the second, which would date a reporter's upload.
    setup_loghandlers("WARNING")
    # django-tasks-rq's own job class: RQ's default one cannot run a django.tasks Task (it calls the Task
    # object itself and fails every job).
    rq_worker = get_worker("default", job_class="django_tasks_rq.backend.Job")
    reset_db_connections()  # before the work horse forks
    rq_worker.work(burst=burst, logging_level="WARNING")


def _outliving_outages(
    run: Callable[[], object], *, outages: tuple[type[BaseException], ...], what: str
) -> None:
    """Run a worker loop, and run it again when what it needs goes away under it (the database or Redis
    restarted, failing over): the loop raises on the first command that cannot reach it, which would end the
    process and leave the queue to a service manager's restart (and to ``refuse_to_start_unless_sound``,
    which refuses while the database is down). A task cut off half-way is left as the outage left it: what
    it derives is redelivered (``operations.redelivery``), an evidence item is reclaimed when its lease
    ends. SIGTERM and SIGINT still end the loop (``SystemExit``)."""
    waits = 0
    while True:
        started = time.monotonic()
        try:
            run()
            return
        except outages:
            if time.monotonic() - started > _RAN_WELL_SECONDS:
                waits = 0
            # The waits the tasks use across an outage (``core.database``), the last one repeated.
            wait = RETRY_DELAYS[min(waits, len(RETRY_DELAYS) - 1)]
            waits += 1
            logger.warning("%s is unreachable; the task worker goes on in %.0f s", what, wait)
            for alias in connections:
                connections[alias].close_if_unusable_or_obsolete()
            time.sleep(wait)

"""`longarm worker`: the background task worker (the database queue, or RQ when LONGARM_TASKS_URL is Redis),
with a heartbeat that readiness (/readyz) reads and the redelivery of what a dead worker or a queue that was
down left undone (``operations.redelivery``)."""

import logging
import time
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import InterfaceError, OperationalError, connections

from longarm.core.database import RETRY_DELAYS
from longarm.operations.heartbeat import HeartbeatThread, worker_name
from longarm.operations.redelivery import RedeliveryThread
from longarm.operations.startup import refuse_to_start_unless_sound

logger = logging.getLogger(__name__)

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
                # django-tasks-rq's own job class: RQ's default one cannot run a django.tasks Task (it calls
                # the Task object itself and fails every job).
                # Verbosity 0: RQ's own log handler at WARNING, as settings.LOGGING asks. At INFO it writes
                # every job's arguments (an evidence item's id) with the time to the second, which would
                # date a reporter's upload.
                call_command(
                    "rqworker",
                    "default",
                    job_class="django_tasks_rq.backend.Job",
                    burst=options["burst"],
                    verbosity=0,
                )
            else:
                _database_queue_worker(burst=options["burst"])
        finally:
            redelivery.stop()
            heartbeat.stop()


def _database_queue_worker(*, burst: bool) -> None:
    """Run django-tasks-db's worker loop, and run it again when the database goes away under it (a restart,
    a fail-over): its loop raises on the first query that cannot reach the database, which would end the
    process and leave the queue to a service manager's restart (and to ``refuse_to_start_unless_sound``,
    which refuses while the database is down). A task cut off half-way is left as the outage left it: what
    it derives is redelivered (``operations.redelivery``), an evidence item is reclaimed when its lease
    ends. SIGTERM and SIGINT still end the loop (``SystemExit``)."""
    waits = 0
    while True:
        started = time.monotonic()
        try:
            call_command("db_worker", interval=1, batch=burst)
            return
        except (OperationalError, InterfaceError):
            if time.monotonic() - started > _RAN_WELL_SECONDS:
                waits = 0
            # The waits the tasks use across an outage (``core.database``), the last one repeated.
            wait = RETRY_DELAYS[min(waits, len(RETRY_DELAYS) - 1)]
            waits += 1
            logger.warning("The database is unreachable; the task worker goes on in %.0f s", wait)
            for alias in connections:
                connections[alias].close_if_unusable_or_obsolete()
            time.sleep(wait)

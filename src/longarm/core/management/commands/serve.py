"""`longarm serve`: the production WSGI server (gunicorn) and the background worker, together."""

import subprocess
import sys
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connections

from longarm.core.gunicorn_app import DEFAULT_THREADS, GunicornApplication, default_workers, gunicorn_options
from longarm.core.outbox import outbox_sweep
from longarm.evidence.services import evidence_requeue_unfinished
from longarm.operations.startup import refuse_to_start_unless_sound


def _longarm() -> Any:
    from longarm.wsgi import application

    return application


class _Gunicorn(GunicornApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        super().__init__(options, _longarm)


def worker_command() -> list[str]:
    # The database queue or RQ, whichever LONGARM_TASKS_URL chooses, with the heartbeat /readyz reads.
    # `serve` has made the start-up checks: the worker does not repeat them (nor their warnings).
    return [sys.executable, "-m", "longarm.cli", "worker", "--checked"]


class Command(BaseCommand):
    help = "Serve Longarm with gunicorn and run the background worker beside it."
    # Django's checks run after ours, which say in one line what is missing (a database, a keyring).
    requires_system_checks = ()

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--bind", default=settings.LONGARM_BIND)
        parser.add_argument("--workers", type=int, default=default_workers())
        parser.add_argument("--threads", type=int, default=DEFAULT_THREADS)
        parser.add_argument("--no-worker", action="store_true", help="Run only the web server.")

    def handle(self, *args: Any, **options: Any) -> None:
        refuse_to_start_unless_sound(self.stderr)  # before binding: no keyring, a recovery key nearby, …
        self.check()
        # A worker killed mid-task (or a crash before queueing) leaves evidence unprocessed: queue it again.
        evidence_requeue_unfinished()
        # Likewise what reports published and no worker derived (core.outbox): facts, survey answers, indexes.
        outbox_sweep()
        # gunicorn forks its workers from this process: none may inherit an open database connection (SQLite
        # keeps its locks and shared-memory state per process, and a forked copy of them is not held by the
        # child; PostgreSQL's socket would be shared by every worker).
        connections.close_all()
        worker = None if options["no_worker"] else subprocess.Popen(worker_command())  # noqa: S603
        self.stdout.write(f"Longarm at http://{options['bind']}/ (staff console at /console/)")
        try:
            _Gunicorn(
                gunicorn_options(
                    bind=options["bind"],
                    workers=options["workers"],
                    threads=options["threads"],
                    max_requests=settings.LONGARM_MAX_REQUESTS,
                    forwarded_allow_ips=settings.LONGARM_FORWARDED_ALLOW_IPS,
                )
            ).run()
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=30)

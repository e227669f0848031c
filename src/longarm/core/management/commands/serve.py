"""`longarm serve`: the production WSGI server (gunicorn) and the background worker, together."""

import os
import subprocess
import sys
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connections
from gunicorn.app.base import BaseApplication
from gunicorn.http import wsgi as gunicorn_wsgi

from longarm.core.outbox import outbox_sweep
from longarm.evidence.services import evidence_requeue_unfinished
from longarm.operations.startup import refuse_to_start_unless_sound


class _AnonymousResponse(gunicorn_wsgi.Response):  # type: ignore[misc]  # gunicorn ships no type hints
    """gunicorn's response without its ``Server: gunicorn`` line, which gunicorn offers no setting to drop:
    nothing should tell a visitor, or a scanner matching known flaws, what software answers."""

    def default_headers(self) -> list[str]:
        lines: list[str] = super().default_headers()
        return [line for line in lines if not line.lower().startswith("server:")]


class _Gunicorn(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        # Set before the workers fork; gunicorn builds every HTTP/1 response from this module attribute.
        gunicorn_wsgi.Response = _AnonymousResponse
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from longarm.wsgi import application

        return application


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
        parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1)
        parser.add_argument("--threads", type=int, default=2)
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
                {
                    "bind": options["bind"],
                    "workers": options["workers"],
                    "threads": options["threads"],
                    "worker_class": "gthread",
                    # No access log: it would hold reporters' addresses and user agents (DESIGN §6.1).
                    "accesslog": None,
                    "errorlog": "-",
                    "timeout": 120,
                    "max_requests": settings.LONGARM_MAX_REQUESTS,
                    "max_requests_jitter": settings.LONGARM_MAX_REQUESTS // 10,
                    "forwarded_allow_ips": ",".join(settings.LONGARM_FORWARDED_ALLOW_IPS),
                    # gunicorn's run-time control socket (in $HOME, shared by every instance of this user): no
                    # one operates Longarm through it.
                    "control_socket_disable": True,
                }
            ).run()
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=30)

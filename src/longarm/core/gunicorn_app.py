"""How Longarm runs gunicorn (`longarm serve`): its settings and its application class, in one place that
needs no Django set-up, so that whatever serves a WSGI application the way Longarm is served (the peer of
``benchmarks/intake.py``) uses the same."""

import os
from collections.abc import Callable, Iterable
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.http import wsgi as gunicorn_wsgi

# Threads per gthread worker, and workers: one more than the CPUs.
DEFAULT_THREADS = 2


def default_workers() -> int:
    return (os.cpu_count() or 1) + 1


def gunicorn_options(
    *,
    bind: str,
    workers: int,
    threads: int,
    max_requests: int = 0,
    forwarded_allow_ips: Iterable[str] = (),
) -> dict[str, Any]:
    return {
        "bind": bind,
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        # No access log: it would hold reporters' addresses and user agents (DESIGN §6.1).
        "accesslog": None,
        "errorlog": "-",
        "timeout": 120,
        "max_requests": max_requests,
        "max_requests_jitter": max_requests // 10,
        "forwarded_allow_ips": ",".join(forwarded_allow_ips),
        # gunicorn's run-time control socket (in $HOME, shared by every instance of this user): no one
        # operates Longarm through it.
        "control_socket_disable": True,
    }


class _AnonymousResponse(gunicorn_wsgi.Response):  # type: ignore[misc]  # gunicorn ships no type hints
    """gunicorn's response without its ``Server: gunicorn`` line, which gunicorn offers no setting to drop:
    nothing should tell a visitor, or a scanner matching known flaws, what software answers."""

    def default_headers(self) -> list[str]:
        lines: list[str] = super().default_headers()
        return [line for line in lines if not line.lower().startswith("server:")]


class GunicornApplication(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints
    """gunicorn with ``options`` (see :func:`gunicorn_options`), serving what ``load_application`` returns
    (called in each worker, after the fork)."""

    def __init__(self, options: dict[str, Any], load_application: Callable[[], Any]) -> None:
        self.options = options
        self.load_application = load_application
        # Set before the workers fork; gunicorn builds every HTTP/1 response from this module attribute.
        gunicorn_wsgi.Response = _AnonymousResponse
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self.load_application()

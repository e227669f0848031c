"""Work in threads, each with its own database connection, for tests of what concurrent transactions do to
each other on PostgreSQL; the test waits until a thread waits on a row lock instead of sleeping."""

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection

from tests.database import database_value


def waiting_on_a_lock(pid: int) -> bool:
    return bool(
        database_value("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid]) == "Lock"
    )


class InThread:
    """``work`` in a thread with its own connection; its backend's id, when it ended, and what it raised."""

    def __init__(self, work: Callable[[], object]) -> None:
        self.pid: int | None = None
        self.error: BaseException | None = None
        self.started = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(work,))
        self._thread.start()
        assert self.started.wait(10)

    def _run(self, work: Callable[[], object]) -> None:
        try:
            self.pid = int(database_value("SELECT pg_backend_pid()"))
            self.started.set()
            work()
        except BaseException as error:
            self.error = error
        finally:
            self.started.set()
            connection.close()

    @property
    def done(self) -> bool:
        return not self._thread.is_alive()

    def join(self) -> None:
        self._thread.join(30)
        assert self.done

    def blocked_or_done(self, *, timeout: float = 10.0) -> None:
        """Wait until the thread waits on a lock or has finished."""
        deadline = time.monotonic() + timeout
        while not self.done:
            if self.pid is not None and waiting_on_a_lock(self.pid):
                return
            assert time.monotonic() < deadline, "the thread neither finished nor waited on a lock"
            time.sleep(0.02)


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite runs one writer at a time: nothing waits on a row"
)

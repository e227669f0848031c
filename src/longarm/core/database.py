"""Database housekeeping shared by the services that destroy keys; tasks that outlast a database restart."""

import logging
import time
from collections.abc import Callable, Sequence

from django.db import InterfaceError, OperationalError, close_old_connections, connection

logger = logging.getLogger(__name__)


def release_freed_pages() -> None:
    """Fold SQLite's write-ahead log into the database file and truncate it.

    SQLite overwrites freed pages (``secure_delete``) but older copies of them can sit in the write-ahead log
    until a checkpoint; after deleting keys, fold and truncate it now rather than at some later moment. Does
    nothing on PostgreSQL or inside a transaction.
    """
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


# Seconds between tries when the database cannot be reached: about a minute in all, long enough for a
# restart or a fail-over.
RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)


def retrying_on_outage[T](work: Callable[[], T], *, delays: Sequence[float] = RETRY_DELAYS) -> T:
    """Run ``work`` (a task's body, idempotent), running it again after each delay while the database cannot
    be reached (``OperationalError``, ``InterfaceError``: restarted, failing over). A task that failed at
    once would leave its item marked queued with no task behind it until the next sweep.

    Raises:
        the last error, if the database is still unreachable after the last delay.
    """
    for delay in delays:
        try:
            return work()
        except (OperationalError, InterfaceError):
            logger.warning("The database is unreachable; the task runs again in %.0f s", delay)
            close_old_connections()
            connection.close()
            time.sleep(delay)
    return work()

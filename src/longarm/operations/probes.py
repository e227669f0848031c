"""Readiness: can this process serve reporters and staff right now? Each check says yes or no and a fixed
reason — never a path, a host name or an error text that could help an intruder."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from redis.exceptions import RedisError

from longarm.crypto.errors import KeyringError
from longarm.crypto.keyring import load_keyring
from longarm.evidence.storage import StorageUnavailable, in_bucket, storage_probe
from longarm.operations.heartbeat import live_workers
from longarm.operations.queue import queue_state


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


_migrations_seen_applied = False


def database_check() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return Check("database", False, "unreachable")
    return Check("database", True, "reachable")


def migrations_check() -> Check:
    # Reading the migration graph costs tens of milliseconds; once applied, a running process's migrations
    # cannot become unapplied (a new release restarts the process), so success is remembered.
    global _migrations_seen_applied  # a per-process memo of a fact that only becomes true
    if not _migrations_seen_applied:
        try:
            executor = MigrationExecutor(connection)
            pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except DatabaseError:
            return Check("migrations", False, "unknown: the database is unreachable")
        if pending:
            return Check("migrations", False, f"{len(pending)} not applied")
        _migrations_seen_applied = True
    return Check("migrations", True, "applied")


def _keyring() -> Check:
    # Read from disk, not the process's cached copy: an unmounted or loosened key volume is caught now,
    # not at the next restart.
    try:
        load_keyring(settings.KEYS_DIR)
    except KeyringError:
        return Check("keyring", False, _keyring_trouble(settings.KEYS_DIR))
    return Check("keyring", True, "loaded")


def _keyring_trouble(keys_dir: Path) -> str:
    """Why the keyring does not load, with its fix, naming no path (the monitoring answer leaves the host)."""
    try:
        mode = keys_dir.stat().st_mode
    except OSError:
        return "missing: run `longarm init` or check LONGARM_KEYS_DIR"
    if mode & 0o077:
        return "open to group or others: `chmod 700` the LONGARM_KEYS_DIR directory"
    return "cannot be loaded: `longarm doctor` says why"


def storage_check() -> Check:
    try:
        storage_probe()
    except StorageUnavailable:
        return Check("storage", False, "the bucket is unreachable or not writable")
    except OSError:
        return Check("storage", False, "not writable")
    return Check("storage", True, "bucket writable" if in_bucket() else "writable")


def _worker() -> Check:
    try:
        workers = live_workers()
    except DatabaseError:
        return Check("worker", False, "unknown: the database is unreachable")
    if workers == 0:
        return Check("worker", False, "no worker has beaten in the last minute: is `longarm worker` running?")
    return Check("worker", True, f"{workers} alive")


def _queue() -> Check:
    limit = settings.LONGARM_QUEUE_LAG_LIMIT
    try:
        state = queue_state()
    except (DatabaseError, RedisError, OSError):
        return Check("queue", False, "unknown: the queue is unreachable")
    if state.lag_seconds > limit:
        return Check("queue", False, f"{state.waiting} waiting, the oldest longer than {limit} s")
    return Check("queue", True, f"{state.waiting} waiting")


CHECKS: tuple[Callable[[], Check], ...] = (
    database_check,
    migrations_check,
    _keyring,
    storage_check,
    _worker,
    _queue,
)


def readiness() -> list[Check]:
    return [check() for check in CHECKS]

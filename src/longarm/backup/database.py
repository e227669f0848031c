"""The database part of a backup: SQLite's online backup API, or `pg_dump` in custom format; and back."""

import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from django.db import connection, connections

from longarm.backup.container import ContainerError


def vendor() -> str:
    return str(connection.vendor)


def _pg_environment() -> dict[str, str]:
    settings_dict = connection.settings_dict
    environment = {
        "PGHOST": str(settings_dict.get("HOST") or ""),
        "PGPORT": str(settings_dict.get("PORT") or ""),
        "PGUSER": str(settings_dict.get("USER") or ""),
        "PGPASSWORD": str(settings_dict.get("PASSWORD") or ""),
        "PGDATABASE": str(settings_dict["NAME"]),
    }
    return {name: value for name, value in environment.items() if value}


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise ContainerError(f"{name} is needed for a PostgreSQL database (Debian: postgresql-client)")
    return path


def sqlite_path() -> Path:
    return Path(str(connection.settings_dict["NAME"]))


def dump_database(directory: Path) -> Path:
    """Write a consistent copy of the live database into ``directory``; return its path."""
    if vendor() == "sqlite":
        target = directory / "database.sqlite3"
        source = sqlite3.connect(sqlite_path())
        copy = sqlite3.connect(target)
        try:
            # The online backup API copies a consistent snapshot while the service keeps writing.
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        return target
    if vendor() == "postgresql":
        target = directory / "database.pgdump"
        subprocess.run(  # noqa: S603 - a fixed tool and arguments, no shell
            [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(target)],
            env=_pg_environment(),
            check=True,
            capture_output=True,
        )
        return target
    raise ContainerError(f"backups of a {vendor()} database are not supported")


def _restore_sqlite(dump: Path) -> None:
    """Copy ``dump`` into the live SQLite database with SQLite's backup API, in one write transaction.

    The file is written through SQLite, not replaced: every connection open on it (a kept one of another
    thread, a running server's, the worker's) sees the restored contents at its next transaction, as after
    any commit. Replacing the file (and deleting its write-ahead log and shared memory) left such a
    connection on the old, unlinked file: it went on reading the old contents, and what it wrote was lost
    (tests/backup/test_restore_live.py). SQLite's own list of ways to corrupt a database names this one too.
    """
    with (
        closing(sqlite3.connect(f"{dump.resolve().as_uri()}?mode=rw", uri=True)) as source,
        closing(sqlite3.connect(sqlite_path(), timeout=30)) as target,
    ):
        try:
            # The backup API cannot give a database in WAL mode another page size: the copy takes the live
            # file's (the same unless the deployment that made the backup chose another).
            page_size = int(target.execute("PRAGMA page_size").fetchone()[0])
            if int(source.execute("PRAGMA page_size").fetchone()[0]) != page_size:
                source.execute(f"PRAGMA page_size={page_size}")
                source.execute("VACUUM")
            target.execute("PRAGMA secure_delete=ON")
            source.backup(target)  # every page in one step, so one transaction: all of it or nothing
        except sqlite3.Error as error:
            raise ContainerError(f"the database could not be restored, nothing changed: {error}") from error
        # Fold the log into the file now, so that none of the old pages lingers in it.
        target.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def restore_database(dump: Path) -> None:
    """Replace the live database's contents with ``dump``, all at once: a failure leaves the old contents."""
    # This thread's connections start afresh on the restored contents.
    connections.close_all()
    if dump.name == "database.sqlite3":
        if vendor() != "sqlite":
            raise ContainerError("this backup holds an SQLite database; this deployment uses PostgreSQL")
        _restore_sqlite(dump)
        return
    if vendor() != "postgresql":
        raise ContainerError("this backup holds a PostgreSQL database; this deployment uses SQLite")
    result = subprocess.run(  # noqa: S603 - a fixed tool and arguments, no shell
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            str(connection.settings_dict["NAME"]),
            str(dump),
        ],
        env=_pg_environment(),
        check=False,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise ContainerError(f"pg_restore failed, nothing was changed: {result.stderr.strip()[:500]}")

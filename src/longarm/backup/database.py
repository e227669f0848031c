"""The database part of a backup: SQLite's online backup API, or `pg_dump` in custom format; and back."""

import shutil
import sqlite3
import subprocess
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


def restore_database(dump: Path) -> None:
    """Replace the live database's contents with ``dump``, all at once: a failure leaves the old contents."""
    connections.close_all()
    if dump.name == "database.sqlite3":
        if vendor() != "sqlite":
            raise ContainerError("this backup holds an SQLite database; this deployment uses PostgreSQL")
        live = sqlite_path()
        for suffix in ("-wal", "-shm", "-journal"):
            live.with_name(live.name + suffix).unlink(missing_ok=True)
        dump.chmod(0o600)
        dump.replace(live)
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

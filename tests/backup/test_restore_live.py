"""A restore while something still holds the SQLite database open: a running server's or worker's kept
connection, another thread's. The database is written through SQLite, never replaced under them."""

import sqlite3
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from longarm.backup.database import dump_database, restore_database, sqlite_path
from longarm.gate.models import SpentToken

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's files; PostgreSQL restores in SQL"),
]


def spent(digest: str) -> None:
    SpentToken.objects.create(digest=digest, expires_at=timezone.now() + timedelta(hours=1))


def test_a_restore_under_open_connections_keeps_the_database_whole(tmp_path: Path) -> None:
    table = SpentToken._meta.db_table
    spent("in the backup")
    dump = dump_database(tmp_path)
    SpentToken.objects.all().delete()
    # A running server's kept connection, opened before the restore and used after it.
    server = sqlite3.connect(sqlite_path())
    assert server.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)  # noqa: S608 - model's table

    restore_database(dump)

    # It reads the restored database, not the file it had open before, and what it writes is kept.
    assert server.execute(f"SELECT digest FROM {table}").fetchall() == [("in the backup",)]  # noqa: S608
    with server:
        insert = f"INSERT INTO {table} (digest, expires_at) VALUES (?, ?)"  # noqa: S608 - model's table
        server.execute(insert, ("written by the server", "2030-01-01 00:00:00"))
    spent("written after the restore")  # this thread's connection, kept open
    # The server stops. Were it on a replaced file, SQLite would take it for the last connection to that
    # file and delete the write-ahead log and shared memory by name: the live database's.
    server.close()
    with closing(sqlite3.connect(sqlite_path())) as fresh:
        assert fresh.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = fresh.execute(f"SELECT digest FROM {table} ORDER BY digest").fetchall()  # noqa: S608
    assert rows == [("in the backup",), ("written after the restore",), ("written by the server",)]
    assert sorted(SpentToken.objects.values_list("digest", flat=True)) == [
        "in the backup",
        "written after the restore",
        "written by the server",
    ]

"""Database housekeeping shared by the services that destroy keys."""

from django.db import connection


def release_freed_pages() -> None:
    """Fold SQLite's write-ahead log into the database file and truncate it.

    SQLite overwrites freed pages (``secure_delete``) but older copies of them can sit in the write-ahead log
    until a checkpoint; after deleting keys, fold and truncate it now rather than at some later moment. Does
    nothing on PostgreSQL or inside a transaction.
    """
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")

"""Reading one value straight from the test database's connection."""

from typing import Any

from django.db import connection


def database_value(sql: str, params: list[Any] | None = None) -> Any:
    """The first column of the first row ``sql`` returns, or None when it returns no row."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        row = cursor.fetchone()
    return None if row is None else row[0]

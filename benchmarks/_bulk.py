"""Loading benchmark data fast: rows as tuples written straight to the database's own bulk path
(``executemany`` in one transaction per batch on SQLite, ``COPY`` on PostgreSQL), with explicit ids so
that related rows need no read-back, and values converted for the database once per value, not through
model instances. Nothing here bypasses what the queries being measured read: every column is written with
the value the model would store (its default where the generator gives none)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models, transaction

BATCH = 50_000


def _converter(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    sqlite = connection.vendor == "sqlite"
    kind = field.get_internal_type()
    if kind == "JSONField":
        return json.dumps
    if kind == "UUIDField":
        return (lambda value: value.hex) if sqlite else (lambda value: value)
    if kind == "DateField":
        return (lambda value: value.isoformat()) if sqlite else (lambda value: value)
    if kind == "DateTimeField":
        if sqlite:
            return lambda value: value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
        return lambda value: value
    if kind == "BooleanField":
        return bool
    if kind == "BinaryField":
        return bytes
    return lambda value: value


class Table:
    """The insertable columns of ``model`` and a row builder: ``row(**values)`` gives a tuple with the
    model's defaults for every column not named."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        fields = [field for field in model._meta.concrete_fields if not getattr(field, "generated", False)]
        self.columns = [field.column for field in fields]
        self.position = {field.attname: number for number, field in enumerate(fields)}
        self.position.update({field.name: number for number, field in enumerate(fields)})
        self.convert = [_converter(field) for field in fields]
        # A callable default (a random public id) would repeat in every row: the generator names those.
        template: list[Any] = []
        for field in fields:
            default = field.get_default()
            template.append(None if default is None else self.convert[len(template)](default))
        self.template = template

    def row(self, **values: Any) -> tuple[Any, ...]:
        row = list(self.template)
        for name, value in values.items():
            number = self.position[name]
            row[number] = None if value is None else self.convert[number](value)
        return tuple(row)

    def next_id(self) -> int:
        latest = self.model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
        return int(latest or 0) + 1


def _chunks(rows: Iterable[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def insert(table: Table, rows: Iterable[tuple[Any, ...]]) -> int:
    """Write ``rows`` (tuples in ``table.columns`` order) in transactions of ``BATCH`` rows; the count."""
    name = connection.ops.quote_name(table.model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(column) for column in table.columns)
    written = 0
    connection.ensure_connection()
    for chunk in _chunks(rows, BATCH):
        with transaction.atomic():
            raw = connection.connection
            assert raw is not None
            if connection.vendor == "postgresql":
                with raw.cursor() as cursor, cursor.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:
                    for row in chunk:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" for _ in table.columns)
                sql = f"INSERT INTO {name} ({columns}) VALUES ({marks})"  # noqa: S608 - model names, "?" marks
                raw.cursor().executemany(sql, chunk)
        written += len(chunk)
    return written


def reset_sequences(*tables: Table) -> None:
    """After rows with explicit ids: PostgreSQL's identity sequences continue after them (SQLite's
    AUTOINCREMENT follows the largest id by itself)."""
    statements = connection.ops.sequence_reset_sql(no_style(), [table.model for table in tables])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


@contextmanager
def loading() -> Iterator[None]:
    """A bigger page cache and no fsync per transaction on SQLite while loading: the data is thrown away
    after the run, and the pages measured afterwards read with the usual settings."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size = -1000000")
        cursor.execute("PRAGMA synchronous = OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA cache_size = -2000")

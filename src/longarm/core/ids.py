"""Primary keys that say nothing of when a row was made, for rows a reporter's act creates.

An auto-increment id is a clock: rows of one table are numbered in the order they were written, so a row a
reporter made (dated to the day, threat model §5.4) is placed between its neighbours, and a neighbour that a
staff member made is dated to the minute on its own row and to the second in the audit chain. A random id
orders nothing. Ids are drawn from ``[2**40, 2**63)``: above every id a sequence gave a row kept from before
(no collision with them), inside a signed 64-bit integer (PostgreSQL's ``bigint``, SQLite's integer key).
At ten million rows the chance that two draws ever collide is about one in 200,000; a collision is a
refused insert (a unique key), never a merged row.
"""

import secrets
from collections.abc import Sequence
from typing import Any

RANDOM_ID_FLOOR = 1 << 40
_RANDOM_ID_SPAN = (1 << 63) - RANDOM_ID_FLOOR


def random_id() -> int:
    """A random primary key in ``[2**40, 2**63)``."""
    return RANDOM_ID_FLOOR + secrets.randbelow(_RANDOM_ID_SPAN)


def renumber_at_random(
    schema_editor: Any, table: str, *, references: Sequence[tuple[str, str]] = (), batch: int = 900
) -> int:
    """Give every row of ``table`` whose id a sequence gave (below ``RANDOM_ID_FLOOR``) a random id, for a
    migration; returns how many rows. In batches, in id order, so that memory stays flat on a large table
    and a rerun renumbers only what is left; each batch's new ids are checked against the table first.

    ``references``: every (table, column) whose foreign key points at ``table``; each is rewritten with its
    rows, in the same transaction (PostgreSQL checks Django's foreign keys at commit, and SQLite's schema
    editor at its end). An id kept anywhere else (in a text column, in ciphertext) would point at nothing:
    only for tables whose ids nothing else keeps."""
    quote = schema_editor.quote_name
    name, column = quote(table), quote("id")
    done, after = 0, 0
    with schema_editor.connection.cursor() as cursor:
        while True:
            cursor.execute(
                f"SELECT {column} FROM {name} WHERE {column} > %s AND {column} < %s"  # noqa: S608 - quoted names
                f" ORDER BY {column} LIMIT %s",
                [after, RANDOM_ID_FLOOR, batch],
            )
            old = [row[0] for row in cursor.fetchall()]
            if not old:
                return done
            new = _unused_ids(cursor, name, column, len(old))
            pairs = list(zip(new, old, strict=True))
            cursor.executemany(
                f"UPDATE {name} SET {column} = %s WHERE {column} = %s",  # noqa: S608 - quoted names
                pairs,
            )
            for other, link in references:
                cursor.executemany(
                    f"UPDATE {quote(other)} SET {quote(link)} = %s WHERE {quote(link)} = %s",  # noqa: S608
                    pairs,
                )
            done, after = done + len(old), old[-1]


def _unused_ids(cursor: Any, name: str, column: str, count: int) -> list[int]:
    while True:
        drawn = {random_id() for _ in range(count)}
        if len(drawn) < count:
            continue
        marks = ", ".join(["%s"] * count)
        cursor.execute(f"SELECT {column} FROM {name} WHERE {column} IN ({marks})", list(drawn))  # noqa: S608
        if not cursor.fetchall():
            return list(drawn)

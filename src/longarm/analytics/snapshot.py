"""An in-process columnar copy of the coded facts, which the dashboard counts from.

Grouping a million facts and their codes in SQL took seconds for most combinations of filters
(``benchmarks/analytics.py``), and a monthly cube kept beside the facts served only some of them; counting
compact arrays with NumPy takes milliseconds for every combination. The copy holds what the fact store
holds, coded fields only, dictionary-encoded: one small integer per fact and single-valued dimension (its
index in that dimension's list of codes), and one bit per code of a multi-valued dimension (packed, eight
codes a byte). Facts' database keys are kept only to apply changes and to place codes.

Staleness: every write of facts logs the keys it inserted and deleted in ``models.FactVersion``, in the
write's transaction. Each count first reads the log from the line its copy reflects (one small query): no
later line, the copy serves; later lines, their deletions are removed from the copy and their inserts
fetched; a rebuild, a pruned line or one rolled back (tests), the copy is loaded again (seconds for a
million facts). Facts deleted behind the services' back (SQL, a cascade nothing synced) are not seen.
"""

import secrets
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from django.db import connection, transaction

from longarm.analytics.dimensions import MULTI_VALUED, NO, UNKNOWN, YES, period_code

# Facts and codes are fetched this many rows at a time, to bound the memory of the Python rows.
_CHUNK: Final = 100_000
# Keys per "IN (…)" when fetching the facts a change inserted.
_IN: Final = 2000
# Lines of the change log kept: a copy older than that loads every fact again.
_KEEP: Final = 1000
# Rows unpacked to one byte per code at a time when counting a multi-valued dimension.
_UNPACK: Final = 1 << 17
SINGLE: Final = (
    "community",
    "host_country",
    "host_region",
    "origin_region",
    "intake_channel",
    "relatives_targeted",
    "year",
    "month",
)
_FACT_COLUMNS: Final = (
    "id, year, month, community, host_country, host_region, origin_region, intake_channel, relatives_targeted"
)

IntArray = npt.NDArray[np.int64]
_Ints = npt.NDArray[np.signedinteger[Any]]


@dataclass(frozen=True)
class Version:
    id: int
    token: int


def version_record(
    *, inserted: Sequence[int] = (), deleted: Sequence[int] = (), reload: bool = False
) -> None:
    """Log a write of facts, in its transaction: the keys of the facts it inserted and deleted, or
    ``reload`` when it replaced more than a log line should carry (copies then load everything again)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Orders the log by commit: a copy that has read line n never misses a line below n committed
            # later. Plain reads do not wait for this lock.
            cursor.execute("LOCK TABLE analytics_factversion IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(
            "INSERT INTO analytics_factversion (token, reload, inserted, deleted) VALUES (%s, %s, %s, %s)",
            [secrets.randbits(62), reload, _keys(inserted), _keys(deleted)],
        )
        cursor.execute(
            "DELETE FROM analytics_factversion WHERE id < (SELECT MAX(id) FROM analytics_factversion) - %s",
            [_KEEP],
        )


def _keys(ids: Sequence[int]) -> str:
    return ",".join(str(int(key)) for key in ids)


def _parse(text: str) -> list[int]:
    return [int(key) for key in text.split(",")] if text else []


@dataclass(frozen=True)
class _Line:
    version: Version
    reload: bool
    inserted: str
    deleted: str


def _log_since(version: Version | None) -> list[_Line]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, token, reload, inserted, deleted FROM analytics_factversion "
            "WHERE id >= %s ORDER BY id",
            [version.id if version else 0],
        )
        return [_Line(Version(int(r[0]), int(r[1])), bool(r[2]), r[3], r[4]) for r in cursor.fetchall()]


def _latest() -> Version | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, token FROM analytics_factversion ORDER BY id DESC LIMIT 1")
        row = cursor.fetchone()
    return Version(int(row[0]), int(row[1])) if row else None


class _Codes:
    """A dimension's codes in order of first appearance; a fact keeps the index of its code."""

    def __init__(self) -> None:
        self.index: dict[object, int] = {}
        self.labels: list[str] = []

    def copy(self) -> "_Codes":
        copied = _Codes()
        copied.index, copied.labels = dict(self.index), list(self.labels)
        return copied

    def encode(self, values: Iterable[object], label: "_Label") -> IntArray:
        index = self.index
        out = []
        for value in values:
            found = index.get(value)
            if found is None:
                found = index[value] = len(self.labels)
                self.labels.append(label(value))
            out.append(found)
        return np.array(out, dtype=np.int64)


class _Label:
    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, value: object) -> str:
        if self.name == "relatives_targeted":
            return YES if value else NO
        if self.name == "year":
            return f"{int(str(value)):04d}" if value else UNKNOWN
        if self.name == "month":
            year, month = divmod(int(str(value)), 100)
            return period_code(year, month) if year and month else UNKNOWN
        return str(value) if value not in ("", None) else UNKNOWN


class Snapshot:
    """The coded facts as arrays. Immutable once built; ``appended`` makes a new one."""

    def __init__(self) -> None:
        self.version: Version | None = None
        self.ids: IntArray = np.zeros(0, dtype=np.int64)
        self.period: npt.NDArray[np.int32] = np.zeros(0, dtype=np.int32)
        self.codes: dict[str, _Codes] = {name: _Codes() for name in (*SINGLE, *MULTI_VALUED)}
        self.single: dict[str, npt.NDArray[np.integer]] = {
            name: np.zeros(0, dtype=np.uint16) for name in SINGLE
        }
        self.multi: dict[str, npt.NDArray[np.uint8]] = {
            name: np.zeros((0, 0), dtype=np.uint8) for name in MULTI_VALUED
        }

    @property
    def size(self) -> int:
        return len(self.ids)

    def nbytes(self) -> int:
        arrays: list[npt.NDArray[Any]] = [self.ids, self.period, *self.single.values(), *self.multi.values()]
        return sum(array.nbytes for array in arrays)

    # Loading ------------------------------------------------------------------------------------------------

    @classmethod
    def load(cls) -> "Snapshot":
        """Every fact (call in one transaction, for a consistent view)."""
        return cls().changed(_latest(), deleted=set(), inserted=None)

    def changed(
        self, version: Version | None, *, deleted: set[int], inserted: list[int] | None
    ) -> "Snapshot":
        """A copy without the facts keyed ``deleted`` and with those keyed ``inserted`` (every fact in the
        database for ``None``)."""
        new = Snapshot()
        new.version = version
        # Extended copies: old indices keep their meaning, and this copy's stay as they are.
        new.codes = {name: codes.copy() for name, codes in self.codes.items()}
        keep = ~np.isin(self.ids, np.array(sorted(deleted), dtype=np.int64)) if deleted else None
        kept = self if keep is None else self._rows(keep)
        wanted = None
        if inserted is not None:
            # Outside a consistent view (inside a caller's transaction) a load may already hold facts of a
            # line it had not read: never twice.
            fresh = np.array(sorted(set(inserted) - deleted), dtype=np.int64)
            wanted = [int(key) for key in fresh[~np.isin(fresh, kept.ids)]]
        ids, period, single = self._fetch_facts(new, wanted)
        new.ids = np.concatenate([kept.ids, ids])
        new.period = np.concatenate([kept.period, period])
        for name in SINGLE:
            new.single[name] = _narrow(np.concatenate([kept.single[name].astype(np.int64), single[name]]))
        bits = self._fetch_codes(new, wanted, ids)
        for name in MULTI_VALUED:
            new.multi[name] = _packed(kept.multi[name], bits[name], len(new.codes[name].labels), len(ids))
        return new

    def _rows(self, keep: npt.NDArray[np.bool_]) -> "Snapshot":
        part = Snapshot()
        part.ids, part.period = self.ids[keep], self.period[keep]
        part.single = {name: values[keep] for name, values in self.single.items()}
        part.multi = {name: values[keep] for name, values in self.multi.items()}
        return part

    @staticmethod
    def _where(column: str, wanted: list[int] | None) -> Iterable[tuple[str, list[int]]]:
        if wanted is None:
            yield "1 = 1", []
            return
        for start in range(0, len(wanted), _IN):
            chunk = wanted[start : start + _IN]
            yield f"{column} IN ({', '.join(['%s'] * len(chunk))})", chunk

    @staticmethod
    def _fetch_facts(
        new: "Snapshot", wanted: list[int] | None
    ) -> tuple[IntArray, npt.NDArray[np.int32], dict[str, IntArray]]:
        if wanted is None:
            return Snapshot._fetch_every_fact(new)
        ids: list[IntArray] = []
        periods: list[npt.NDArray[np.int32]] = []
        columns: dict[str, list[IntArray]] = {name: [] for name in SINGLE}
        labels = {name: _Label(name) for name in SINGLE}
        # A server-side cursor on PostgreSQL: its client would hold the whole result otherwise.
        with connection.chunked_cursor() as cursor:
            for where, params in Snapshot._where("id", wanted):
                cursor.execute(
                    f"SELECT {_FACT_COLUMNS} FROM analytics_factincident WHERE {where} ORDER BY id",  # noqa: S608
                    params,
                )
                # Encoded a chunk at a time: a million rows of Python objects at once would take far more
                # memory than the arrays.
                while rows := cursor.fetchmany(_CHUNK):
                    key, year, month, *coded = zip(*rows, strict=True)
                    ids.append(np.array(key, dtype=np.int64))
                    period = np.array(year, dtype=np.int32) * 100 + np.array(month, dtype=np.int32)
                    periods.append(period)
                    known = np.where((period % 100 != 0) & (period >= 100), period, 0)
                    raw: dict[str, Iterable[object]] = {
                        "year": year,
                        "month": known.tolist(),
                        "relatives_targeted": [bool(value) for value in coded[-1]],
                        **dict(zip(SINGLE[:5], coded[:5], strict=True)),
                    }
                    for name in SINGLE:
                        columns[name].append(new.codes[name].encode(raw[name], labels[name]))
        return (
            np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64),
            np.concatenate(periods) if periods else np.zeros(0, dtype=np.int32),
            {
                name: np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
                for name, parts in columns.items()
            },
        )

    @staticmethod
    def _fetch_codes(
        new: "Snapshot", wanted: list[int] | None, ids: IntArray
    ) -> dict[str, list[tuple[_Ints, _Ints]]]:
        """(row positions among ``ids``, code indices) per multi-valued dimension."""
        found: dict[str, list[tuple[_Ints, _Ints]]] = {name: [] for name in MULTI_VALUED}
        if not len(ids):
            return found
        labels = {name: _Label(name) for name in MULTI_VALUED}
        if wanted is None:
            return Snapshot._fetch_every_code(new, ids, found)
        # A server-side cursor on PostgreSQL: its client would hold the whole result otherwise.
        with connection.chunked_cursor() as cursor:
            for where, params in Snapshot._where("fact_id", wanted):
                cursor.execute(
                    f"SELECT fact_id, dimension, code FROM analytics_factcode WHERE {where}",  # noqa: S608
                    params,
                )
                while rows := cursor.fetchmany(_CHUNK):
                    by_dimension: dict[str, tuple[list[int], list[str]]] = {}
                    for fact, name, code in rows:
                        facts, codes = by_dimension.setdefault(name, ([], []))
                        facts.append(fact)
                        codes.append(code)
                    for name, (facts, codes) in by_dimension.items():
                        if name not in found:
                            continue
                        keys = np.array(facts, dtype=np.int64)
                        positions = np.minimum(np.searchsorted(ids, keys), len(ids) - 1)
                        # Codes of a fact written after the facts were read are left for the next change.
                        present = ids[positions] == keys
                        indices = new.codes[name].encode(codes, labels[name])
                        found[name].append((positions[present], indices[present]))
        return found

    @staticmethod
    def _fetch_every_fact(new: "Snapshot") -> tuple[IntArray, npt.NDArray[np.int32], dict[str, IntArray]]:
        """Every fact, a column at a time: the database groups the keys by value and sends each group as
        one string, which NumPy parses; Python never touches a row (several times faster)."""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {_keys_sql('id')} FROM analytics_factincident")  # noqa: S608
            ids = np.sort(_parse_keys(cursor.fetchone()[0]))
            period = np.zeros(len(ids), dtype=np.int32)
            single: dict[str, IntArray] = {}
            cursor.execute(
                f"SELECT year, month, {_keys_sql('id')} FROM analytics_factincident GROUP BY year, month"  # noqa: S608
            )
            for year, month, keys in cursor.fetchall():
                period[np.searchsorted(ids, _parse_keys(keys))] = int(year) * 100 + int(month)
            for name in SINGLE[:6]:
                column = np.zeros(len(ids), dtype=np.int64)
                cursor.execute(
                    f"SELECT {name}, {_keys_sql('id')} FROM analytics_factincident GROUP BY {name}"  # noqa: S608
                )
                for value, keys in cursor.fetchall():
                    code = bool(value) if name == "relatives_targeted" else value
                    column[np.searchsorted(ids, _parse_keys(keys))] = new.codes[name].encode(
                        [code], _Label(name)
                    )[0]
                single[name] = column
        known = np.where((period % 100 != 0) & (period >= 100), period, 0)
        for name, values in (("year", period // 100), ("month", known)):
            distinct, inverse = np.unique(values, return_inverse=True)
            encoded = new.codes[name].encode([int(value) for value in distinct], _Label(name))
            single[name] = encoded[inverse]
        return ids, period, single

    @staticmethod
    def _fetch_every_code(
        new: "Snapshot", ids: IntArray, found: dict[str, list[tuple[_Ints, _Ints]]]
    ) -> dict[str, list[tuple[_Ints, _Ints]]]:
        """Every code's facts, as ``_fetch_every_fact`` fetches facts."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT dimension, code, {_keys_sql('fact_id')} FROM analytics_factcode "  # noqa: S608
                "GROUP BY dimension, code ORDER BY dimension, code"
            )
            for name, code, keys in cursor.fetchall():
                if name not in found:
                    continue
                index = int(new.codes[name].encode([code], _Label(name))[0])
                parsed = _parse_keys(keys)
                positions = np.minimum(np.searchsorted(ids, parsed), len(ids) - 1)
                # Narrow while the positions of six million codes are held at once.
                present = positions[ids[positions] == parsed].astype(np.int32)
                found[name].append((present, np.full(len(present), index, dtype=np.int16)))
        return found

    # Counting -----------------------------------------------------------------------------------------------

    def select(
        self,
        *,
        start: int | None,
        end: int | None,
        equal: Sequence[tuple[str, str]],
        tactic: str,
    ) -> IntArray | None:
        """Row positions of the facts matching the filters (``None``: every fact)."""
        mask: npt.NDArray[np.bool_] | None = None

        def restrict(part: npt.NDArray[np.bool_]) -> None:
            nonlocal mask
            mask = part if mask is None else mask & part

        if start is not None or end is not None:
            # As the SQL does: the month known (the year is then too, in every fact the services store).
            restrict(self.period % 100 != 0)
            if start is not None:
                restrict(self.period >= start)
            if end is not None:
                restrict(self.period <= end)
        for name, value in equal:
            index = self.codes[name].index.get(value)
            if index is None:
                return np.zeros(0, dtype=np.int64)
            restrict(self.single[name] == index)
        if tactic:
            bit = self.codes["tactic"].index.get(tactic)
            if bit is None:
                return np.zeros(0, dtype=np.int64)
            restrict((self.multi["tactic"][:, bit // 8] & np.uint8(1 << (bit % 8))) != 0)
        return None if mask is None else np.flatnonzero(mask)

    def count(self, rows: str, columns: str | None, positions: IntArray | None) -> dict[tuple[str, str], int]:
        """Counts by (row code, column code; "total" for a one-way table), zeros left out."""
        row_labels = self.codes[rows].labels
        if columns is None:
            if rows in self.multi:
                totals = self._bit_sums(rows, positions)
            else:
                totals = np.bincount(self._take(rows, positions), minlength=len(row_labels))
            return _labelled(row_labels, ["total"], totals.reshape(-1, 1))
        column_labels = self.codes[columns].labels
        if rows in self.multi and columns in self.multi:
            grid = self._bit_products(rows, columns, positions)
        elif rows in self.multi:
            grid = self._bits_by_single(rows, columns, positions)
        elif columns in self.multi:
            grid = self._bits_by_single(columns, rows, positions).T
        else:
            width = len(column_labels)
            keys = self._take(rows, positions) * width + self._take(columns, positions)
            # Shapes named in full: with no fact yet a dimension has no label, and reshape(-1, 0) fails.
            grid = np.bincount(keys, minlength=len(row_labels) * width).reshape(len(row_labels), width)
        return _labelled(row_labels, column_labels, grid)

    def _take(self, name: str, positions: IntArray | None) -> IntArray:
        values = self.single[name]
        return (values if positions is None else values[positions]).astype(np.int64)

    def _unpacked(self, name: str, positions: IntArray | None) -> Iterable[npt.NDArray[np.uint8]]:
        packed = self.multi[name]
        width = len(self.codes[name].labels)
        total = self.size if positions is None else len(positions)
        for start in range(0, total, _UNPACK):
            part = (
                packed[start : start + _UNPACK]
                if positions is None
                else packed[positions[start : start + _UNPACK]]
            )
            yield np.unpackbits(part, axis=1, count=width, bitorder="little")

    def _bit_sums(self, name: str, positions: IntArray | None) -> IntArray:
        totals = np.zeros(len(self.codes[name].labels), dtype=np.int64)
        for bits in self._unpacked(name, positions):
            totals += bits.sum(axis=0, dtype=np.int64)
        return totals

    def _bits_by_single(self, multi: str, single: str, positions: IntArray | None) -> IntArray:
        width = len(self.codes[single].labels)
        grid = np.zeros(len(self.codes[multi].labels) * width, dtype=np.int64)
        values = self._take(single, positions)
        offset = 0
        for bits in self._unpacked(multi, positions):
            fact, code = np.nonzero(bits)
            grid += np.bincount(code * width + values[offset + fact], minlength=len(grid))
            offset += len(bits)
        return grid.reshape(len(self.codes[multi].labels), width)

    def _bit_products(self, rows: str, columns: str, positions: IntArray | None) -> IntArray:
        grid = np.zeros((len(self.codes[rows].labels), len(self.codes[columns].labels)), dtype=np.int64)
        # float32 holds every integer up to 2**24, above the rows of one chunk: the products are exact.
        for left, right in zip(
            self._unpacked(rows, positions), self._unpacked(columns, positions), strict=True
        ):
            grid += np.rint(left.T.astype(np.float32) @ right.astype(np.float32)).astype(np.int64)
        return grid


def _keys_sql(column: str) -> str:
    """SQL aggregating a group's keys into one comma-separated string."""
    if connection.vendor == "postgresql":
        return f"string_agg({column}::text, ',')"
    return f"group_concat({column}, ',')"


def _parse_keys(text: str | None) -> IntArray:
    return np.fromstring(text, dtype=np.int64, sep=",") if text else np.zeros(0, dtype=np.int64)


def _narrow(values: IntArray) -> npt.NDArray[np.integer]:
    return values.astype(np.uint16 if (values.max(initial=0) < 1 << 16) else np.int32)


def _packed(
    old: npt.NDArray[np.uint8], found: list[tuple[_Ints, _Ints]], width: int, new_rows: int
) -> npt.NDArray[np.uint8]:
    """``old`` packed bits, widened to ``width`` codes, followed by ``new_rows`` rows holding ``found``."""
    dense = np.zeros((new_rows, max(width, 1)), dtype=np.uint8)
    for positions, codes in found:
        dense[positions, codes] = 1
    fresh = np.packbits(dense, axis=1, bitorder="little")
    columns = fresh.shape[1]
    if old.shape[1] < columns:
        old = np.pad(old, ((0, 0), (0, columns - old.shape[1])))
    return np.concatenate([old, fresh])


def _labelled(
    row_labels: Sequence[str], column_labels: Sequence[str], grid: IntArray
) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    for i, j in zip(*np.nonzero(grid), strict=True):
        key = (row_labels[i], column_labels[j])
        counts[key] = counts.get(key, 0) + int(grid[i, j])
    return counts


_lock = threading.Lock()
_current: Snapshot | None = None


def current() -> Snapshot:
    """This process's copy of the facts, brought up to date first (see the module's docstring)."""
    global _current
    with _lock:
        held = _current
        if held is not None and _fresh(held, _log_since(held.version)):
            return held
        with transaction.atomic():
            if connection.vendor == "postgresql" and not _outer_atomic():
                # Log, facts and codes read in one consistent view of the database.
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            _current = _updated(held)
            return _current


def _fresh(held: Snapshot, lines: list[_Line]) -> bool:
    if held.version is None:
        return not lines
    return len(lines) == 1 and lines[0].version == held.version


def _updated(held: Snapshot | None) -> Snapshot:
    if held is None or held.version is None:
        return Snapshot.load()
    lines = _log_since(held.version)
    if not lines or lines[0].version != held.version or any(line.reload for line in lines[1:]):
        # The line this copy was made at is gone (pruned, or rolled back in a test): start again.
        return Snapshot.load()
    if len(lines) == 1:
        return held
    deleted = {key for line in lines[1:] for key in _parse(line.deleted)}
    inserted = [key for line in lines[1:] for key in _parse(line.inserted)]
    return held.changed(lines[-1].version, deleted=deleted, inserted=inserted)


def _outer_atomic() -> bool:
    # Inside an outer transaction (the tests' own) the isolation level can no longer be set.
    return len(connection.atomic_blocks) > 1


def forget() -> None:
    """Drop this process's copy (the next count loads the facts again)."""
    global _current
    with _lock:
        _current = None

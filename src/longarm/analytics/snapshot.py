"""An in-process columnar copy of the coded facts, which the dashboard counts from.

Grouping a million facts and their codes in SQL took seconds for any combination of filters the monthly
cube did not hold (``benchmarks/analytics.py``); counting compact arrays with NumPy takes milliseconds for
every combination. The copy holds what the fact store holds, coded fields only, dictionary-encoded: one
small integer per fact and single-valued dimension (its index in that dimension's list of codes), and one bit
per code of a multi-valued dimension (packed, eight codes a byte). Facts' database keys are kept only to
append new facts and to place their codes.

Staleness: ``models.FactVersion`` changes with every write of facts, in the write's transaction. Each count
first reads that row (one small query): unchanged, the copy serves; one insert since, the new facts are
appended; anything else (a deletion, several writes, a rolled-back state), the copy is loaded again.
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


@dataclass(frozen=True)
class Version:
    token: int
    parent: int
    epoch: int


def version_bump(*, deletion: bool) -> None:
    """Mark the fact store changed (call inside the writing transaction, before writing facts: the row
    lock then orders writers, so facts' keys grow in commit order). ``deletion`` for anything but an
    insert of new facts."""
    token = secrets.randbits(62)
    with connection.cursor() as cursor:
        if deletion:
            cursor.execute(
                "UPDATE analytics_factversion SET parent = token, token = %s, epoch = %s WHERE id = 1",
                [token, secrets.randbits(62)],
            )
        else:
            cursor.execute(
                "UPDATE analytics_factversion SET parent = token, token = %s WHERE id = 1", [token]
            )
        if cursor.rowcount == 0:
            cursor.execute(
                "INSERT INTO analytics_factversion (id, token, parent, epoch) VALUES (1, %s, 0, %s)",
                [token, secrets.randbits(62)],
            )


def _version() -> Version | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT token, parent, epoch FROM analytics_factversion WHERE id = 1")
        row = cursor.fetchone()
    return Version(int(row[0]), int(row[1]), int(row[2])) if row else None


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

    def appended(self, version: Version | None) -> "Snapshot":
        """A copy with the facts whose key is above this copy's largest, and their codes."""
        new = Snapshot()
        new.version = version
        # Extended copies: old indices keep their meaning, and this copy's stay as they are.
        new.codes = {name: codes.copy() for name, codes in self.codes.items()}
        after = int(self.ids[-1]) if self.size else 0
        ids, columns = self._fetch_facts(new, after)
        new.ids = np.concatenate([self.ids, ids])
        new.period = np.concatenate([self.period, columns.pop("__period")])
        for name in SINGLE:
            new.single[name] = _narrow(np.concatenate([self.single[name].astype(np.int64), columns[name]]))
        bits = self._fetch_codes(new, after, ids)
        for name in MULTI_VALUED:
            new.multi[name] = _packed(self.multi[name], bits[name], len(new.codes[name].labels), len(ids))
        return new

    @staticmethod
    def _fetch_facts(new: "Snapshot", after: int) -> tuple[IntArray, dict[str, IntArray]]:
        ids: list[int] = []
        raw: dict[str, list[object]] = {name: [] for name in SINGLE}
        periods: list[int] = []
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {_FACT_COLUMNS} FROM analytics_factincident WHERE id > %s ORDER BY id",  # noqa: S608
                [after],
            )
            while rows := cursor.fetchmany(_CHUNK):
                for row in rows:
                    ids.append(row[0])
                    raw["year"].append(row[1])
                    periods.append(row[1] * 100 + row[2])
                    raw["month"].append(row[1] * 100 + row[2] if row[1] and row[2] else 0)
                    raw["community"].append(row[3])
                    raw["host_country"].append(row[4])
                    raw["host_region"].append(row[5])
                    raw["origin_region"].append(row[6])
                    raw["intake_channel"].append(row[7])
                    raw["relatives_targeted"].append(bool(row[8]))
        columns = {name: new.codes[name].encode(raw[name], _Label(name)) for name in SINGLE}
        columns["__period"] = np.array(periods, dtype=np.int32)
        return np.array(ids, dtype=np.int64), columns

    @staticmethod
    def _fetch_codes(
        new: "Snapshot", after: int, ids: IntArray
    ) -> dict[str, list[tuple[IntArray, IntArray]]]:
        """(row positions among ``ids``, code indices) per multi-valued dimension."""
        found: dict[str, list[tuple[IntArray, IntArray]]] = {name: [] for name in MULTI_VALUED}
        if not len(ids):
            return found
        last = int(ids[-1])
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT fact_id, dimension, code FROM analytics_factcode "
                "WHERE fact_id > %s AND fact_id <= %s",
                [after, last],
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
                    positions = np.searchsorted(ids, keys)
                    positions = np.minimum(positions, len(ids) - 1)
                    present = ids[positions] == keys
                    indices = new.codes[name].encode(codes, _Label(name))
                    found[name].append((positions[present], indices[present]))
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
            grid = np.bincount(keys, minlength=len(row_labels) * width).reshape(-1, width)
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
        return grid.reshape(-1, width)

    def _bit_products(self, rows: str, columns: str, positions: IntArray | None) -> IntArray:
        grid = np.zeros((len(self.codes[rows].labels), len(self.codes[columns].labels)), dtype=np.int64)
        # float32 holds every integer up to 2**24, above the rows of one chunk: the products are exact.
        for left, right in zip(
            self._unpacked(rows, positions), self._unpacked(columns, positions), strict=True
        ):
            grid += np.rint(left.T.astype(np.float32) @ right.astype(np.float32)).astype(np.int64)
        return grid


def _narrow(values: IntArray) -> npt.NDArray[np.integer]:
    return values.astype(np.uint16 if (values.max(initial=0) < 1 << 16) else np.int32)


def _packed(
    old: npt.NDArray[np.uint8], found: list[tuple[IntArray, IntArray]], width: int, new_rows: int
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
        version = _version()
        if held is not None and version is not None and held.version == version:
            return held
        with transaction.atomic():
            if connection.vendor == "postgresql" and not _outer_atomic():
                # Version, facts and codes read in one consistent view of the database.
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            version = _version()
            if held is not None and version is not None and held.version is not None:
                if version == held.version:
                    return held
                if version.epoch == held.version.epoch and version.parent == held.version.token:
                    _current = held.appended(version)
                    return _current
            _current = Snapshot().appended(version)
            return _current


def _outer_atomic() -> bool:
    # Inside an outer transaction (the tests' own) the isolation level can no longer be set.
    return len(connection.atomic_blocks) > 1


def forget() -> None:
    """Drop this process's copy (the next count loads the facts again)."""
    global _current
    with _lock:
        _current = None

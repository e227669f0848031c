"""Each reader's full-text index over every case they hold (issue 21), readable by that reader alone.

In memory, a reader's index is an SQLite database of its own (``:memory:``): one row per decrypted text of
each case they hold, in the order ``case_texts`` yields them, and an FTS5 ``trigram`` index over the
case-folded text, which finds any substring of three characters or more in any script, spaces or none (CJK,
Uyghur Arabic script, Tibetan). Shorter words (a two-character Chinese name) are found by ``instr`` over
the same rows. Matching is therefore exact substring matching on ``str.casefold`` text: the same answer as
decrypting every case and testing ``term in text.casefold()`` (``tests/cases/test_search_index.py`` checks
it against that reference on random queries).

At rest, the index is only ever sealed to the reader's public key (``seal_data``): ``SearchSegment`` rows
(in parts padded to size buckets; inside, each case's texts encrypted again under that case's data key, so
that shredding a case shreds its entry too) and ``SearchDelta`` rows, each naming the cases whose content
changed, written by ``search_cases_changed`` in the transaction that changed them (the signal receivers in
``cases.signals``). The server's keyring opens neither. At a reader's first search in a process, the
segments are unsealed with the private key their session unlocked, the deltas applied (the named cases are
decrypted afresh), the cases they gained decrypted and those they lost dropped; the whole is then written
back as a new generation of segments (compaction) when enough changed. Every later search applies only the
deltas and key changes since, and what other processes wrote (their appended parts are read in; after
their compaction, which deleted deltas, the index is loaded again). The index is dropped at log-out, after
``LONGARM_SEARCH_INDEX_IDLE_SECONDS`` unused, or when more than ``LONGARM_SEARCH_INDEXES`` readers are held
by one process.

A reader's first index over thousands of cases is built over several requests (``build_seconds``): each
appends one part holding only the cases it read, and the last compacts the parts into one generation.
Two requests of one reader on two web workers do not overwrite each other: on PostgreSQL the second waits
for the first (an advisory lock) and goes on from what it wrote; everywhere, writing is a compare-and-set
on the stored generation and part number (``_store``).
"""

import base64
import json
import logging
import sqlite3
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest

from longarm.accounts.models import StaffUser
from longarm.cases.models import Case, CaseKey, CaseKeyKind, SearchDelta, SearchSegment
from longarm.crypto.envelopes import decrypt, encrypt, seal_data, unseal_data, unsealer
from longarm.crypto.errors import DecryptionError

logger = logging.getLogger(__name__)

# A segment's texts before padding; a reader's index is as many segments as it needs.
SEGMENT_BYTES = 4 * 1024 * 1024
# Segments are padded to a power of two from here; deltas to this one size (a few hundred case ids).
_SMALLEST_SEGMENT = 64 * 1024
_DELTA_BYTES = 4096
# Deltas applied (or cases decrypted afresh) before the index is written back as a new generation.
COMPACT_AFTER = 64
# Cases decrypted per batch of queries: bounded under SQLite's limit on query parameters.
_BATCH = 500
# Words shorter than a trigram are matched by scanning the texts in memory.
_TRIGRAM = 3
# The first key of the PostgreSQL advisory lock one reader's index builders take turns on (the second is
# the reader's id): any constant no other lock of the project uses.
_ADVISORY_CLASS = 2121
# The key of a part's list of applied delta tags, beside its case ids.
_APPLIED = "applied"

_SCHEMA = """
CREATE TABLE texts (id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL, place TEXT NOT NULL,
                    body TEXT NOT NULL, folded TEXT NOT NULL);
CREATE INDEX texts_case ON texts (case_id);
CREATE VIRTUAL TABLE grams USING fts5(folded, content='texts', content_rowid='id',
                                      tokenize='trigram case_sensitive 1');
"""
# Made once the index is first filled: filling the rows and then building the trigram index in one pass is
# several times faster than a trigger per row.
_TRIGGERS = """
INSERT INTO grams (grams) VALUES ('rebuild');
CREATE TRIGGER texts_added AFTER INSERT ON texts BEGIN
  INSERT INTO grams (rowid, folded) VALUES (new.id, new.folded);
END;
CREATE TRIGGER texts_removed AFTER DELETE ON texts BEGIN
  INSERT INTO grams (grams, rowid, folded) VALUES ('delete', old.id, old.folded);
END;
"""

Texts = list[tuple[str, str]]
# The seals a case's texts were decrypted with: its data key's and, if held, its identity key's, each as its
# row id and the first bytes of its sealed box (random: a seal made again, or a row id reused after a
# deletion, never looks the same).
KeyRows = tuple[int, ...]


def _segment_context(staff_id: int) -> bytes:
    return f"longarm search segment:{staff_id}".encode()


def _delta_context(staff_id: int) -> bytes:
    return f"longarm search delta:{staff_id}".encode()


def _pad(data: bytes, *, smallest: int) -> bytes:
    """``data`` behind its length, padded with zeros to ``smallest`` or the next power of two above it, so
    that a stored size says only which bucket the content fell in."""
    size = smallest
    while size < len(data) + 4:
        size *= 2
    return len(data).to_bytes(4, "big") + data + bytes(size - len(data) - 4)


def _unpad(padded: bytes) -> bytes:
    return padded[4 : 4 + int.from_bytes(padded[:4], "big")]


def _quoted(term: str) -> str:
    """``term`` as one FTS5 phrase: every character literal, so a query is never FTS5 syntax."""
    return '"' + term.replace('"', '""') + '"'


class SearchIndexBuilding(Exception):
    """The reader's index is not complete yet: ``done`` of the ``total`` cases they hold are in it. The
    search is asked again (the console's progress page reloads itself) and goes on from there."""

    def __init__(self, *, done: int, total: int) -> None:
        super().__init__(f"search index: {done} of {total} cases")
        self.done = done
        self.total = total


class ReaderIndex:
    """One reader's decrypted texts and their trigram index, in this process's memory only."""

    def __init__(self, staff_id: int) -> None:
        self.staff_id = staff_id
        # Searches of one reader from two threads take turns; the connection is never used unlocked.
        self.lock = threading.Lock()
        self.keys: dict[int, KeyRows] = {}
        # Each case's data key, which seals its entry in the segments (see ``_segments``).
        self.data_keys: dict[int, bytes] = {}
        # The random tags of the deltas applied, not their row ids: SQLite reuses the ids of deleted rows.
        self.applied: set[uuid.UUID] = set()
        # Something was deleted or access lost: the segments are rewritten at once, without it.
        self.purge = False
        self.fresh = 0
        self.loaded = False
        # The stored generation this index was loaded from (None: there was none) and the highest part of it
        # read or written: what the stored segments must still be for this process to write after them.
        self.generation: int | None = None
        self.last_part = 0
        # Cases read since the index was last written: what the next appended part holds.
        self.added: set[int] = set()
        # Cases a delta applied here named that were not read again yet, with the tags of those deltas:
        # another process's part must not bring back text older than them (they are deleted at this
        # process's next compaction).
        self.unread: dict[int, set[uuid.UUID]] = {}
        # For each case whose entry came from a stored part: the deltas its writer had applied, which that
        # entry already reflects (a later process does not decrypt the case again for them).
        self.reflects: dict[int, frozenset[uuid.UUID]] = {}
        self.used = time.monotonic()
        self._db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        self._db.executescript(_SCHEMA)
        self._live = False

    def wipe(self) -> None:
        """Forget everything, as a new process would hold it: loaded again from the stored segments."""
        self._db.close()
        self._db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        self._db.executescript(_SCHEMA)
        self._live = False
        self.keys.clear()
        self.data_keys.clear()
        self.applied.clear()
        self.added.clear()
        self.unread.clear()
        self.reflects.clear()
        self.purge = False
        self.fresh = 0
        self.loaded = False
        self.generation = None
        self.last_part = 0

    def go_live(self) -> None:
        """Build the trigram index over what was filled in so far, and keep it current from now on."""
        if not self._live:
            self._db.executescript(_TRIGGERS)
            self._live = True

    def put(self, cases: Iterable[tuple[int, Texts]]) -> None:
        """Replace what the index holds of each case with its texts, in their order."""
        self._db.execute("BEGIN")
        for case_id, texts in cases:
            self.unread.pop(case_id, None)
            self.reflects.pop(case_id, None)
            self._db.execute("DELETE FROM texts WHERE case_id = ?", (case_id,))
            self._db.executemany(
                "INSERT INTO texts (case_id, place, body, folded) VALUES (?, ?, ?, ?)",
                ((case_id, place, body, body.casefold()) for place, body in texts),
            )
        self._db.execute("COMMIT")

    def reset(self) -> None:
        """Forget everything, so that every held case is decrypted afresh and the segments rewritten."""
        self._db.execute("DELETE FROM texts")
        self.keys.clear()
        self.data_keys.clear()
        self.purge = True

    def drop(self, case_id: int) -> None:
        self._db.execute("DELETE FROM texts WHERE case_id = ?", (case_id,))
        self.keys.pop(case_id, None)
        self.data_keys.pop(case_id, None)
        self.reflects.pop(case_id, None)

    def texts(self) -> Iterator[tuple[int, Texts]]:
        """Every case's texts, in order, for writing segments."""
        current = -1
        texts: Texts = []
        rows = self._db.execute("SELECT case_id, place, body FROM texts ORDER BY case_id, id")
        for case_id, place, body in rows:
            if case_id != current:
                if texts:
                    yield current, texts
                current, texts = case_id, []
            texts.append((place, body))
        if texts:
            yield current, texts

    def _first_rows(self, term: str) -> dict[int, int]:
        """Each case holding ``term`` (case-folded), with its first text that does."""
        self.go_live()
        if len(term) >= _TRIGRAM:
            sql = (
                "SELECT case_id, min(id) FROM texts WHERE id IN "
                "(SELECT rowid FROM grams WHERE grams MATCH ?) GROUP BY case_id"
            )
            argument = _quoted(term)
        else:
            sql = "SELECT case_id, min(id) FROM texts WHERE instr(folded, ?) > 0 GROUP BY case_id"
            argument = term
        return dict(self._db.execute(sql, (argument,)).fetchall())

    def match(self, terms: list[str]) -> dict[int, int]:
        """The cases whose texts hold every one of ``terms`` (each in any text), each with the first text
        holding the first term."""
        found = self._first_rows(terms[0])
        for term in terms[1:]:
            if not found:
                break
            holding = self._first_rows(term)
            found = {case_id: row for case_id, row in found.items() if case_id in holding}
        return found

    def rows(self, ids: Iterable[int]) -> dict[int, tuple[str, str]]:
        wanted = list(ids)
        found: dict[int, tuple[str, str]] = {}
        for start in range(0, len(wanted), _BATCH):
            chunk = wanted[start : start + _BATCH]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT id, place, body FROM texts WHERE id IN ({marks})"  # noqa: S608 - only "?" marks
            found.update((row, (place, body)) for row, place, body in self._db.execute(sql, chunk))
        return found

    def memory_bytes(self) -> int:
        """What SQLite holds for this index (pages in use), for the benchmark."""
        pages = self._db.execute("PRAGMA page_count").fetchone()[0]
        size = self._db.execute("PRAGMA page_size").fetchone()[0]
        return int(pages) * int(size)


# ---- At rest: deltas and segments -------------------------------------------------------------------------


def search_cases_changed(*, case_ids: Iterable[int], removed: bool = False) -> None:
    """Tell every reader holding one of ``case_ids`` that its content changed: one ``SearchDelta`` sealed to
    each, naming their cases among ``case_ids``. Called in the transaction that changed the content.
    ``removed`` says content was deleted: each reader's segments are rewritten without it at their next
    search instead of at the next compaction."""
    wanted = sorted(set(case_ids))
    if not wanted:
        return
    by_staff: dict[int, tuple[bytes, list[int]]] = {}
    holders = CaseKey.objects.filter(
        case_id__in=wanted, kind=CaseKeyKind.DATA, staff__isnull=False
    ).values_list("staff_id", "staff__public_key", "case_id")
    for staff_id, public_key, case_id in holders:
        by_staff.setdefault(staff_id, (bytes(public_key), []))[1].append(case_id)
    SearchDelta.objects.bulk_create(
        SearchDelta(staff_id=staff_id, sealed=_sealed_delta(staff_id, public_key, cases, removed=removed))
        for staff_id, (public_key, cases) in by_staff.items()
        for cases in _delta_chunks(cases)
    )


def _delta_chunks(cases: list[int]) -> Iterator[list[int]]:
    # A case id is at most 20 digits and a comma: a chunk always fits one padded delta.
    step = (_DELTA_BYTES - 64) // 21
    for start in range(0, len(cases), step):
        yield cases[start : start + step]


def _sealed_delta(staff_id: int, public_key: bytes, cases: list[int], *, removed: bool) -> bytes:
    body = json.dumps({"cases": cases, "removed": removed}, separators=(",", ":")).encode()
    return seal_data(public_key, _pad(body, smallest=_DELTA_BYTES), context=_delta_context(staff_id))


def _open_delta(staff_id: int, private_key: bytes, sealed: bytes) -> tuple[list[int], bool]:
    delta = json.loads(_unpad(unseal_data(private_key, sealed, context=_delta_context(staff_id))))
    return [int(case_id) for case_id in delta["cases"]], bool(delta["removed"])


def _entry_context(staff_id: int, case_id: int) -> bytes:
    return f"longarm search entry:{staff_id}:{case_id}".encode()


def _segments(index: ReaderIndex, only: set[int] | None = None) -> Iterator[bytes]:
    """The index (or its cases in ``only``) as JSON parts of about ``SEGMENT_BYTES`` at most: each case's
    key rows and its texts, encrypted under the case's own data key. So a case crypto-shredded (every seal
    of its key destroyed) is unreadable in the segments too, even to its former reader, before any segment
    is rewritten."""
    # An appended part names the deltas its writer applied: every entry in it reflects them. (A compaction
    # deletes them.)
    applied = sorted(str(tag) for tag in index.applied) if only is not None else []
    part: dict[str, object] = {_APPLIED: applied}
    size = len(applied) * 40
    written: set[int] = set()
    texts_of = dict(index.texts())
    for case_id, keys in index.keys.items():
        data_key = index.data_keys.get(case_id)
        if data_key is None or (only is not None and case_id not in only):
            continue
        body = json.dumps(texts_of.get(case_id, []), ensure_ascii=False).encode()
        sealed = encrypt(data_key, body, context=_entry_context(index.staff_id, case_id))
        part[str(case_id)] = [list(keys), base64.b64encode(sealed).decode("ascii")]
        written.add(case_id)
        size += len(sealed) * 4 // 3 + 48
        if size >= SEGMENT_BYTES:
            yield json.dumps(part, separators=(",", ":")).encode()
            part, size = {_APPLIED: applied}, len(applied) * 40
    if len(part) > 1:
        yield json.dumps(part, separators=(",", ":")).encode()


def _sealed_parts(index: ReaderIndex, user: StaffUser, only: set[int] | None = None) -> list[bytes]:
    public_key = bytes(user.public_key)
    context = _segment_context(user.pk)
    return [
        seal_data(public_key, _pad(part, smallest=_SMALLEST_SEGMENT), context=context)
        for part in _segments(index, only)
    ]


def _store(index: ReaderIndex, user: StaffUser, private_key: bytes, *, compact: bool) -> None:
    """Write what the index read since it was last written: with ``compact``, the whole index as a new
    generation, deleting the older one and the deltas applied; otherwise (a build step) only the cases
    read since, appended to the generation as its next part.

    A compare-and-set: under the reader's row lock, the stored segments must still be what this index
    was loaded from and wrote. If another process appended parts since (two requests of one reader on two
    web workers), they are read into this index first and the cases they hold are not appended again; if
    it compacted, this index is loaded again from its generation and writes nothing (what it read is read
    again later). The unique part number makes the loser of a race fail rather than write alongside."""
    try:
        with transaction.atomic():
            StaffUser.objects.select_for_update(no_key=True).filter(pk=user.pk).exists()
            if _catch_up(index, user, private_key) is None:
                return
            if compact:
                _compact(index, user)
            else:
                _append(index, user, index.added)
    except IntegrityError:
        # Another process appended the same part number between the check and the write (possible only
        # without the row lock): its part is read at the next search, and nothing of this one is lost but
        # the time spent reading it.
        logger.info("search: staff %s's index was appended to by another process first", user.pk)
        return
    index.added.clear()
    index.fresh = 0


def _compact(index: ReaderIndex, user: StaffUser) -> None:
    generation = (index.generation or 0) + 1
    SearchSegment.objects.bulk_create(
        SearchSegment(staff=user, generation=generation, part=0, sealed=sealed)
        for sealed in _sealed_parts(index, user)
    )
    SearchSegment.objects.filter(staff=user, generation__lt=generation).delete()
    SearchDelta.objects.filter(staff=user, tag__in=list(index.applied)).delete()
    index.generation = generation
    index.last_part = 0
    index.applied.clear()
    index.purge = False


def _append(index: ReaderIndex, user: StaffUser, cases: set[int]) -> None:
    generation = index.generation or 1
    parts = _sealed_parts(index, user, cases) if cases else []
    SearchSegment.objects.bulk_create(
        SearchSegment(staff=user, generation=generation, part=index.last_part + number, sealed=sealed)
        for number, sealed in enumerate(parts, start=1)
    )
    if parts:
        index.generation = generation
        index.last_part += len(parts)


def _stored_state(user: StaffUser) -> tuple[int | None, int]:
    """The reader's latest stored generation and the highest part number in it."""
    latest = (
        SearchSegment.objects.filter(staff=user)
        .order_by("-generation", "-part")
        .values_list("generation", "part")
        .first()
    )
    return (None, 0) if latest is None else latest


def _catch_up(index: ReaderIndex, user: StaffUser, private_key: bytes) -> set[int] | None:
    """Bring the index up to what is stored: loaded whole if it never was or another process compacted
    (then None), else the parts other processes appended since read into it (the cases they hold, which
    this index then does not append again)."""
    generation, last_part = _stored_state(user)
    if not index.loaded or generation != index.generation:
        had = index.loaded
        index.wipe()
        _load(index, user, private_key)
        return None if had else set()
    if generation is None or last_part <= index.last_part:
        return set()
    try:
        theirs = _load_segments(index, user, private_key, generation=generation, after=index.last_part)
    except DecryptionError:
        _unreadable(index, user)
        index.last_part = last_part
        return set()
    index.added -= theirs
    return theirs


def _data_keys(user: StaffUser, private_key: bytes, case_ids: list[int] | None = None) -> dict[int, bytes]:
    """The data keys of the reader's cases (``case_ids``, or all), unsealed."""
    rows = CaseKey.objects.filter(staff=user, kind=CaseKeyKind.DATA)
    if case_ids is None:
        selections = [rows]
    else:
        selections = [
            rows.filter(case_id__in=case_ids[n : n + _BATCH]) for n in range(0, len(case_ids), _BATCH)
        ]
    open_one = unsealer(private_key)
    return {
        case_id: open_one(bytes(sealed))
        for selected in selections
        for case_id, sealed in selected.values_list("case_id", "sealed").iterator(chunk_size=2000)
    }


def _load(index: ReaderIndex, user: StaffUser, private_key: bytes) -> None:
    generation, last_part = _stored_state(user)
    if generation is not None:
        try:
            _load_segments(index, user, private_key, generation=generation, after=None)
        except DecryptionError:
            _unreadable(index, user)
        index.generation = generation
        index.last_part = max(index.last_part, last_part)
    index.loaded = True


def _unreadable(index: ReaderIndex, user: StaffUser) -> None:
    # Sealed to another key (the reader's key pair was replaced) or altered: what it held is decrypted again
    # from the cases themselves, and the segments are replaced by a compaction at once.
    logger.warning("search: the index segments of staff %s could not be opened; rebuilding", user.pk)
    index.reset()


def _load_segments(
    index: ReaderIndex, user: StaffUser, private_key: bytes, *, generation: int, after: int | None
) -> set[int]:
    """Read the parts of ``generation`` into the index, in the order they were written (a later part's
    entry for a case replaces an earlier one): all of them, or (``after``) those numbered above it that
    another process appended, merged: a case this index already holds, or must read again, keeps what
    this index has. Returns the cases the parts hold."""
    context = _segment_context(user.pk)
    parts = SearchSegment.objects.filter(staff=user, generation=generation)
    if after is not None:
        parts = parts.filter(part__gt=after)
    mine = set(index.keys) if after is not None else set()
    data_keys = _data_keys(user, private_key) if after is None else {}
    held: set[int] = set()
    rows = parts.order_by("part", "pk").values_list("part", "sealed")
    for part_number, sealed in rows.iterator(chunk_size=4):
        part = json.loads(_unpad(unseal_data(private_key, bytes(sealed), context=context)))
        reflects = frozenset(uuid.UUID(tag) for tag in part.pop(_APPLIED, []))
        wanted = [
            int(case_id)
            for case_id in part
            if int(case_id) not in mine and index.unread.get(int(case_id), set()) <= reflects
        ]
        if after is not None:
            data_keys.update(_data_keys(user, private_key, wanted))
        held.update(int(case_id) for case_id in part)
        opened: list[tuple[int, Texts]] = []
        for case_id in wanted:
            keys, entry = part[str(case_id)]
            data_key = data_keys.get(case_id)
            if data_key is None:
                # No longer held, or shredded: its entry cannot be opened and is left out.
                index.purge = True
                continue
            body = decrypt(data_key, base64.b64decode(entry), context=_entry_context(user.pk, case_id))
            opened.append((case_id, [(place, text) for place, text in json.loads(body)]))
            index.keys[case_id] = tuple(int(number) for number in keys)
            index.data_keys[case_id] = data_key
        index.put(opened)
        for case_id, _texts in opened:
            index.reflects[case_id] = reflects
        index.last_part = max(index.last_part, part_number)
    return held


# ---- Keeping the index current ----------------------------------------------------------------------------


def _seal_tag(sealed: bytes) -> int:
    return int.from_bytes(sealed[:6], "big")


def _held(user: StaffUser) -> dict[int, KeyRows]:
    data: dict[int, tuple[int, int]] = {}
    identity: dict[int, tuple[int, int]] = {}
    rows = CaseKey.objects.filter(staff=user, kind__in=[CaseKeyKind.DATA, CaseKeyKind.IDENTITY])
    for case_id, kind, pk, sealed in rows.values_list("case_id", "kind", "pk", "sealed").iterator(2000):
        (data if kind == CaseKeyKind.DATA else identity)[case_id] = (pk, _seal_tag(bytes(sealed)))
    return {case_id: (*seal, *identity.get(case_id, (0, 0))) for case_id, seal in data.items()}


def _refresh(
    index: ReaderIndex, user: StaffUser, private_key: bytes, *, build_seconds: float | None = None
) -> tuple[int, int] | None:
    """Apply the deltas and key changes since the index was last brought up to date, decrypting the cases
    they name. With ``build_seconds``, stop decrypting once that long has passed (a reader's first index
    over thousands of cases): what was read so far is appended to the stored segments as one part, so that
    the next request, in this process or another, goes on from there; returns how far it got (cases in the
    index, cases held), or None once complete."""
    from longarm.cases.search import case_texts

    deadline = None if build_seconds is None else time.monotonic() + build_seconds
    # What other processes wrote since (parts appended, a compaction) first: not decrypted again here.
    if _catch_up(index, user, private_key) is None:
        logger.info("search: staff %s's index was compacted by another process; loaded again", user.pk)

    # Deltas first, content after: whatever a delta names is decrypted as it is now, at least as new as it.
    waiting = SearchDelta.objects.filter(staff=user).values_list("pk", "tag")
    new = {pk: tag for pk, tag in waiting if tag not in index.applied}
    changed: dict[int, set[uuid.UUID]] = {}
    for pk, sealed in SearchDelta.objects.filter(pk__in=sorted(new)).values_list("pk", "sealed"):
        tag = new[pk]
        index.applied.add(tag)
        try:
            named, removed = _open_delta(user.pk, private_key, bytes(sealed))
        except DecryptionError:
            logger.warning("search: a delta of staff %s could not be opened; rebuilding", user.pk)
            index.reset()
            continue
        for case_id in named:
            # An entry another process wrote after applying this delta is already as new as it.
            if tag not in index.reflects.get(case_id, ()):
                changed.setdefault(case_id, set()).add(tag)
        index.purge = index.purge or removed
    held = _held(user)
    for case_id in [case_id for case_id in index.keys if case_id not in held]:
        index.drop(case_id)
        index.purge = True
    stale = sorted(
        case_id for case_id, keys in held.items() if index.keys.get(case_id) != keys or case_id in changed
    )
    read = 0
    for start in range(0, len(stale), _BATCH):
        if deadline is not None and read and time.monotonic() >= deadline:
            break
        chunk = stale[start : start + _BATCH]
        cases = list(Case.objects.filter(pk__in=chunk).only("pk", "public_id", "summary_ciphertext"))
        texts = case_texts(cases, user, private_key)
        index.data_keys.update(_data_keys(user, private_key, [case.pk for case in cases]))
        index.put((case.pk, texts.get(case.pk, [])) for case in cases)
        index.keys.update((case.pk, held[case.pk]) for case in cases)
        index.added.update(case.pk for case in cases)
        read += len(chunk)
    index.fresh += read
    unfinished = read < len(stale)
    # The deltas applied above are deleted at the next compaction: a case they named that was not read yet
    # must stay stale by its keys (and not come back from another process's part), or its old text (removed
    # content included) would stay in the index for good.
    for case_id in stale[read:]:
        if case_id in changed:
            index.drop(case_id)
            index.unread.setdefault(case_id, set()).update(changed[case_id])
    if index.purge or (
        not unfinished
        and (index.last_part > 0 or len(index.applied) >= COMPACT_AFTER or index.fresh >= COMPACT_AFTER)
    ):
        # Content removed (written without it at once), or a complete index whose build steps are merged
        # or with enough changed since it was written.
        _store(index, user, private_key, compact=True)
    elif unfinished and index.added:
        _store(index, user, private_key, compact=False)
    if not unfinished:
        return None
    return sum(1 for case_id, keys in held.items() if index.keys.get(case_id) == keys), len(held)


@contextmanager
def _one_builder(user: StaffUser) -> Iterator[None]:
    """On PostgreSQL, one process at a time brings a reader's index up to date, and a second request of the
    same reader (on another web worker) waits for the first to end, then reads what it wrote rather than
    decrypting the same cases again: a transaction-scoped advisory lock, held for at most a build step.
    SQLite has no such lock short of its write lock, which would stop every writer for as long: there, two
    builders may decrypt the same cases, and ``_store``'s compare-and-set keeps their parts apart."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_ADVISORY_CLASS, user.pk % 2**31])
        yield


# ---- The indexes this process holds ----------------------------------------------------------------------

_registry_lock = threading.Lock()
_indexes: OrderedDict[str, ReaderIndex] = OrderedDict()


def _index_for(holder: str, staff_id: int) -> ReaderIndex:
    """``holder``'s index, made empty if new. An index dropped here (idle, least recently used, another
    reader's under the same holder) is only forgotten: a search still using it finishes, and the last
    reference gone, CPython frees it and SQLite closes its database at once."""
    now = time.monotonic()
    idle = settings.LONGARM_SEARCH_INDEX_IDLE_SECONDS
    with _registry_lock:
        for key in [key for key, index in _indexes.items() if now - index.used > idle]:
            del _indexes[key]
        index = _indexes.get(holder)
        if index is None or index.staff_id != staff_id:
            index = ReaderIndex(staff_id)
            _indexes[holder] = index
        _indexes.move_to_end(holder)
        index.used = now
        while len(_indexes) > settings.LONGARM_SEARCH_INDEXES:
            _indexes.popitem(last=False)
        return index


def session_search_holder(request: HttpRequest) -> str:
    """Whose index a console request searches: its session's, dropped at log-out."""
    return f"session:{request.session.session_key}"


def api_search_holder(token_id: int) -> str:
    return f"api-token:{token_id}"


def search_index_drop(*, holder: str) -> None:
    """Forget ``holder``'s index in this process (log-out)."""
    with _registry_lock:
        _indexes.pop(holder, None)


def search_indexes_held() -> int:
    with _registry_lock:
        return len(_indexes)


@dataclass(frozen=True)
class IndexMatches:
    """Which of the reader's cases match, and for those picked to be shown, the first text holding the
    first word: (where, text)."""

    matched: frozenset[int]
    shown: dict[int, tuple[str, str]]


def index_match(
    *,
    user: StaffUser,
    private_key: bytes,
    holder: str,
    terms: list[str],
    pick: Callable[[frozenset[int]], list[int]],
    build_seconds: float | None = None,
) -> IndexMatches:
    """The cases ``user`` holds whose decrypted content holds every one of ``terms`` (already case-folded),
    with the texts of those ``pick`` chooses among them (a page), read in the same hold of the index.

    The index is loaded at the first search of ``holder`` (a session) in this process and brought up to
    date with every content and key change since. With ``build_seconds``, a search that would decrypt
    cases for longer raises ``SearchIndexBuilding`` after that long instead (see ``_refresh``)."""
    index = _index_for(holder, user.pk)
    with index.lock:
        with _one_builder(user):
            progress = _refresh(index, user, private_key, build_seconds=build_seconds)
        if progress is not None:
            raise SearchIndexBuilding(done=progress[0], total=progress[1])
        first_rows = index.match(terms)
        matched = frozenset(first_rows)
        picked = {case_id: first_rows[case_id] for case_id in pick(matched)}
        texts = index.rows(picked.values())
    return IndexMatches(matched=matched, shown={case_id: texts[row] for case_id, row in picked.items()})

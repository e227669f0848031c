"""Search over every case a reader holds through their sealed index (issue 21): the same answers as decrypting
every case, in every script; kept current by sealed deltas; nothing readable at rest but by the reader."""

import json
import random
import threading
from collections.abc import Callable, Iterator
from unittest.mock import patch

import pytest
from django.db import connection
from django.urls import reverse

from longarm.accounts.models import StaffUser
from longarm.cases.coding.services import PersonInput, person_create
from longarm.cases.models import Case, CaseKeyKind, PersonRole, SearchDelta, SearchSegment
from longarm.cases.search import _snippet, case_search, case_texts, search_terms
from longarm.cases.search_index import (
    _DELTA_BYTES,
    _SMALLEST_SEGMENT,
    SearchIndexBuilding,
    _indexes,
    _unpad,
    search_index_drop,
    search_indexes_held,
)
from longarm.cases.selectors import CaseFilters, case_list
from longarm.cases.services import case_edit_summary, case_grant, case_revoke, note_add
from longarm.crypto.envelopes import unseal_data
from longarm.crypto.errors import DecryptionError
from longarm.retention.services import case_shred
from tests.cases.helpers import approve_identity, console, opened_case, private_key
from tests.conftest import Cast

pytestmark = pytest.mark.django_db

HOLDER = "session:test"

TEXTS = [
    "Police from Kashgar called my mother and told me to stop the reading club.",
    "警察给我在乌鲁木齐的父母打电话，要求我回国。王伟也被带走了。",
    "領事館の職員が大阪の集会に来て、写真を撮りました。李さん",
    "ئۈرۈمچىدىكى ساقچىلار ئاتا-ئانامغا تېلېفون قىلىپ مېنى قايتىپ كېلىشكە بۇيرۇدى",
    "བོད་ཀྱི་སྐད་ཡིག་སློབ་གྲྭ་ལ་ཉེན་བརྡ་བཏང་བྱུང་། ལྷ་ས་",
    "STRASSE in Straße: the officer wrote ΣΊΣΥΦΟΣ on the form",
]


@pytest.fixture(autouse=True)
def _fresh_process() -> Iterator[None]:
    """Each test starts as a process that holds no index, and leaves none behind."""
    for holder in list(_indexes):
        search_index_drop(holder=holder)
    yield
    for holder in list(_indexes):
        search_index_drop(holder=holder)


def _reference(user: StaffUser, key: bytes, text: str) -> list[tuple[int, str, str]]:
    """The search before issue 21, without its limit: decrypt every case the reader holds and test it."""
    cases = list(case_list(user=user, filters=CaseFilters()))
    terms = search_terms(text)
    texts = case_texts(cases, user, key)
    hits = []
    for case in cases:
        found = texts.get(case.pk, [])
        if not terms or not all(any(term in value.casefold() for _, value in found) for term in terms):
            continue
        where, value = next((w, v) for w, v in found if terms[0] in v.casefold())
        hits.append((case.pk, where, _snippet(value, terms[0])))
    return hits


def _indexed(user: StaffUser, key: bytes, text: str, *, holder: str = HOLDER) -> list[tuple[int, str, str]]:
    cases = case_list(user=user, filters=CaseFilters())
    hits: list[tuple[int, str, str]] = []
    page = 1
    while True:
        result = case_search(user=user, private_key=key, holder=holder, cases=cases, text=text, page=page)
        hits += [(hit.case.pk, hit.where, hit.snippet) for hit in result.hits]
        if not result.page.has_next():
            return hits
        page += 1


def _cases(cast: Cast) -> list[Case]:
    key = private_key(cast.caseworker)
    cases = []
    for number, text in enumerate(TEXTS):
        case = opened_case(cast, summary=TEXTS[(number + 1) % len(TEXTS)][:30], what_happened=text)
        note_add(
            actor=cast.caseworker, private_key=key, case=case, text=TEXTS[(number + 2) % len(TEXTS)][-25:]
        )
        cases.append(case)
    person_create(
        actor=cast.caseworker,
        private_key=key,
        case=cases[0],
        data=PersonInput(role=PersonRole.PERPETRATOR, label="Officer A", details={"rank": "Captain Ma"}),
    )
    return cases


def _queries(seed: int) -> list[str]:
    """Random stretches of every text, one to eight characters long, in random case, alone or in pairs."""
    rng = random.Random(seed)
    queries = []
    for _ in range(60):
        text = rng.choice(TEXTS)
        start = rng.randrange(len(text))
        piece = text[start : start + rng.randint(1, 8)].strip()
        if not piece:
            continue
        piece = piece.upper() if rng.random() < 0.3 else piece
        if rng.random() < 0.3:
            other = rng.choice(TEXTS)
            at = rng.randrange(len(other))
            piece = f"{piece} {other[at : at + rng.randint(1, 4)]}"
        queries.append(piece)
    return [*queries, "王伟", "李", "ساقچى", "ལྷ་ས", "strasse", "σίσυφος", "kashgar club", "nothing-like-this"]


def test_the_index_finds_what_decrypting_every_case_finds_in_every_script(cast: Cast) -> None:
    _cases(cast)
    user, key = cast.caseworker, private_key(cast.caseworker)
    for query in _queries(seed=21):
        assert _indexed(user, key, query) == _reference(user, key, query), query


def test_a_two_character_chinese_name_is_found_inside_unspaced_text(cast: Cast) -> None:
    cases = _cases(cast)
    user, key = cast.caseworker, private_key(cast.caseworker)
    for name, case in (("王伟", cases[1]), ("李", cases[2])):
        found = _indexed(user, key, name)
        assert case.pk in [hit[0] for hit in found]
        assert found == _reference(user, key, name)
    assert _indexed(user, key, "王李") == []


def test_changes_after_the_first_search_are_found_through_sealed_deltas(cast: Cast) -> None:
    cases = _cases(cast)
    user, key = cast.caseworker, private_key(cast.caseworker)
    assert _indexed(user, key, "zither") == []
    note_add(actor=user, private_key=key, case=cases[3], text="A zither teacher was questioned.")
    case_edit_summary(actor=user, private_key=key, case=cases[4], summary="Zither lessons stopped")
    assert {hit[0] for hit in _indexed(user, key, "zither")} == {cases[3].pk, cases[4].pk}
    # Another process, or the next log-in: the segments written so far and the deltas since give the same.
    search_index_drop(holder=HOLDER)
    assert _indexed(user, key, "zither", holder="session:other") == _reference(user, key, "zither")


def test_cases_gained_and_lost_and_an_identity_disclosed_change_what_is_found(cast: Cast) -> None:
    cases = _cases(cast)
    user, key = cast.investigator, private_key(cast.investigator)
    assert _indexed(user, key, "kashgar") == []
    case_grant(actor=cast.caseworker, private_key=private_key(cast.caseworker), case=cases[0], grantee=user)
    assert [hit[0] for hit in _indexed(user, key, "kashgar")] == [cases[0].pk]
    case_revoke(actor=cast.caseworker, case=cases[0], staff=user)
    assert _indexed(user, key, "kashgar") == []

    caseworker, own_key = cast.caseworker, private_key(cast.caseworker)
    approve_identity(cases[5], cast)
    person_create(
        actor=caseworker,
        private_key=own_key,
        case=cases[5],
        data=PersonInput(role=PersonRole.RELATIVE, label="Relative B", identity={"name": "Gulnar Tursun"}),
    )
    assert [hit[0] for hit in _indexed(caseworker, own_key, "gulnar")] == [cases[5].pk]
    # The identity key withdrawn: the name is no longer readable, so no longer found.
    cases[5].keys.filter(staff=caseworker, kind=CaseKeyKind.IDENTITY).delete()
    assert _indexed(caseworker, own_key, "gulnar") == _reference(caseworker, own_key, "gulnar") == []


def test_nothing_at_rest_is_readable_without_the_readers_private_key(cast: Cast) -> None:
    _cases(cast)
    user, key = cast.caseworker, private_key(cast.caseworker)
    with patch("longarm.cases.search_index.COMPACT_AFTER", 1):
        _indexed(user, key, "kashgar")
    segments = list(SearchSegment.objects.filter(staff=user))
    assert segments
    note_add(actor=user, private_key=key, case=Case.objects.earliest("pk"), text="Kashgar again")
    deltas = list(SearchDelta.objects.filter(staff=user))
    assert deltas
    for row in [*segments, *deltas]:
        sealed = bytes(row.sealed)
        for text in TEXTS:
            # Words long enough that random bytes do not hold them by chance.
            for word in (word.encode() for word in text.split()):
                assert len(word) < 6 or word not in sealed
        # Sizes say only a bucket: a power of two from the smallest segment, or the one delta size.
        body = len(sealed) - 80 - 41
        assert body == _DELTA_BYTES or (body >= _SMALLEST_SEGMENT and body & (body - 1) == 0)
        with pytest.raises(DecryptionError):
            unseal_data(private_key(cast.investigator), sealed, context=b"longarm search segment:0")


def test_compaction_folds_the_deltas_into_a_new_generation(cast: Cast) -> None:
    cases = _cases(cast)
    user, key = cast.caseworker, private_key(cast.caseworker)
    with patch("longarm.cases.search_index.COMPACT_AFTER", 3):
        _indexed(user, key, "club")
        first = set(SearchSegment.objects.filter(staff=user).values_list("generation", flat=True))
        for number in range(3):
            note_add(actor=user, private_key=key, case=cases[number], text=f"harp circle {number}")
        assert SearchDelta.objects.filter(staff=user).count() == 3
        _indexed(user, key, "harp")
    assert SearchDelta.objects.filter(staff=user).count() == 0
    assert set(SearchSegment.objects.filter(staff=user).values_list("generation", flat=True)) == {
        max(first) + 1
    }
    search_index_drop(holder=HOLDER)
    assert _indexed(user, key, "harp circle", holder="session:again") == _reference(user, key, "harp circle")


def test_indexes_are_bounded_per_process_and_dropped_at_log_out(cast: Cast, settings: object) -> None:
    _cases(cast)
    user, key = cast.caseworker, private_key(cast.caseworker)
    with patch("django.conf.settings.LONGARM_SEARCH_INDEXES", 2):
        for holder in ("session:a", "session:b", "session:c"):
            _indexed(user, key, "club", holder=holder)
        assert search_indexes_held() == 2
        assert "session:a" not in _indexes
    search_index_drop(holder="session:b")
    search_index_drop(holder="session:c")
    staff = console(user)
    assert staff.get(reverse("cases:case_list"), {"q": "club"}).status_code == 200
    assert search_indexes_held() == 1
    staff.post(reverse("accounts:logout"))
    assert search_indexes_held() == 0


def test_every_match_is_listed_page_by_page_without_a_cap(cast: Cast) -> None:
    _cases(cast)
    user, key = cast.caseworker, private_key(cast.caseworker)
    cases = case_list(user=user, filters=CaseFilters())
    result = case_search(user=user, private_key=key, holder=HOLDER, cases=cases, text="a", per_page=2)
    assert result.matched == len(_reference(user, key, "a")) > 2
    assert len(result.hits) == 2
    html = console(user).get(reverse("cases:case_list"), {"q": "the"}).content.decode()
    assert "were searched" not in html


def _segment_cases(user: StaffUser, key: bytes) -> set[int]:
    """The cases the reader's stored segments hold an entry for."""
    found: set[int] = set()
    for sealed in SearchSegment.objects.filter(staff=user).values_list("sealed", flat=True):
        padded = unseal_data(key, bytes(sealed), context=f"longarm search segment:{user.pk}".encode())
        found.update(int(case_id) for case_id in json.loads(_unpad(padded)) if case_id != "applied")
    return found


def test_a_shredded_case_leaves_the_index_and_its_segments_at_the_next_search(cast: Cast) -> None:
    cases = _cases(cast)
    user, key = cast.caseworker, private_key(cast.caseworker)
    with patch("longarm.cases.search_index.COMPACT_AFTER", 1):
        assert cases[0].pk in {hit[0] for hit in _indexed(user, key, "kashgar")}
    assert cases[0].pk in _segment_cases(user, key)
    case_shred(case=cases[0])
    # Another process, loading the segments written before the shred: the entry cannot be opened any more.
    search_index_drop(holder=HOLDER)
    assert cases[0].pk not in {hit[0] for hit in _indexed(user, key, "kashgar", holder="session:later")}
    assert cases[0].pk not in _segment_cases(user, key)
    assert _indexed(user, key, "kashgar", holder="session:later") == _reference(user, key, "kashgar")


def test_segments_that_cannot_be_opened_are_rebuilt_from_the_cases(cast: Cast) -> None:
    _cases(cast)
    user, key = cast.caseworker, private_key(cast.caseworker)
    with patch("longarm.cases.search_index.COMPACT_AFTER", 1):
        _indexed(user, key, "club")
    segment = SearchSegment.objects.filter(staff=user).first()
    assert segment is not None
    altered = bytearray(bytes(segment.sealed))
    altered[-1] ^= 1
    SearchSegment.objects.filter(pk=segment.pk).update(sealed=bytes(altered))
    search_index_drop(holder=HOLDER)
    assert _indexed(user, key, "club", holder="session:later") == _reference(user, key, "club") != []
    assert not SearchSegment.objects.filter(pk=segment.pk).exists()


def test_a_delta_under_the_id_of_one_already_applied_is_still_applied(cast: Cast) -> None:
    cases = _cases(cast)
    user, key = cast.caseworker, private_key(cast.caseworker)
    assert _indexed(user, key, "zither") == []
    # Another process compacts, deleting the deltas this one applied; SQLite gives the next delta the id of
    # a deleted one.
    SearchDelta.objects.filter(staff=user).delete()
    note_add(actor=user, private_key=key, case=cases[2], text="The zither teacher")
    assert [hit[0] for hit in _indexed(user, key, "zither")] == [cases[2].pk]


def test_a_first_index_too_long_for_one_request_is_built_over_several_and_resumed_anywhere(
    cast: Cast,
) -> None:
    """A reader's first search over thousands of cases is not decrypted inside one request: each request
    reads for a bounded time, writes what it read back as segments and says how far it got; the next one,
    in this process or another, goes on from there."""
    _cases(cast)
    user, key = cast.caseworker, private_key(cast.caseworker)
    cases = case_list(user=user, filters=CaseFilters())
    progress = []
    holders = iter(["session:a", "session:b", "session:c"] * 10)  # a new process each time, as it may be
    with patch("longarm.cases.search_index._BATCH", 2):
        while True:
            try:
                case_search(
                    user=user,
                    private_key=key,
                    holder=next(holders),
                    cases=cases,
                    text="kashgar",
                    build_seconds=0,
                )
                break
            except SearchIndexBuilding as building:
                progress.append((building.done, building.total))
                assert SearchSegment.objects.filter(staff=user).exists()
    assert progress == [(2, 6), (4, 6)]
    for query in ("kashgar", "王伟", "ساقچى", "李"):
        assert _indexed(user, key, query, holder="session:d") == _reference(user, key, query), query


def test_a_change_the_interrupted_build_did_not_reach_is_read_on_the_next_request(cast: Cast) -> None:
    """An update that stops at its time limit writes back what it read and drops the deltas it applied: a
    case they named that it had not reached yet must not keep its old text in the index for good."""
    cases = _cases(cast)
    user, key = cast.caseworker, private_key(cast.caseworker)
    assert [hit[0] for hit in _indexed(user, key, "zither")] == []
    last = max(cases, key=lambda case: case.pk)
    case_edit_summary(actor=user, private_key=key, case=last, summary="The zither teacher")
    for case in sorted(cases, key=lambda case: case.pk)[:2]:
        note_add(actor=user, private_key=key, case=case, text="another note")
    listed = case_list(user=user, filters=CaseFilters())
    with patch("longarm.cases.search_index._BATCH", 2):
        with pytest.raises(SearchIndexBuilding):
            case_search(
                user=user, private_key=key, holder=HOLDER, cases=listed, text="zither", build_seconds=0
            )
        while True:
            try:
                case_search(
                    user=user, private_key=key, holder=HOLDER, cases=listed, text="zither", build_seconds=0
                )
                break
            except SearchIndexBuilding:
                continue
    assert [hit[0] for hit in _indexed(user, key, "zither")] == [last.pk]
    for query in ("zither", "kashgar", "王伟"):
        assert _indexed(user, key, query) == _reference(user, key, query), query


def test_the_console_shows_a_self_reloading_progress_page_until_the_index_is_built(
    cast: Cast, settings: object
) -> None:
    _cases(cast)
    settings.LONGARM_SEARCH_BUILD_SECONDS = 0  # type: ignore[attr-defined]
    staff = console(cast.caseworker)
    with patch("longarm.cases.search_index._BATCH", 2):
        first = staff.get(reverse("cases:case_list"), {"q": "kashgar"})
        assert first["Refresh"] == "1"
        assert "Preparing your search: 2 of 6 cases read so far." in first.content.decode()
        assert staff.get(reverse("cases:case_list"), {"q": "kashgar"}).has_header("Refresh")
        done = staff.get(reverse("cases:case_list"), {"q": "kashgar"})
    assert not done.has_header("Refresh")
    assert "2 cases match" in done.content.decode()


def _stored_parts(user: StaffUser, key: bytes) -> list[tuple[int, int, int, bytes, frozenset[int]]]:
    """Each stored segment of the reader: (row, generation, part, sealed, the cases it holds)."""
    context = f"longarm search segment:{user.pk}".encode()
    rows = SearchSegment.objects.filter(staff=user).order_by("generation", "part", "pk")
    found = []
    for pk, generation, part, sealed in rows.values_list("pk", "generation", "part", "sealed"):
        held = json.loads(_unpad(unseal_data(key, bytes(sealed), context=context)))
        cases = frozenset(int(case_id) for case_id in held if case_id != "applied")
        found.append((pk, generation, part, bytes(sealed), cases))
    return found


def _build_step(user: StaffUser, key: bytes, holder: str) -> tuple[int, int] | None:
    """One request of a first build (``build_seconds`` 0: one batch): how far it got, or None if done."""
    cases = case_list(user=user, filters=CaseFilters())
    try:
        case_search(user=user, private_key=key, holder=holder, cases=cases, text="kashgar", build_seconds=0)
    except SearchIndexBuilding as building:
        return building.done, building.total
    return None


def test_a_resumed_build_appends_only_what_each_request_read(cast: Cast) -> None:
    """Each build request appends one part holding the cases it read and leaves the stored parts as they
    were; the last one merges them into one generation."""
    cases = sorted(case.pk for case in _cases(cast))
    user, key = cast.caseworker, private_key(cast.caseworker)
    with patch("longarm.cases.search_index._BATCH", 2):
        assert _build_step(user, key, "session:a") == (2, 6)
        first = _stored_parts(user, key)
        assert [(part, held) for _, _, part, _, held in first] == [(1, frozenset(cases[:2]))]
        assert _build_step(user, key, "session:b") == (4, 6)
        second = _stored_parts(user, key)
        # The first part untouched (same row, same bytes); the new one holds the two cases read since.
        assert second[:1] == first
        assert [(part, held) for _, _, part, _, held in second[1:]] == [(2, frozenset(cases[2:4]))]
        assert _build_step(user, key, "session:a") is None
    merged = _stored_parts(user, key)
    assert len({generation for _, generation, _, _, _ in merged}) == 1
    assert [part for _, _, part, _, _ in merged] == [0] * len(merged)
    assert frozenset().union(*(held for *_, held in merged)) == frozenset(cases)
    search_index_drop(holder="session:a")
    for query in ("kashgar", "王伟", "ساقچى"):
        assert _indexed(user, key, query, holder="session:c") == _reference(user, key, query), query


def test_two_builders_of_one_reader_interleaved_lose_nothing_and_write_nothing_twice(cast: Cast) -> None:
    """Two requests of one reader on two web workers (two processes here: two holders), the second running
    its whole step while the first decrypts: the first finds the second's part at its write and appends
    none of the cases that part holds."""
    from longarm.cases import search

    cases = sorted(case.pk for case in _cases(cast))
    user, key = cast.caseworker, private_key(cast.caseworker)
    real = search.case_texts
    armed = [False]

    def interleaved(batch: list[Case], *args: object) -> dict[int, list[tuple[str, str]]]:
        texts = real(batch, *args)  # type: ignore[arg-type]
        if armed[0]:
            armed[0] = False
            assert _build_step(user, key, "session:b") == (4, 6)
        return texts

    with (
        patch("longarm.cases.search_index._BATCH", 2),
        patch.object(search, "case_texts", interleaved),
    ):
        assert _build_step(user, key, "session:a") == (2, 6)
        armed[0] = True
        # A reads cases 3 and 4; meanwhile B, a new process, loads A's part and reads the same two.
        assert _build_step(user, key, "session:a") == (4, 6)
        parts = _stored_parts(user, key)
        assert [(part, held) for _, _, part, _, held in parts] == [
            (1, frozenset(cases[:2])),
            (2, frozenset(cases[2:4])),
        ]
        assert _build_step(user, key, "session:b") is None
    final = _stored_parts(user, key)
    assert frozenset().union(*(held for *_, held in final)) == frozenset(cases)
    assert sum(len(held) for *_, held in final) == len(cases)
    for holder in ("session:a", "session:b"):
        for query in ("kashgar", "王伟", "李"):
            assert _indexed(user, key, query, holder=holder) == _reference(user, key, query), query


def test_a_change_another_process_compacted_away_is_still_found_here(cast: Cast) -> None:
    """Process B applies a delta and compacts, deleting it; process A, which had loaded the older
    generation, must not keep the text the delta replaced: it loads the new generation."""
    cases = _cases(cast)
    user, key = cast.caseworker, private_key(cast.caseworker)
    with patch("longarm.cases.search_index.COMPACT_AFTER", 1):
        assert _indexed(user, key, "zither", holder="session:a") == []
        note_add(actor=user, private_key=key, case=cases[3], text="The zither teacher")
        assert [hit[0] for hit in _indexed(user, key, "zither", holder="session:b")] == [cases[3].pk]
        assert not SearchDelta.objects.filter(staff=user).exists()
        assert [hit[0] for hit in _indexed(user, key, "zither", holder="session:a")] == [cases[3].pk]


def _in_thread(work: Callable[[], None], errors: list[BaseException]) -> threading.Thread:
    def run() -> None:
        try:
            work()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    return threading.Thread(target=run)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="waiting needs a lock other than SQLite's one write lock, which would stop every writer while a "
    "builder decrypts; on SQLite the compare-and-set alone keeps two builders apart (the test above)",
)
@pytest.mark.django_db(transaction=True)
def test_a_second_builder_of_one_reader_waits_for_the_first_and_goes_on_from_its_part(cast: Cast) -> None:
    from longarm.cases import search

    cases = sorted(case.pk for case in _cases(cast))
    user, key = cast.caseworker, private_key(cast.caseworker)
    real = search.case_texts
    inside, release = threading.Event(), threading.Event()
    read: dict[str, list[int]] = {}
    progress: dict[str, tuple[int, int] | None] = {}

    def reading(batch: list[Case], *args: object) -> dict[int, list[tuple[str, str]]]:
        name = threading.current_thread().name
        read.setdefault(name, []).extend(sorted(case.pk for case in batch))
        if name == "a":
            inside.set()
            assert release.wait(10)
        return real(batch, *args)  # type: ignore[arg-type]

    def step(name: str) -> Callable[[], None]:
        def run() -> None:
            progress[name] = _build_step(user, key, f"session:{name}")

        return run

    errors: list[BaseException] = []
    first, second = _in_thread(step("a"), errors), _in_thread(step("b"), errors)
    first.name, second.name = "a", "b"
    with patch("longarm.cases.search_index._BATCH", 2), patch.object(search, "case_texts", reading):
        first.start()
        assert inside.wait(10)
        second.start()
        second.join(0.5)
        # B waits on A's lock: it has decrypted nothing yet.
        assert second.is_alive()
        assert "b" not in read
        release.set()
        first.join(10)
        second.join(10)
    assert not errors
    assert progress == {"a": (2, 6), "b": (4, 6)}
    assert read == {"a": cases[:2], "b": cases[2:4]}
    assert [(part, held) for _, _, part, _, held in _stored_parts(user, key)] == [
        (1, frozenset(cases[:2])),
        (2, frozenset(cases[2:4])),
    ]

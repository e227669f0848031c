import random
from collections import Counter
from typing import Any

import pytest

from longarm.analytics import queries, services, snapshot
from longarm.analytics.dimensions import DIMENSIONS, RELATIVE_TACTICS, UNKNOWN, relative_harms
from longarm.analytics.models import FactIncident
from longarm.analytics.queries import AnalyticsFilters, Month, crosstab, time_series
from longarm.analytics.services import SyntheticFact, facts_insert_synthetic, facts_rebuild
from longarm.analytics.tables import CountTable
from tests.analytics.helpers import facts

pytestmark = pytest.mark.django_db


@pytest.fixture
def sample() -> None:
    facts(
        3,
        year=2024,
        month=1,
        community="uyghur",
        host_country="JP",
        host_region="JP-13",
        tactics=("proxy_coercion_family", "threat_direct"),
        channels=("wechat",),
        actors=("psb_local",),
    )
    facts(
        2,
        year=2024,
        month=3,
        community="tibetan",
        host_country="GB",
        host_region="GB-SCT",
        origin_region="tibet_ar",
        tactics=("surveillance_physical",),
        channels=("in_person_host", "wechat"),
    )
    facts(1, year=2023, month=0, community="uyghur", host_country="TR", tactics=("threat_direct",))
    facts(1, host_country="JP", host_region="JP-27")


def test_one_way_counts_incidents_in_taxonomy_order_with_unknown_last(sample: None) -> None:
    table = crosstab(rows="community", columns=None, filters=AnalyticsFilters())

    assert table.rows == ("uyghur", "tibetan", "unknown")
    assert table.columns == ("total",)
    assert table.cells == ((4,), (2,), (1,))
    assert table.unit == "incidents"


def test_multi_valued_dimension_counts_mentions(sample: None) -> None:
    table = crosstab(rows="tactic", columns=None, filters=AnalyticsFilters())

    assert dict(zip(table.rows, table.row_totals(), strict=True)) == {
        "threat_direct": 4,
        "proxy_coercion_family": 3,
        "surveillance_physical": 2,
    }
    assert table.unit == "tactic mentions"


def test_two_way_table_crosses_dimensions(sample: None) -> None:
    table = crosstab(rows="channel", columns="community", filters=AnalyticsFilters())

    assert table.rows == ("wechat", "in_person_host")
    assert table.columns == ("uyghur", "tibetan")
    assert table.cells == ((3, 2), (0, 2))
    assert table.grand_total() == 7


def test_filters_restrict_by_month_range_community_place_and_tactic(sample: None) -> None:
    def total(**filters: Any) -> int:
        return crosstab(rows="community", columns=None, filters=AnalyticsFilters(**filters)).grand_total()

    assert total() == 7
    assert total(start=Month(2024, 2)) == 2
    assert total(end=Month(2024, 1)) == 3  # the facts without a month are left out of a date range
    assert total(community="uyghur") == 4
    assert total(host_country="JP") == 4
    assert total(host_country="JP", host_region="JP-13") == 3
    assert total(tactic="threat_direct") == 4
    assert total(tactic="threat_direct", community="uyghur", start=Month(2024, 1)) == 3


def test_year_and_month_rows_are_periods_in_time_order(sample: None) -> None:
    years = crosstab(rows="year", columns=None, filters=AnalyticsFilters())
    months = crosstab(rows="month", columns=None, filters=AnalyticsFilters())

    assert years.rows == ("2023", "2024", "unknown")
    assert years.cells == ((1,), (5,), (1,))
    assert months.rows == ("2024-01", "2024-03", "unknown")


def test_time_series_fills_empty_months_and_drops_unknown_ones(sample: None) -> None:
    table = time_series(filters=AnalyticsFilters())

    assert table.rows == ("2024-01", "2024-02", "2024-03")
    assert table.cells == ((3,), (0,), (2,))


def test_relatives_share_counts_incidents_with_relatives_targeted(sample: None) -> None:
    share = queries.relatives_share(filters=AnalyticsFilters())

    assert (share.part, share.whole) == (3, 7)
    assert share.percent == pytest.approx(300 / 7)


DIMENSION_PAIRS = [
    ("tactic", None),
    ("tactic", "community"),
    ("tactic", "channel"),
    ("channel", "tactic"),
    ("tactic", "tactic"),
    ("channel", "actor"),
    ("host_region", "month"),
    ("origin_region", "year"),
    ("relatives_targeted", "host_country"),
    ("intake_channel", "harm"),
    ("community", "channel"),
    ("host_country", "community"),
    ("month", "tactic"),
    ("host_region", "channel"),
]
FILTERS = [
    AnalyticsFilters(),
    AnalyticsFilters(tactic="threat_direct"),
    AnalyticsFilters(host_country="JP", host_region="JP-13"),
    AnalyticsFilters(start=Month(2024, 1), end=Month(2024, 2), community="uyghur"),
    AnalyticsFilters(host_country="JP"),
    AnalyticsFilters(host_region="JP-13", tactic="threat_direct"),
    AnalyticsFilters(community="uyghur", tactic="threat_direct"),
]


@pytest.mark.parametrize(("rows", "columns"), DIMENSION_PAIRS)
def test_snapshot_and_facts_give_the_same_table(sample: None, rows: str, columns: str | None) -> None:
    for filters in FILTERS:
        from_snapshot = crosstab(rows=rows, columns=columns, filters=filters)
        from_facts = crosstab(rows=rows, columns=columns, filters=filters, source="facts")
        assert from_snapshot == from_facts, (rows, columns, filters)


def test_unknown_dimension_is_refused() -> None:
    with pytest.raises(ValueError, match="dimension"):
        crosstab(rows="name", columns=None, filters=AnalyticsFilters())
    with pytest.raises(ValueError, match="itself"):
        crosstab(rows="community", columns="community", filters=AnalyticsFilters())


def _random_fact(rng: random.Random) -> SyntheticFact:
    def some(codes: list[str], most: int) -> tuple[str, ...]:
        return tuple(rng.sample(codes, rng.randint(0, most)))

    year = rng.choice([0, 2019, 2020, 2021])
    country, region = rng.choice([("", ""), ("JP", ""), ("JP", "JP-13"), ("TR", ""), ("GB", "GB-SCT")])
    return SyntheticFact(
        year=year,
        month=rng.choice([0, 1, 2, 6, 12]) if year else 0,
        community=rng.choice(["", "uyghur", "tibetan", "hongkonger"]),
        host_country=country,
        host_region=region,
        origin_region=rng.choice(["", "xinjiang", "tibet_ar"]),
        intake_channel=rng.choice(["", "web", "hotline"]),
        tactics=some(
            ["threat_direct", "proxy_coercion_family", "surveillance_physical", "coerced_return"], 3
        ),
        channels=some(["wechat", "in_person_host", "phone_call"], 2),
        actors=some(["psb_local", "mss"], 2),
        harms=some(["detention_relative", "job_loss"], 2),
    )


def _values(fact: SyntheticFact, name: str) -> list[str]:
    """The codes a fact counts under for ``name``: each dimension's plain meaning, independent of SQL."""
    multi = {"tactic": fact.tactics, "channel": fact.channels, "actor": fact.actors, "harm": fact.harms}
    if name in multi:
        return sorted(set(multi[name]))
    if name == "year":
        return [f"{fact.year:04d}" if fact.year else UNKNOWN]
    if name == "month":
        return [f"{fact.year:04d}-{fact.month:02d}" if fact.year and fact.month else UNKNOWN]
    if name == "relatives_targeted":
        targeted = bool(RELATIVE_TACTICS & set(fact.tactics)) or bool(relative_harms() & set(fact.harms))
        return ["yes" if targeted else "no"]
    return [getattr(fact, name) or UNKNOWN]


def _matches(fact: SyntheticFact, filters: AnalyticsFilters) -> bool:
    month = fact.year * 100 + fact.month if fact.year and fact.month else None
    if (filters.start or filters.end) and month is None:
        return False
    if filters.start and month is not None and month < filters.start.number:
        return False
    if filters.end and month is not None and month > filters.end.number:
        return False
    for name in ("community", "host_country", "host_region"):
        if getattr(filters, name) and getattr(fact, name) != getattr(filters, name):
            return False
    return not filters.tactic or filters.tactic in fact.tactics


def _straight_count(
    stored: list[SyntheticFact], rows: str, columns: str | None, filters: AnalyticsFilters
) -> Counter[tuple[str, str]]:
    counts: Counter[tuple[str, str]] = Counter()
    for fact in stored:
        if _matches(fact, filters):
            for row in _values(fact, rows):
                for column in _values(fact, columns) if columns else ["total"]:
                    counts[row, column] += 1
    return counts


def _random_filters(rng: random.Random) -> AnalyticsFilters:
    # A region comes with its country, as the dashboard's form gives it.
    country, region = rng.choice(
        [("", ""), ("", ""), ("JP", ""), ("GB", ""), ("JP", "JP-13"), ("GB", "GB-SCT")]
    )
    return AnalyticsFilters(
        start=rng.choice([None, Month(2019, 6), Month(2020, 1)]),
        end=rng.choice([None, Month(2020, 12), Month(2021, 2)]),
        community=rng.choice(["", "", "uyghur", "tibetan"]),
        host_country=country,
        host_region=region,
        tactic=rng.choice(["", "", "threat_direct", "coerced_return"]),
    )


def _as_counts(table: CountTable) -> Counter[tuple[str, str]]:
    return Counter(
        {
            (row, column): cell
            for row, cells in zip(table.rows, table.cells, strict=True)
            for column, cell in zip(table.columns, cells, strict=True)
            if cell
        }
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_source_equals_a_straightforward_count_of_random_facts(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(seed)
    # Small chunks, so that the counting's chunked paths are taken.
    monkeypatch.setattr(snapshot, "_UNPACK", 16)
    monkeypatch.setattr(snapshot, "_CHUNK", 50)
    stored = [_random_fact(rng) for _ in range(120)]
    facts_insert_synthetic(stored[:80])
    names = list(DIMENSIONS)
    for round_ in range(60):
        if round_ == 30:
            # New facts after the copy was made: appended to it.
            facts_insert_synthetic(stored[80:])
        current = stored if round_ >= 30 else stored[:80]
        rows = rng.choice(names)
        columns = rng.choice([None, *(name for name in names if name != rows or DIMENSIONS[name].multi)])
        filters = _random_filters(rng)
        expected = _straight_count(current, rows, columns, filters)
        for source in ("snapshot", "facts"):
            table = crosstab(rows=rows, columns=columns, filters=filters, source=source)
            assert _as_counts(table) == expected, (source, rows, columns, filters)


def test_the_copy_applies_inserts_and_deletions_and_reloads_after_a_rebuild(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fetched: list[list[int] | None] = []
    fetch = snapshot.Snapshot._fetch_facts

    def recording(new: snapshot.Snapshot, wanted: list[int] | None) -> Any:
        fetched.append(wanted)
        return fetch(new, wanted)

    monkeypatch.setattr(snapshot.Snapshot, "_fetch_facts", staticmethod(recording))
    snapshot.forget()
    every = AnalyticsFilters()
    facts(2, community="uyghur", tactics=("threat_direct",))
    assert crosstab(rows="community", columns=None, filters=every).cells == ((2,),)
    facts(1, community="tibetan", tactics=("threat_direct",))
    assert crosstab(rows="community", columns=None, filters=every).cells == ((2,), (1,))
    assert crosstab(rows="tactic", columns=None, filters=every).cells == ((3,),)
    uyghur = list(FactIncident.objects.filter(community="uyghur").values_list("pk", flat=True))
    services._drop(uyghur[:1])
    assert crosstab(rows="community", columns=None, filters=every).cells == ((1,), (1,))
    assert crosstab(rows="tactic", columns=None, filters=every).cells == ((2,),)
    facts_rebuild()  # takes the synthetic facts away
    assert crosstab(rows="community", columns=None, filters=every).cells == ()

    assert fetched[0] is None, "the first count loads every fact"
    assert fetched[1] is not None, "an insert fetches only its facts"
    assert len(fetched[1]) == 1
    assert fetched[2] == [], "a deletion fetches nothing"
    assert fetched[3:] == [None], "unchanged facts are not fetched again; a rebuild reloads them all"


def test_a_change_never_adds_a_fact_the_copy_already_holds() -> None:
    facts(2, community="uyghur")
    copy = snapshot.current()

    again = copy.changed(copy.version, deleted=set(), inserted=[int(copy.ids[0])])

    assert again.size == copy.size == 2
    assert again.count("community", None, None) == {("uyghur", "total"): 2}


@pytest.mark.parametrize("source", ["snapshot", "facts"])
def test_analysts_filter_by_source_web_hotline_or_survey(source: str) -> None:
    facts(3, community="uyghur", intake_channel="web")
    facts(2, community="uyghur", intake_channel="survey")
    facts(1, community="tibetan", intake_channel="hotline")

    def total(channel: str) -> int:
        filters = AnalyticsFilters(intake_channel=channel)
        return crosstab(rows="community", columns=None, filters=filters, source=source).grand_total()  # type: ignore[arg-type]

    assert [total(""), total("web"), total("survey"), total("hotline")] == [6, 3, 2, 1]
    assert AnalyticsFilters(intake_channel="survey").as_query() == {"source": "survey"}

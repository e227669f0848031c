from typing import Any

import pytest

from longarm.analytics import queries
from longarm.analytics.queries import AnalyticsFilters, Month, crosstab, time_series
from longarm.analytics.services import cube_rebuild
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
def test_cube_and_facts_give_the_same_table(
    sample: None, rows: str, columns: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for filters in FILTERS:
        from_cube = crosstab(rows=rows, columns=columns, filters=filters)
        with monkeypatch.context() as patch:
            patch.setattr(queries, "_cube_plan", lambda *args: None)
            from_facts = crosstab(rows=rows, columns=columns, filters=filters)
        assert from_cube == from_facts, (rows, columns, filters)


def test_cube_rebuilt_from_facts_equals_the_cube_kept_in_step(sample: None) -> None:
    def every_table() -> list[CountTable]:
        return [crosstab(rows=r, columns=c, filters=f) for r, c in DIMENSION_PAIRS for f in FILTERS]

    kept = every_table()
    cube_rebuild()

    assert every_table() == kept


def test_unknown_dimension_is_refused() -> None:
    with pytest.raises(ValueError, match="dimension"):
        crosstab(rows="name", columns=None, filters=AnalyticsFilters())
    with pytest.raises(ValueError, match="itself"):
        crosstab(rows="community", columns="community", filters=AnalyticsFilters())

"""Every table's total is the number of incidents counted (mentions for a multi-valued dimension), for every
dimension: no code may be counted twice, e.g. a vocabulary's own "unknown" term next to missing values."""

import pytest

from longarm.analytics.dimensions import DIMENSIONS, UNKNOWN
from longarm.analytics.publication.services import on_fixed_axes
from longarm.analytics.queries import AnalyticsFilters, crosstab
from tests.analytics.helpers import facts

pytestmark = pytest.mark.django_db

INCIDENTS = 9


@pytest.fixture
def sample() -> None:
    # Eight incidents without an origin region and one whose reporter answered "I don't know" (the
    # vocabulary's own "unknown"); an actor "I don't know" beside a known one.
    facts(
        4,
        year=2024,
        month=2,
        community="uyghur",
        host_country="JP",
        intake_channel="web",
        tactics=("threat_direct",),
        actors=("unknown", "psb_local"),
    )
    facts(4, community="tibetan", tactics=("threat_direct", "surveillance_physical"), actors=("unknown",))
    facts(1, year=2023, month=5, origin_region="unknown", host_country="GB", host_region="GB-SCT")


MENTIONS = {"tactic": 4 + 8, "actor": 8 + 4, "channel": 0, "harm": 0}


@pytest.mark.parametrize("source", ["snapshot", "facts"])
@pytest.mark.parametrize("name", sorted(DIMENSIONS))
def test_every_one_way_table_totals_the_incidents_counted(sample: None, name: str, source: str) -> None:
    table = crosstab(rows=name, columns=None, filters=AnalyticsFilters(), source=source)  # type: ignore[arg-type]

    assert len(set(table.rows)) == len(table.rows), table.rows
    expected = MENTIONS[name] if DIMENSIONS[name].multi else INCIDENTS
    assert table.grand_total() == expected


@pytest.mark.parametrize("name", sorted(name for name, d in DIMENSIONS.items() if not d.multi))
def test_every_two_way_table_totals_the_incidents_counted(sample: None, name: str) -> None:
    other = "community" if name != "community" else "year"
    table = crosstab(rows=name, columns=other, filters=AnalyticsFilters())

    assert len(set(table.rows)) == len(table.rows)
    assert table.grand_total() == INCIDENTS


def test_origin_region_not_recorded_is_one_row(sample: None) -> None:
    table = crosstab(rows="origin_region", columns=None, filters=AnalyticsFilters())

    assert table.rows == (UNKNOWN,)
    assert table.cells == ((INCIDENTS,),)


@pytest.mark.parametrize("name", ["origin_region", "actor"])
def test_fixed_axes_list_unknown_once(sample: None, name: str) -> None:
    table = on_fixed_axes(
        crosstab(rows=name, columns=None, filters=AnalyticsFilters()), filters=AnalyticsFilters()
    )

    assert table.rows.count(UNKNOWN) == 1
    assert table.rows[-1] == UNKNOWN
    assert table.grand_total() == (INCIDENTS if name == "origin_region" else MENTIONS["actor"])


def test_unknown_is_not_recorded_for_a_single_valued_dimension_and_the_term_for_a_multi_valued_one() -> None:
    from longarm.taxonomy.vocabularies import vocabulary

    assert DIMENSIONS["origin_region"].label_for(UNKNOWN) == "Not recorded"
    assert DIMENSIONS["actor"].label_for(UNKNOWN) == vocabulary("actors").label(UNKNOWN)
    assert DIMENSIONS["actor"].label_for(UNKNOWN) != "Not recorded"

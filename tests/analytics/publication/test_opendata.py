import csv
import io
import json
from collections import Counter

import pytest

from longarm.analytics.publication.exceptions import EmptyRelease, OpenEndedPeriod
from longarm.analytics.publication.formats import as_json, open_data_csv
from longarm.analytics.publication.models import NoiseMechanism, ReleaseKind
from longarm.analytics.publication.opendata import FIELDS, Fact, anonymised_records
from longarm.analytics.publication.services import release_propose_open_data, release_propose_table
from longarm.analytics.queries import AnalyticsFilters, Month
from longarm.taxonomy.vocabularies import vocabulary
from tests.analytics.helpers import facts
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def fact(**values: object) -> Fact:
    base: dict[str, object] = {
        "year": 2024,
        "month": 3,
        "community": "uyghur",
        "host_country": "GB",
        "host_region": "GB-SCT",
        "relatives_targeted": False,
        "fh_physical": False,
        "oxus_stage": 0,
        "tactics": ("threat_direct",),
        "channels": (),
        "actors": (),
        "harms": (),
    }
    return Fact(**{**base, **values})  # type: ignore[arg-type]  # Fact's fields, some overridden


def quasi_identifiers(record: dict[str, object]) -> tuple[object, ...]:
    return tuple(record[name] for name in ("community", "host_country", "host_region", "year", "month"))


def test_groups_at_the_threshold_keep_their_month() -> None:
    data = anonymised_records([fact()] * 5, threshold=5)

    assert data.withheld == 0
    assert {quasi_identifiers(record) for record in data.records} == {("uyghur", "GB", "GB-SCT", 2024, 3)}
    assert data.records[0]["generalisation"] == "month"


def test_a_rare_month_is_coarsened_to_the_year_then_the_region_to_the_country() -> None:
    records = (
        [fact(month=month) for month in (1, 2, 3, 4, 5)]  # one per month: the year groups them
        + [fact(host_region="GB-WLS", month=m) for m in (1, 2)]
        + [fact(host_region="GB-NIR", month=m) for m in (6, 7, 8)]  # Wales and N. Ireland: 5 in GB
    )

    data = anonymised_records(records, threshold=5)

    assert data.withheld == 0
    groups = Counter(quasi_identifiers(record) for record in data.records)
    assert groups == {("uyghur", "GB", "GB-SCT", 2024, None): 5, ("uyghur", "GB", None, 2024, None): 5}


def test_a_record_rarer_than_the_threshold_at_every_level_is_withheld() -> None:
    data = anonymised_records([fact()] * 5 + [fact(community="tibetan")], threshold=5)

    assert data.withheld == 1
    assert all(record["community"] == "uyghur" for record in data.records)


def test_every_published_combination_of_quasi_identifiers_is_shared_by_threshold_records() -> None:
    records = [
        fact(community=community, host_region=region, month=month)
        for community in ("uyghur", "tibetan", "hongkonger")
        for region in ("GB-SCT", "GB-WLS", "GB-ENG-LDN")
        for month in range(1, 13)
        if (len(community) + len(region) + month) % 3 or month < 4
    ]

    data = anonymised_records(records, threshold=4)

    groups = Counter(quasi_identifiers(record) for record in data.records)
    assert groups
    assert min(groups.values()) >= 4
    assert len(data.records) + data.withheld == len(records)


def test_records_map_tactics_to_freedom_house_and_oxus_stages() -> None:
    data = anonymised_records([fact(tactics=("proxy_coercion_family", "threat_direct"))] * 5, threshold=5)

    record = data.records[0]
    assert record["freedom_house_tactics"] == ["coercion_by_proxy", "threats_from_a_distance"]
    assert record["oxus_uhrp_stages"] == ["stage_1"]
    assert set(record) == set(FIELDS)


def test_open_data_from_the_fact_store_has_no_identifier_and_no_day(cast: Cast) -> None:
    facts(6, year=2024, month=5, community="uyghur", host_country="GB", tactics=("threat_direct",))
    facts(1, year=2024, month=6, community="tibetan", host_country="JP", tactics=("threat_direct",))

    release = release_propose_open_data(actor=cast.analyst)

    assert release.kind == ReleaseKind.OPEN_DATA
    records = release.content["records"]
    assert len(records) == 6
    assert all(set(record) == set(FIELDS) for record in records)
    text = as_json(release.content)
    assert "tibetan" not in text
    assert json.loads(text)["schema"] == "longarm-open-data/1"
    rows = list(csv.reader(io.StringIO(open_data_csv(release.content))))
    assert rows[0] == list(FIELDS)
    assert rows[1][FIELDS.index("tactics")] == "threat_direct"
    assert rows[1][FIELDS.index("relatives_targeted")] == "false"


def test_no_open_data_release_without_records(cast: Cast) -> None:
    with pytest.raises(EmptyRelease):
        release_propose_open_data(actor=cast.analyst)


def test_a_table_is_proposed_from_the_dashboard_crosstab(cast: Cast) -> None:
    facts(12, year=2024, month=5, community="uyghur", host_country="GB")
    facts(2, year=2024, month=5, community="tibetan", host_country="GB")
    facts(9, year=2024, month=5, community="tibetan", host_country="JP")
    facts(7, year=2024, month=5, community="uyghur", host_country="JP")

    release = release_propose_table(
        actor=cast.analyst, rows="community", columns="host_country", filters=AnalyticsFilters()
    )

    content = release.content
    assert content["rows"] == ["uyghur", "tibetan"]
    assert content["cells"][1][content["columns"].index("GB")] is None
    assert content["grand_total"] == 30
    assert release.filters == {}


def test_a_noisy_table_lists_every_code_so_that_a_rare_one_is_not_revealed(cast: Cast) -> None:
    facts(30, year=2024, month=5, community="uyghur", host_country="GB")

    release = release_propose_table(
        actor=cast.analyst,
        rows="community",
        columns=None,
        filters=AnalyticsFilters(),
        mechanism=NoiseMechanism.LAPLACE,
        epsilon=0.5,
    )

    assert release.content["rows"] == [*(term.code for term in vocabulary("communities").terms), "unknown"]


def test_a_noisy_table_by_month_needs_a_closed_period(cast: Cast) -> None:
    facts(30, year=2024, month=5, community="uyghur", host_country="GB")
    with pytest.raises(OpenEndedPeriod):
        release_propose_table(
            actor=cast.analyst,
            rows="month",
            columns=None,
            filters=AnalyticsFilters(start=Month(2024, 1)),
            mechanism=NoiseMechanism.LAPLACE,
            epsilon=0.5,
        )

    release = release_propose_table(
        actor=cast.analyst,
        rows="month",
        columns=None,
        filters=AnalyticsFilters(start=Month(2023, 11), end=Month(2024, 2)),
        mechanism=NoiseMechanism.LAPLACE,
        epsilon=0.5,
    )

    assert release.content["rows"] == ["2023-11", "2023-12", "2024-01", "2024-02"]

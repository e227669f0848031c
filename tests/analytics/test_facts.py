"""The fact store follows reports and cases through the services, and holds coded fields only."""

from io import StringIO

import pytest
from django.core.management import call_command

from longarm.analytics.models import FactCode, FactIncident, FactSource
from longarm.analytics.queries import AnalyticsFilters, crosstab
from longarm.analytics.services import facts_rebuild
from longarm.analytics.tables import CountTable
from longarm.cases.coding.services import IncidentInput, incident_create, incident_update
from longarm.cases.merge import case_merge, case_split
from longarm.cases.models import Case, Incident
from longarm.cases.services import case_add_report
from longarm.intake.models import Report
from longarm.retention.services import case_shred, report_shred
from tests.cases.helpers import new_report, opened_case, private_key
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def totals() -> dict[str, int]:
    table = crosstab(rows="community", columns=None, filters=AnalyticsFilters())
    return dict(zip(table.rows, table.row_totals(), strict=True))


def every_table() -> list[CountTable]:
    return [
        crosstab(rows=rows, columns=columns, filters=AnalyticsFilters())
        for rows, columns in (("tactic", "community"), ("channel", None), ("month", "host_country"))
    ]


def code_incident(cast: Cast, case: Case, **fields: object) -> Incident:
    data = IncidentInput(
        **{"year": 2025, "month": 4, "day": 17, "tactics": ["assault"], "host_country": "GB", **fields}  # type: ignore[arg-type]
    )
    return incident_create(
        actor=cast.caseworker, private_key=private_key(cast.caseworker), case=case, data=data
    )


def test_a_consenting_report_becomes_one_fact_of_its_coded_fields(cast: Cast) -> None:
    new_report()

    fact = FactIncident.objects.get()
    assert fact.source == FactSource.REPORT
    assert (fact.year, fact.month, fact.community) == (2025, 3, "southern_mongolian")
    assert (fact.host_country, fact.host_region, fact.intake_channel) == ("JP", "JP-13", "web")
    assert fact.relatives_targeted  # "Someone threatened my family members" means coercion by proxy
    codes = {(code.dimension, code.code) for code in FactCode.objects.all()}
    assert ("tactic", "proxy_coercion_family") in codes
    assert {("channel", "wechat"), ("channel", "via_relative"), ("actor", "psb_local")} <= codes


def test_a_report_without_statistics_consent_is_never_counted(cast: Cast) -> None:
    new_report(statistics_consent="no")
    assert not FactIncident.objects.exists()
    facts_rebuild()
    assert not FactIncident.objects.exists()


def test_coded_incidents_replace_the_report_they_came_from(cast: Cast) -> None:
    case = opened_case(cast)
    assert totals() == {"southern_mongolian": 1}

    first = code_incident(cast, case)
    code_incident(cast, case, tactics=["threat_direct"])

    assert totals() == {"southern_mongolian": 2}
    assert set(FactIncident.objects.values_list("source", flat=True)) == {FactSource.INCIDENT}
    fact = FactIncident.objects.get(incident=first)
    # The month, never the day; the community from the case's report.
    assert (fact.year, fact.month, fact.community, fact.host_country) == (2025, 4, "southern_mongolian", "GB")
    assert fact.fh_physical
    assert fact.oxus_stage == 0


def test_changing_an_incident_changes_its_counts(cast: Cast) -> None:
    case = opened_case(cast)
    incident = code_incident(cast, case)
    incident_update(
        actor=cast.caseworker,
        private_key=private_key(cast.caseworker),
        incident=incident,
        data=IncidentInput(year=2024, month=1, tactics=["digital_attack"], host_country="DE"),
    )
    table = crosstab(rows="tactic", columns="host_country", filters=AnalyticsFilters())
    assert (table.rows, table.columns, table.cells) == (("digital_attack",), ("DE",), ((1,),))


def test_a_case_holding_a_declining_report_counts_only_the_consenting_reports(cast: Cast) -> None:
    case = opened_case(cast)
    code_incident(cast, case)
    declining = new_report(statistics_consent="no", community="tibetan")
    case_add_report(
        actor=cast.caseworker, private_key=private_key(cast.caseworker), case=case, report=declining
    )

    assert totals() == {"southern_mongolian": 1}
    assert set(FactIncident.objects.values_list("source", flat=True)) == {FactSource.REPORT}


def test_merging_and_splitting_cases_count_each_incident_once(cast: Cast) -> None:
    target, source = opened_case(cast), opened_case(cast, community="uyghur")
    code_incident(cast, source)
    assert totals() == {"uyghur": 1, "southern_mongolian": 1}

    case_merge(actor=cast.caseworker, private_key=private_key(cast.caseworker), target=target, source=source)
    # The incident now belongs to a case whose first report is the target's.
    assert totals() == {"southern_mongolian": 1}

    report = Report.objects.get(community="uyghur")
    case_split(actor=cast.caseworker, private_key=private_key(cast.caseworker), case=target, report=report)
    assert totals() == {"southern_mongolian": 1, "uyghur": 1}
    kept = every_table()
    facts_rebuild()
    assert every_table() == kept


def test_shredding_takes_the_facts_and_their_counts_away(cast: Cast) -> None:
    case = opened_case(cast)
    code_incident(cast, case)
    loose = new_report(community="tibetan")
    assert totals() == {"southern_mongolian": 1, "tibetan": 1}

    report_shred(report=loose)
    case_shred(case=case)

    assert totals() == {}
    assert not FactIncident.objects.exists()


def test_rebuild_command_recomputes_the_store(cast: Cast) -> None:
    opened_case(cast)
    new_report(community="uyghur")
    kept = every_table()
    FactIncident.objects.all().delete()

    out = StringIO()
    call_command("analytics", "rebuild", stdout=out)

    assert "2 facts" in out.getvalue()
    assert every_table() == kept


def test_facts_hold_no_free_text_identifier_or_day(cast: Cast) -> None:
    case = opened_case(cast)
    code_incident(cast, case, description="Officer Wang called my mother on +86 138 0013 8000")
    rows = [*FactIncident.objects.values(), *FactCode.objects.values()]
    # The text stored; numbers are keys, counts and months.
    stored = " ".join(value for row in rows for value in row.values() if isinstance(value, str))

    for secret in ("Wang", "138", "Hohhot", "wxid", str(case.public_id), case.reference):
        assert secret not in stored
    # Months and codes only: no day, date, text or public identifier is even a column.
    assert {field.name for field in FactIncident._meta.concrete_fields} == {
        "id",
        "source",
        "report",
        "incident",
        "year",
        "month",
        "community",
        "host_country",
        "host_region",
        "origin_region",
        "intake_channel",
        "relatives_targeted",
        "fh_physical",
        "oxus_stage",
    }

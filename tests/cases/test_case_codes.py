"""The case list filters on an index of coded values (``CaseCode``) that the services keep in step with
the incidents and reports of each case: coding, merging, splitting, shredding, and the migration's fill."""

from typing import Any

import pytest

from longarm.cases.codes import case_codes_refresh, rebuild_codes
from longarm.cases.coding.services import IncidentInput, incident_create, incident_update
from longarm.cases.merge import case_merge, case_split
from longarm.cases.models import Case, CaseCode, CaseReport, Incident
from longarm.cases.selectors import CaseFilters, case_list
from longarm.intake.models import Report
from longarm.retention.services import report_shred
from tests.cases.helpers import opened_case, private_key
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def _listed(cast: Cast, **filters: Any) -> set[str]:
    return {case.reference for case in case_list(user=cast.caseworker, filters=CaseFilters(**filters))}


def _codes() -> set[tuple[int, str, int | None, int | None]]:
    return set(CaseCode.objects.values_list("case", "term", "incident", "report"))


def test_a_report_codes_its_case_with_its_mapped_tactics_country_and_community(cast: Cast) -> None:
    case = opened_case(
        cast, tactics=["told_to_return"], community="uyghur", host_country="GB", host_region=""
    )
    assert _listed(cast, tactic="coerced_return") == {case.reference}
    assert _listed(cast, community="uyghur") == {case.reference}
    assert _listed(cast, host_country="GB") == {case.reference}
    assert _listed(cast, host_country="JP") == set()
    assert _listed(cast, tactic="digital_attack") == set()


def test_recoding_an_incident_moves_the_case_between_filters(cast: Cast) -> None:
    case = opened_case(cast, tactics=["asked_to_stop_activity"], host_country="JP")
    key = private_key(cast.caseworker)
    incident = incident_create(
        actor=cast.caseworker,
        private_key=key,
        case=case,
        data=IncidentInput(description="x", tactics=["digital_attack"], host_country="DE"),
    )
    assert _listed(cast, tactic="digital_attack") == {case.reference}
    assert _listed(cast, host_country="DE") == {case.reference}
    incident_update(
        actor=cast.caseworker,
        private_key=key,
        incident=Incident.objects.get(pk=incident.pk),
        data=IncidentInput(description="x", tactics=["surveillance_physical"], host_country="FR"),
    )
    assert _listed(cast, tactic="digital_attack") == set()
    assert _listed(cast, host_country="DE") == set()
    assert _listed(cast, tactic="surveillance_physical") == {case.reference}
    assert _listed(cast, host_country="FR") == {case.reference}


def test_merging_and_splitting_carry_the_codes_with_the_reports_and_incidents(cast: Cast) -> None:
    key = private_key(cast.caseworker)
    target = opened_case(cast, community="southern_mongolian")
    source = opened_case(cast, community="uyghur", host_country="GB", host_region="")
    incident_create(
        actor=cast.caseworker,
        private_key=key,
        case=source,
        data=IncidentInput(description="x", tactics=["digital_attack"]),
    )
    case_merge(actor=cast.caseworker, private_key=key, target=target, source=source)
    assert _listed(cast, community="uyghur") == {target.reference}
    assert _listed(cast, tactic="digital_attack") == {target.reference}
    report = Report.objects.get(case_link__case=target, community="uyghur")
    split = case_split(actor=cast.caseworker, private_key=key, case=target, report=report)
    assert _listed(cast, community="uyghur") == {split.reference}
    assert _listed(cast, host_country="GB") == {split.reference}
    assert _listed(cast, community="southern_mongolian") == {target.reference}
    # The incident stayed with the case it was merged into.
    assert _listed(cast, tactic="digital_attack") == {target.reference}


def test_a_shredded_report_takes_its_codes_with_it(cast: Cast) -> None:
    key = private_key(cast.caseworker)
    case = opened_case(cast, community="southern_mongolian")
    other = opened_case(cast, community="uyghur")
    case_merge(actor=cast.caseworker, private_key=key, target=case, source=other)
    report_shred(report=Report.objects.get(community="uyghur"))
    assert _listed(cast, community="uyghur") == set()
    assert _listed(cast, community="southern_mongolian") == {case.reference}


def test_the_migration_fill_rebuilds_what_the_services_wrote(cast: Cast) -> None:
    key = private_key(cast.caseworker)
    case = opened_case(cast, tactics=["told_to_return", "relatives_threatened"], community="uyghur")
    incident_create(
        actor=cast.caseworker,
        private_key=key,
        case=case,
        data=IncidentInput(
            description="x", tactics=["digital_attack", "surveillance_physical"], host_country="DE"
        ),
    )
    opened_case(cast)
    written = _codes()
    assert len(written) > 5
    CaseCode.objects.all().delete()
    ids = list(Case.objects.values_list("pk", flat=True))
    rebuild_codes(case_ids=ids, code_model=CaseCode, incident_model=Incident, case_report_model=CaseReport)
    assert _codes() == written
    case_codes_refresh(case)
    assert _codes() == written

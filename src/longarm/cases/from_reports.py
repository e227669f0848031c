"""Opening a case from reports, and adding reports to a case, so that what the reporters said carries over:
an incident per report pre-filled from its coded answers (the date at its stated precision, actors,
channels, tactics, country and region) and the reporter's language. The identifiers they typed are not
copied: they are offered on the case page as suggestions a caseworker confirms
(:mod:`longarm.linking.suggestions`)."""

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction

from longarm.accounts.models import StaffUser
from longarm.cases.coding.services import IncidentInput, incident_create
from longarm.cases.exceptions import NotAllowed
from longarm.cases.keys import open_report_key
from longarm.cases.models import Case, CaseReport
from longarm.cases.services import case_add_report, case_open, reports_lock
from longarm.intake.models import KeyKind, Report
from longarm.intake.selectors import report_content
from longarm.taxonomy.vocabularies import analytic_tactics_for, vocabulary

# Most reports one case is opened from, or added to a case, at once (a page of the inbox is larger; a
# case of fifty reports is rare).
MAX_REPORTS = 50


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _codes(value: object, vocabulary_name: str) -> list[str]:
    """The codes of ``value`` that ``vocabulary_name`` still knows (a vocabulary may have changed since
    the report came)."""
    if not isinstance(value, list | tuple):
        return []
    known = vocabulary(vocabulary_name).codes()
    return sorted({code for code in value if isinstance(code, str) and code in known})


def incident_from_answers(content: Mapping[str, Any]) -> IncidentInput:
    """The incident a report's coded answers describe. The date keeps the reporter's precision (a year,
    a month or a day, and whether it is approximate); the reporter's tactics are mapped onto the analytic
    ones. The description is left empty: the reporter's words stay in the report."""
    raw_date = content.get("incident_date")
    date: Mapping[str, Any] = raw_date if isinstance(raw_date, Mapping) else {}
    year, month, day = _int(date.get("year")), _int(date.get("month")), _int(date.get("day"))
    if year is None:
        month = day = None
    elif month is None:
        day = None
    reporter_tactics = _codes(content.get("tactics"), "reporter_tactics")
    country = content.get("host_country")
    region = content.get("host_region")
    return IncidentInput(
        year=year,
        month=month,
        day=day,
        approximate=bool(date.get("approximate")),
        tactics=sorted(analytic_tactics_for(reporter_tactics)),
        channels=_codes(content.get("channels"), "channels"),
        actors=_codes(content.get("actor_types"), "actors"),
        host_country=country if isinstance(country, str) else "",
        host_region=region if isinstance(region, str) else "",
    )


def _content(actor: StaffUser, private_key: bytes, report: Report) -> dict[str, Any]:
    key = open_report_key(report=report, kind=KeyKind.DATA, staff=actor, private_key=private_key)
    return report_content(report=report, data_key=key)


def _carry_over(actor: StaffUser, private_key: bytes, case: Case, content: Mapping[str, Any]) -> None:
    incident_create(actor=actor, private_key=private_key, case=case, data=incident_from_answers(content))


@transaction.atomic
def case_open_from_reports(*, actor: StaffUser, private_key: bytes, reports: Sequence[Report]) -> Case:
    """Open one case grouping ``reports`` (each readable by ``actor``, none in a case yet): the first
    report opens it with its reporter's language, the others are added, and each report's coded answers
    become an incident. Raises ``NotAllowed`` for no reports, too many, or one already in a case, and
    ``NoAccess`` for a report whose key ``actor`` does not hold; nothing is written then."""
    if not reports or len(reports) > MAX_REPORTS:
        raise NotAllowed
    reports_lock(reports)
    contents = [_content(actor, private_key, report) for report in reports]
    language = next((str(item.get("language") or "") for item in contents if item.get("language")), "")
    case = case_open(actor=actor, private_key=private_key, report=reports[0], language=language)
    for report in reports[1:]:
        case_add_report(actor=actor, private_key=private_key, case=case, report=report)
    for content in contents:
        _carry_over(actor, private_key, case, content)
    return case


@transaction.atomic
def reports_add_to_case(
    *, actor: StaffUser, private_key: bytes, case: Case, reports: Sequence[Report]
) -> None:
    """Add ``reports`` to ``case`` (held by ``actor``), each with its incident. Raises as
    :func:`case_open_from_reports`, and ``NoAccess`` when ``actor`` does not hold the case."""
    if not reports or len(reports) > MAX_REPORTS:
        raise NotAllowed
    reports_lock(reports)
    if CaseReport.objects.filter(report__in=reports).exists():
        raise NotAllowed
    for report in reports:
        content = _content(actor, private_key, report)
        case_add_report(actor=actor, private_key=private_key, case=case, report=report)
        _carry_over(actor, private_key, case, content)

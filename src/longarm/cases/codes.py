"""The case list's index of coded values (``CaseCode``): tactics, host countries and communities of a
case's incidents and reports, one row each. Every service that changes them calls ``case_codes_refresh``."""

from collections.abc import Iterable, Iterator
from typing import Any

from longarm.cases.models import Case, CaseCode, CaseReport, CodeDimension, Incident
from longarm.taxonomy.vocabularies import vocabulary


def analytic_tactics(reporter_tactics: Iterable[str]) -> set[str]:
    """The analytic tactic codes that the reporter-facing ``reporter_tactics`` map onto."""
    mapped: set[str] = set()
    chosen = set(reporter_tactics)
    for entry in vocabulary("reporter_tactics").terms:
        if entry.code in chosen:
            mapped.update(entry.attributes.get("tactics") or ())  # type: ignore[arg-type]
    return mapped


def term(dimension: CodeDimension, code: str) -> str:
    return f"{dimension}:{code}"


def _rows(incidents: Iterable[Any], links: Iterable[Any], make: Any) -> Iterator[Any]:
    # Duck-typed over the rows so that the data migration can pass its historical models.
    for incident in incidents:
        for tactic in set(incident.tactics or ()):
            yield make(
                case_id=incident.case_id, incident_id=incident.pk, term=term(CodeDimension.TACTIC, tactic)
            )
        if incident.host_country:
            yield make(
                case_id=incident.case_id,
                incident_id=incident.pk,
                term=term(CodeDimension.HOST_COUNTRY, incident.host_country),
            )
    for link in links:
        report = link.report
        values = [(CodeDimension.TACTIC, tactic) for tactic in analytic_tactics(report.tactic_codes or ())]
        values += [
            (CodeDimension.HOST_COUNTRY, report.host_country),
            (CodeDimension.COMMUNITY, report.community),
        ]
        for dimension, code in values:
            if code:
                yield make(case_id=link.case_id, report_id=report.pk, term=term(dimension, code))


def rebuild_codes(
    *, case_ids: list[int], code_model: Any, incident_model: Any, case_report_model: Any
) -> None:
    """Replace the codes of ``case_ids``. Takes the models so that a migration can pass its own."""
    code_model.objects.filter(case_id__in=case_ids).delete()
    incidents = incident_model.objects.filter(case_id__in=case_ids).only("case_id", "tactics", "host_country")
    links = (
        case_report_model.objects.filter(case_id__in=case_ids)
        .select_related("report")
        .only("case_id", "report__tactic_codes", "report__host_country", "report__community")
    )
    code_model.objects.bulk_create(_rows(incidents, links, code_model), batch_size=2000)


def case_codes_refresh(*cases: Case) -> None:
    """Bring the coded values of ``cases`` up to date; call inside the transaction that changed them."""
    rebuild_codes(
        case_ids=[case.pk for case in cases],
        code_model=CaseCode,
        incident_model=Incident,
        case_report_model=CaseReport,
    )

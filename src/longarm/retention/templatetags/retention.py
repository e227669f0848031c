"""The retention line on report and case pages: when it will be shredded, and a link to postpone it."""

from typing import Any

from django import template

from longarm.cases.models import Case
from longarm.intake.models import Report
from longarm.retention.selectors import case_retention, report_retention

register = template.Library()


@register.inclusion_tag("retention/_line.html")
def report_retention_line(report: Report, in_case: Any) -> dict[str, Any]:
    grouped = bool(in_case and (in_case.case or in_case.grouped))
    return {"outlook": report_retention(report=report, in_case=grouped), "report": report, "case": None}


@register.inclusion_tag("retention/_line.html")
def case_retention_line(case: Case) -> dict[str, Any]:
    return {"outlook": case_retention(case=case), "report": None, "case": case}

"""When a report or a case will be shredded, and why (reads only)."""

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from django.conf import settings
from django.utils import timezone

from longarm.cases.models import Case
from longarm.intake.models import Report
from longarm.retention.models import RetentionHold


class Outlook(StrEnum):
    SCHEDULED = "scheduled"  # shredded on ``shred_on`` (or at the next run after it, if already past)
    NO_PERIOD = "no_period"  # its status has no retention period: kept until the status changes
    IN_CASE = "in_case"  # a report in a case goes with its case
    DO_NOT_REMOVE = "do_not_remove"  # a case flagged "do not remove" is never shredded


@dataclass(frozen=True)
class RetentionOutlook:
    outlook: Outlook
    status: str
    period_days: int
    shred_on: date | None
    hold: RetentionHold | None


def _scheduled(start: date, days: int, hold: RetentionHold | None, status: str) -> RetentionOutlook:
    if days <= 0:
        return RetentionOutlook(Outlook.NO_PERIOD, status, 0, None, hold)
    due = start + timedelta(days=days)
    if hold is not None:
        due = max(due, hold.until + timedelta(days=1))
    return RetentionOutlook(Outlook.SCHEDULED, status, days, due, hold)


def current_hold(holds: list[RetentionHold], *, today: date | None = None) -> RetentionHold | None:
    """The hold reaching furthest ahead that has not run out (``holds`` as prefetched or queried)."""
    today = today or timezone.now().date()
    live = [hold for hold in holds if hold.until >= today]
    return max(live, key=lambda hold: hold.until) if live else None


def report_retention(*, report: Report, in_case: bool) -> RetentionOutlook:
    if in_case:
        return RetentionOutlook(Outlook.IN_CASE, report.status, 0, None, None)
    hold = current_hold(list(report.retention_holds.all()))
    days = settings.LONGARM_RETENTION_DAYS["report"].get(report.status, 0)
    return _scheduled(report.received_on, days, hold, report.status)


def case_retention(*, case: Case) -> RetentionOutlook:
    hold = current_hold(list(case.retention_holds.all()))
    if case.do_not_remove:
        return RetentionOutlook(Outlook.DO_NOT_REMOVE, case.status, 0, None, hold)
    days = settings.LONGARM_RETENTION_DAYS["case"].get(case.status, 0)
    return _scheduled(case.status_changed_on, days, hold, case.status)


def hold_history(*, report: Report | None = None, case: Case | None = None) -> list[RetentionHold]:
    holds = RetentionHold.objects.select_related("created_by")
    return list(holds.filter(report=report) if report is not None else holds.filter(case=case))

"""What a digest counts: only numbers, from rows the staff member already holds keys to."""

from dataclasses import dataclass

from django.db.models import OuterRef, Subquery

from longarm.accounts.models import StaffUser
from longarm.intake.models import KeyKind, Message, MessageAuthor, Report, ReportStatus


@dataclass(frozen=True)
class Waiting:
    new_reports: int
    reporter_answers: int


def waiting_for(staff: StaffUser) -> Waiting:
    held = Report.objects.filter(sealed_keys__staff=staff, sealed_keys__kind=KeyKind.DATA).distinct()
    last_author = Subquery(
        Message.objects.filter(report=OuterRef("pk")).order_by("-position").values("author_kind")[:1]
    )
    open_reports = held.exclude(status=ReportStatus.CLOSED)
    return Waiting(
        new_reports=held.filter(status=ReportStatus.RECEIVED).count(),
        reporter_answers=open_reports.annotate(last_author=last_author)
        .filter(last_author=MessageAuthor.REPORTER)
        .count(),
    )

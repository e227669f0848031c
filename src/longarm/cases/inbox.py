"""The inbox as a work queue: who wrote last, what the reader has not seen, which reports are already in a
case and who holds that case, one page at a time."""

from collections import defaultdict
from dataclasses import dataclass

from django import forms
from django.core.paginator import Page
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from longarm.accounts.models import StaffUser
from longarm.cases.models import Assignment, CaseKey, CaseKeyKind, CaseReport
from longarm.cases.paging import BoundedPaginator, SegmentedPaginator, serial_reads
from longarm.intake.models import Report, ReportStatus
from longarm.intake.selectors import inbox_for_staff, waiting_segments
from longarm.linking.report_links import report_links

PAGE_SIZE = 50
# The report's columns the inbox shows; its ciphertext stays in the database.
_LISTED = (
    "public_id",
    "received_on",
    "status",
    "intake_channel",
    "consent",
    "statistics_consent",
    "urgency",
    "community",
    "host_country",
    "host_region",
    "tactic_codes",
    "language",
)


class InboxOrder:
    URGENCY = "urgency"
    WAITING = "waiting"


class InboxForm(forms.Form):
    order = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[
            (InboxOrder.URGENCY, _("Most urgent first")),
            (InboxOrder.WAITING, _("Waiting for us first (the reporter wrote last)")),
        ],
    )
    unfiled = forms.BooleanField(label=_("Only reports not yet in a case"), required=False)

    def waiting_first(self) -> bool:
        return self.is_valid() and self.cleaned_data["order"] == InboxOrder.WAITING

    def only_unfiled(self) -> bool:
        return self.is_valid() and bool(self.cleaned_data["unfiled"])


@dataclass(frozen=True)
class InboxCase:
    """The case a listed report is in, as far as the reader may know."""

    reference: str = ""
    public_id: str = ""
    assignees: tuple[str, ...] = ()
    # In a case whose key the reader does not hold: neither its reference nor its people are shown.
    hidden: bool = False


def inbox_queryset(*, user: StaffUser, form: InboxForm) -> QuerySet[Report]:
    """The reports the inbox lists, in the inbox order (most urgent and newest first)."""
    reports = inbox_for_staff(user=user)
    if form.only_unfiled():
        # NOT EXISTS, not a LEFT JOIN on the link: PostgreSQL plans the join as a hash over every report
        # and every link before sorting (half a second at 100k reports); the anti-join walks the inbox
        # order and stops after the page.
        reports = reports.filter(~Exists(CaseReport.objects.filter(report=OuterRef("pk"))))
    return reports.only(*_LISTED)


def inbox_paginator(*, user: StaffUser, form: InboxForm, number: str | None) -> BoundedPaginator:
    """Pages of the inbox in the order the reader chose: "waiting for us" first is four consecutive parts
    (``waiting_segments``), each walking an index."""
    reports = inbox_queryset(user=user, form=form)
    if form.waiting_first():
        segments = waiting_segments(reports=reports, user=user)
        return SegmentedPaginator(reports, segments, PAGE_SIZE, number=number)
    return BoundedPaginator(reports, PAGE_SIZE, number=number)


def inbox_page(*, user: StaffUser, form: InboxForm, number: str | None) -> Page[Report]:
    """One page of the reader's inbox, each report with ``case`` (an ``InboxCase`` or None), ``links`` (what
    it shares with other reports and cases) and ``status_label``."""
    with serial_reads():
        paginator = inbox_paginator(user=user, form=form, number=number)
        page = paginator.get_page(number)
        reports: list[Report] = list(page.object_list)
        cases = _cases_of(user=user, reports=reports)
        links = report_links(reports=reports, user=user)
    statuses = {value: str(label) for value, label in ReportStatus.choices}
    for report in reports:
        report.case = cases.get(report.pk)  # type: ignore[attr-defined]
        report.links = links.get(report.pk)  # type: ignore[attr-defined]
        report.status_label = (  # type: ignore[attr-defined]
            str(WAITING_LABEL) if getattr(report, "waiting", False) else statuses[report.status]
        )
    page.object_list = reports
    return page


WAITING_LABEL = _("The reporter wrote: waiting for our answer")


def _cases_of(*, user: StaffUser, reports: list[Report]) -> dict[int, InboxCase]:
    """The case of each report in a case: three queries for a page, whatever its length."""
    links = list(CaseReport.objects.filter(report__in=reports).select_related("case"))
    held = set(
        CaseKey.objects.filter(
            case__in=[link.case_id for link in links], kind=CaseKeyKind.DATA, staff=user
        ).values_list("case_id", flat=True)
    )
    assignees: dict[int, list[str]] = defaultdict(list)
    for case_id, username in (
        Assignment.objects.filter(case__in=held)
        .order_by("staff__username")
        .values_list("case_id", "staff__username")
    ):
        assignees[case_id].append(username)
    return {
        link.report_id: (
            InboxCase(
                reference=link.case.reference,
                public_id=str(link.case.public_id),
                assignees=tuple(assignees[link.case_id]),
            )
            if link.case_id in held
            else InboxCase(hidden=True)
        )
        for link in links
    }

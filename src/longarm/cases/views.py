from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from longarm.accounts.access import acting_staff, staff_view
from longarm.accounts.administration import Change, staff_change, two_person_rule
from longarm.accounts.exceptions import ChangeRefused
from longarm.accounts.models import CONTENT_ROLES, ProposalKind, Role, StaffUser
from longarm.accounts.selectors import (
    LISTED_AT_MOST,
    cases_without_active_holder,
    proposals_waiting,
    reports_without_active_reader,
    second_person_exists,
)
from longarm.accounts.services import staff_private_key
from longarm.audit.alerts import ALERT_DAYS
from longarm.audit.selectors import audit_alerts
from longarm.cases.casework.forms import ReportSelectionForm
from longarm.cases.disclosure.views import report_identity_panel
from longarm.cases.forms import ReceivesReportsForm, ReplyForm, UrgencyForm
from longarm.cases.inbox import WAITING_LABEL, InboxForm, inbox_page
from longarm.cases.selectors import report_case_for_user, report_urgency_why
from longarm.cases.services import report_set_urgency
from longarm.core.confirm import confirmation_page, is_confirmed
from longarm.core.keyring import current_keyring
from longarm.evidence.package import public_key_of
from longarm.evidence.views import staff_panel_context
from longarm.intake.models import Report, Urgency
from longarm.intake.selectors import (
    report_content,
    report_for_staff,
    report_thread,
    staff_data_key,
)
from longarm.intake.services import message_post, report_record_read
from longarm.linking.report_links import reports_sharing

READERS = (Role.CASEWORKER, Role.INVESTIGATOR)


@staff_view(*Role)
def home(request: HttpRequest) -> HttpResponse:
    role = acting_staff(request).role
    if role in READERS:
        return redirect("cases:inbox")
    if role == Role.ADMIN:
        return redirect("cases:staff_list")
    if role == Role.CUSTODIAN:
        # A custodian's work is the requests waiting for them: their home is that queue.
        return redirect("cases:disclosure_queue")
    if role == Role.OPERATOR:
        # An operator's work is the calls: the hotline page, with the open reports they took.
        return redirect("cases:hotline")
    return redirect("analytics:dashboard")


@staff_view(*READERS)
def inbox(request: HttpRequest) -> HttpResponse:
    form = InboxForm(request.GET or None)
    page = inbox_page(user=acting_staff(request), form=form, number=request.GET.get("page"))
    return render(
        request,
        "cases/inbox.html",
        {"page": page, "reports": page.object_list, "form": form, "selection": ReportSelectionForm()},
    )


@staff_view(*READERS)
@require_http_methods(["GET", "POST"])
def report_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    user = acting_staff(request)
    report, sealed = report_for_staff(user=user, public_id=public_id)
    data_key = staff_data_key(sealed=sealed, private_key=staff_private_key(request))
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        message_post(report=report, data_key=data_key, text=form.cleaned_data["text"], author=user)
        messages.success(
            request, _("Your reply was sent. The reporter sees it when they next open their report.")
        )
        return redirect("cases:report", public_id=report.public_id)
    return _report_page(request, report, data_key, reply_form=form)


def _report_page(
    request: HttpRequest,
    report: Report,
    data_key: bytes,
    *,
    reply_form: ReplyForm,
    urgency_form: UrgencyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The report page, with the reply and urgency forms as they were posted when one was refused."""
    user = acting_staff(request)
    seen_up_to = report_record_read(report=report, staff=user)
    thread = report_thread(report=report, data_key=data_key, seen_up_to=seen_up_to)
    content = report_content(report=report, data_key=data_key)
    return render(
        request,
        "cases/report.html",
        {
            "report": report,
            "content": content,
            "urgency_why": report_urgency_why(
                report=report, tactics=content.get("tactics", ()), data_key=data_key
            ),
            "urgency_form": urgency_form or UrgencyForm(initial={"urgency": report.urgency}),
            "thread": thread,
            "unread_count": sum(message.new for message in thread),
            "waiting_label": WAITING_LABEL,
            "form": reply_form,
            "disclosure": report_identity_panel(request, report),
            "in_case": report_case_for_user(user=user, report_id=report.pk),
            "links": reports_sharing(report=report, user=user),
            **staff_panel_context(request=request, user=user, report=report, data_key=data_key),
        },
        status=status,
    )


@staff_view(*READERS)
@require_POST
def report_urgency(request: HttpRequest, public_id: UUID) -> HttpResponse:
    user = acting_staff(request)
    report, sealed = report_for_staff(user=user, public_id=public_id)
    form = UrgencyForm(request.POST)
    if not form.is_valid():
        # The page again, with what was chosen and typed kept and the error beside the field.
        data_key = staff_data_key(sealed=sealed, private_key=staff_private_key(request))
        return _report_page(request, report, data_key, reply_form=ReplyForm(), urgency_form=form, status=400)
    urgency = Urgency(form.cleaned_data["urgency"])
    if not is_confirmed(request):
        return confirmation_page(
            request,
            title=_("Change the urgency of report %(reference)s?") % {"reference": report.reference},
            consequence=_("It becomes “%(urgency)s” for everyone who holds it, with your name and reason.")
            % {"urgency": urgency.label},
            cancel_url=reverse("cases:report", args=[public_id]),
        )
    data_key = staff_data_key(sealed=sealed, private_key=staff_private_key(request))
    report_set_urgency(
        actor=user, report=report, data_key=data_key, urgency=urgency, reason=form.cleaned_data["reason"]
    )
    messages.success(request, _("The urgency was changed."))
    return redirect("cases:report", public_id=public_id)


@staff_view(Role.ADMIN)
def staff_list(request: HttpRequest) -> HttpResponse:
    staff = StaffUser.objects.order_by("role", "username")
    cases, reports = cases_without_active_holder(), reports_without_active_reader()
    return render(
        request,
        "cases/staff_list.html",
        {
            "staff": staff,
            "content_roles": CONTENT_ROLES,
            "signing_public_key": public_key_of(current_keyring().signing_seed),
            "unheld_cases": cases.values_list("reference", flat=True)[:LISTED_AT_MOST],
            "unheld_case_count": cases.count(),
            "unheld_reports": [report.reference for report in reports.only("public_id")[:LISTED_AT_MOST]],
            "unheld_report_count": reports.count(),
            "alerts": audit_alerts(),
            "alert_days": ALERT_DAYS,
            "two_person_rule": two_person_rule(),
            "alone": two_person_rule() and not second_person_exists(user=acting_staff(request)),
            "waiting_for": {proposal.staff_id for proposal in proposals_waiting(user=acting_staff(request))},
        },
    )


@staff_view(Role.ADMIN)
@require_POST
def staff_receives_reports(request: HttpRequest, staff_id: int) -> HttpResponse:
    member = get_object_or_404(StaffUser, pk=staff_id)
    form = ReceivesReportsForm(request.POST)
    if form.is_valid():
        change = Change(kind=ProposalKind.ROUTING, staff=member, receives=form.cleaned_data["receives"])
        try:
            outcome = staff_change(actor=acting_staff(request), change=change)
        except ChangeRefused as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Proposed: it takes effect when a second administrator approves it.")
                if outcome.waiting
                else _("Saved."),
            )
    return redirect("cases:staff_list")

"""Acting on several reports from the inbox: one case opened from the ticked reports, or the ticked reports
added to a case the reader holds. Each is a POST that first answers with a confirmation page listing what
will happen; only the confirmed POST writes (audited by the services)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from longarm.accounts.access import acting_staff, staff_view
from longarm.accounts.models import Role, StaffUser
from longarm.accounts.services import staff_private_key
from longarm.cases.casework.forms import ReportSelectionForm
from longarm.cases.exceptions import NoAccess, NotAllowed
from longarm.cases.from_reports import case_open_from_reports, reports_add_to_case
from longarm.cases.models import Case, CaseKeyKind, CaseReport
from longarm.core.confirm import confirm_box_context, is_confirmed
from longarm.intake.models import Report
from longarm.intake.selectors import report_for_staff

MEMBERS = (Role.CASEWORKER, Role.INVESTIGATOR)


def _ticked(user: StaffUser, form: ReportSelectionForm) -> list[Report]:
    """The ticked reports, each sealed to ``user`` (404 otherwise), in the order ticked."""
    return [report_for_staff(user=user, public_id=public_id)[0] for public_id in form.cleaned_data["reports"]]


def _held_case(user: StaffUser, reference: str) -> Case | None:
    return Case.objects.filter(
        reference=reference.strip().upper(), keys__kind=CaseKeyKind.DATA, keys__staff=user
    ).first()


def _confirm(
    request: HttpRequest, form: ReportSelectionForm, reports: list[Report], **extra: object
) -> HttpResponse:
    """What will happen, and the same box to tick as every other confirmation (``core.confirm``): a crawler
    that submits the page's form as it finds it does not tick it."""
    context = {"form": form, "reports": reports, **confirm_box_context(reverse("cases:inbox")), **extra}
    return render(request, "cases/reports_confirm.html", context)


def _selection(
    request: HttpRequest, user: StaffUser
) -> tuple[ReportSelectionForm, list[Report]] | HttpResponse:
    """The ticked reports the user holds, or the way back to the inbox with the form's errors."""
    form = ReportSelectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
        return redirect("cases:inbox")
    return form, _ticked(user, form)


@staff_view(*MEMBERS)
@require_POST
def reports_open_case(request: HttpRequest) -> HttpResponse:
    user = acting_staff(request)
    selection = _selection(request, user)
    if isinstance(selection, HttpResponse):
        return selection
    form, reports = selection
    grouped = set(CaseReport.objects.filter(report__in=reports).values_list("report_id", flat=True))
    if grouped:
        messages.error(request, _("A ticked report is already in a case: add it from its case instead."))
        return redirect("cases:inbox")
    if not is_confirmed(request):
        return _confirm(request, form, reports, action="open")
    try:
        case = case_open_from_reports(actor=user, private_key=staff_private_key(request), reports=reports)
    except (NotAllowed, NoAccess):
        messages.error(request, _("The case was not opened: a report is already in a case."))
        return redirect("cases:inbox")
    messages.success(request, _("Case %(reference)s was opened.") % {"reference": case.reference})
    return redirect("cases:case", case_id=case.public_id)


@staff_view(*MEMBERS)
@require_POST
def reports_add_to_case_view(request: HttpRequest) -> HttpResponse:
    user = acting_staff(request)
    selection = _selection(request, user)
    if isinstance(selection, HttpResponse):
        return selection
    form, reports = selection
    case = _held_case(user, form.cleaned_data["case"])
    if case is None:
        messages.error(request, _("No case with that reference is shared with you."))
        return redirect("cases:inbox")
    if not is_confirmed(request):
        return _confirm(request, form, reports, action="add", case=case)
    try:
        reports_add_to_case(actor=user, private_key=staff_private_key(request), case=case, reports=reports)
    except (NotAllowed, NoAccess):
        messages.error(request, _("Nothing was added: a ticked report is already in a case."))
        return redirect("cases:inbox")
    messages.success(
        request,
        ngettext(
            "%(count)d report was added to case %(reference)s.",
            "%(count)d reports were added to case %(reference)s.",
            len(reports),
        )
        % {"count": len(reports), "reference": case.reference},
    )
    return redirect("cases:case", case_id=case.public_id)

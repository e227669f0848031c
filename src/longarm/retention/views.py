from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from longarm.accounts.access import acting_staff, staff_view
from longarm.accounts.models import Role
from longarm.cases.models import Case, CaseReport
from longarm.cases.selectors import case_for_user
from longarm.intake.models import Report
from longarm.intake.selectors import report_for_staff
from longarm.retention.exceptions import HoldRefused
from longarm.retention.forms import PostponeForm
from longarm.retention.selectors import case_retention, hold_history, report_retention
from longarm.retention.services import retention_postpone

HOLDERS = (Role.CASEWORKER, Role.INVESTIGATOR)


def _postpone(
    request: HttpRequest, *, report: Report | None, case: Case | None, back: HttpResponse
) -> HttpResponse:
    form = PostponeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            retention_postpone(actor=acting_staff(request), report=report, case=case, **form.cleaned_data)
        except HoldRefused:
            form.add_error(
                None, _("This cannot be held: a report in a case is kept or shredded with its case.")
            )
        else:
            messages.success(request, _("Shredding was postponed. The reason is in the audit log."))
            return back
    if report is not None:
        in_case = CaseReport.objects.filter(report=report).exists()
        outlook = report_retention(report=report, in_case=in_case)
    else:
        outlook = case_retention(case=case)  # type: ignore[arg-type]
    return render(
        request,
        "retention/postpone.html",
        {
            "report": report,
            "case": case,
            "outlook": outlook,
            "holds": hold_history(report=report, case=case),
            "form": form,
        },
    )


@staff_view(*HOLDERS)
@require_http_methods(["GET", "POST"])
def report_postpone(request: HttpRequest, public_id: UUID) -> HttpResponse:
    report, _sealed = report_for_staff(user=acting_staff(request), public_id=public_id)
    back = redirect("cases:report", public_id=report.public_id)
    return _postpone(request, report=report, case=None, back=back)


@staff_view(*HOLDERS)
@require_http_methods(["GET", "POST"])
def case_postpone(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case = case_for_user(user=acting_staff(request), public_id=case_id)
    return _postpone(request, report=None, case=case, back=redirect("cases:case", case_id=case.public_id))

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from longarm.accounts.access import acting_staff, staff_view
from longarm.accounts.models import Role
from longarm.accounts.services import staff_private_key
from longarm.cases.hotline.forms import FollowUpForm, HotlineReportForm
from longarm.cases.hotline.selectors import entered_report_for_operator, report_calls, reports_entered_by
from longarm.cases.hotline.services import hotline_follow_up, hotline_record_read
from longarm.crypto.receipts import group_receipt
from longarm.intake.models import IntakeChannel, ReportStatus
from longarm.intake.selectors import report_content, report_thread, staff_data_key
from longarm.intake.services import report_submit
from longarm.intake.submission_tokens import submission_token_remember, submission_token_used


@staff_view(Role.OPERATOR)
def hotline(request: HttpRequest) -> HttpResponse:
    reports = reports_entered_by(operator=acting_staff(request))[:200]
    return render(request, "cases/hotline/list.html", {"reports": reports})


@staff_view(Role.OPERATOR)
@never_cache
@require_http_methods(["GET", "POST"])
def hotline_new(request: HttpRequest) -> HttpResponse:
    form = HotlineReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["submission_token"]
        if submission_token_used(request, token):
            return render(request, "cases/hotline/already_entered.html", status=409)
        language = form.cleaned_data["caller_language"]
        consent, statistics_consent = form.consent_and_statistics()
        submission = report_submit(
            answers=form.answers(),
            consent=consent,
            statistics_consent=statistics_consent,
            # The caller's language, to answer them in; never the operator's console language.
            language=language,
            intake_channel=IntakeChannel.HOTLINE,
            operator=acting_staff(request),
            call={**form.call_details(), "date": timezone.now().date().isoformat(), "language": language},
        )
        submission_token_remember(request, token)
        # The receipt exists only in this response: the operator reads it back and it is gone.
        context = {"report": submission.report, "groups": group_receipt(submission.receipt)}
        return render(request, "cases/hotline/receipt.html", context)
    return render(request, "cases/hotline/form.html", {"form": form})


@staff_view(Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def hotline_report(request: HttpRequest, public_id: UUID) -> HttpResponse:
    operator = acting_staff(request)
    report, sealed = entered_report_for_operator(operator=operator, public_id=public_id)
    data_key = staff_data_key(sealed=sealed, private_key=staff_private_key(request))
    is_open = report.status != ReportStatus.CLOSED
    form = FollowUpForm(request.POST or None)
    if request.method == "POST" and is_open and form.is_valid():
        hotline_follow_up(
            operator=operator,
            report=report,
            data_key=data_key,
            text=form.cleaned_data["text"],
            call=form.call_details(),
        )
        messages.success(request, _("What the caller added is in the report; caseworkers see it as new."))
        return redirect("cases:hotline_report", public_id=public_id)
    hotline_record_read(operator=operator, report=report)
    context = {
        "report": report,
        "content": report_content(report=report, data_key=data_key),
        "calls": report_calls(report=report, data_key=data_key),
        # While the report is open the operator reads caseworkers' replies out to a caller who phones.
        "thread": report_thread(report=report, data_key=data_key) if is_open else None,
        "form": form if is_open else None,
    }
    return render(request, "cases/hotline/report.html", context)

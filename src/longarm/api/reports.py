"""Reports sealed to the caller: list, content and messages. Every read of content is audited."""

from uuid import UUID

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from longarm.api.auth import principal_of, scoped
from longarm.api.paging import limit_param, offset_param, page_of
from longarm.api.schemas import (
    ERRORS,
    MessageIn,
    MessageOut,
    MessagePage,
    ReportDetail,
    ReportPage,
    ReportSummary,
)
from longarm.api.scopes import Access, Resource, Scope
from longarm.intake.models import Report, ReportStatus, Urgency
from longarm.intake.selectors import (
    inbox_for_staff,
    report_content,
    report_for_staff,
    report_thread,
    staff_data_key,
)
from longarm.intake.services import message_post, report_record_read

router = Router(tags=["reports"])


def _summary(report: Report) -> ReportSummary:
    return ReportSummary(
        public_id=report.public_id,
        reference=report.reference,
        received_on=report.received_on,
        status=report.status,
        urgency=report.urgency,
        consent=report.consent,
        intake_channel=report.intake_channel,
        community=report.community,
        host_country=report.host_country,
        tactic_codes=list(report.tactic_codes),
    )


@router.get("", response={200: ReportPage, **ERRORS}, **scoped(Scope(Resource.REPORTS, Access.READ)))
def report_list(
    request: HttpRequest,
    urgency: Urgency | None = None,
    status: ReportStatus | None = None,
    limit: int = limit_param(),
    offset: int = offset_param(),
) -> ReportPage:
    """Reports whose content key is sealed to you, most urgent and newest first. Coded fields only."""
    reports = inbox_for_staff(user=principal_of(request).user)
    if urgency is not None:
        reports = reports.filter(urgency=urgency)
    if status is not None:
        reports = reports.filter(status=status)
    items, page = page_of(request, reports, limit=limit, offset=offset)
    return ReportPage(results=[_summary(report) for report in items], **page)


@router.get(
    "/{public_id}", response={200: ReportDetail, **ERRORS}, **scoped(Scope(Resource.REPORTS, Access.READ))
)
def report_detail(request: HttpRequest, public_id: UUID) -> ReportDetail:
    """The report with its decrypted answers (never the reporter's identity fields). Audited."""
    principal = principal_of(request)
    report, sealed = report_for_staff(user=principal.user, public_id=public_id)
    answers = report_content(
        report=report, data_key=staff_data_key(sealed=sealed, private_key=principal.private_key)
    )
    report_record_read(report=report, staff=principal.user)
    return ReportDetail(**_summary(report).dict(), answers=answers)


@router.get(
    "/{public_id}/messages",
    response={200: MessagePage, **ERRORS},
    **scoped(Scope(Resource.MESSAGES, Access.READ)),
)
def message_list(
    request: HttpRequest, public_id: UUID, limit: int = limit_param(), offset: int = offset_param()
) -> MessagePage:
    """The thread with the reporter, decrypted. Audited as a read of the report."""
    principal = principal_of(request)
    report, sealed = report_for_staff(user=principal.user, public_id=public_id)
    thread = report_thread(
        report=report, data_key=staff_data_key(sealed=sealed, private_key=principal.private_key)
    )
    report_record_read(report=report, staff=principal.user)
    items, page = page_of(request, thread, limit=limit, offset=offset)
    return MessagePage(
        results=[
            MessageOut(author_kind=item.author_kind, created_at=item.created_at, text=item.text)
            for item in items
        ],
        **page,
    )


@router.post(
    "/{public_id}/messages",
    response={201: MessageOut, **ERRORS},
    **scoped(Scope(Resource.MESSAGES, Access.WRITE)),
)
def message_create(request: HttpRequest, public_id: UUID, payload: MessageIn) -> Status[MessageOut]:
    """Reply to the reporter; they see it when they next open their report."""
    principal = principal_of(request)
    report, sealed = report_for_staff(user=principal.user, public_id=public_id)
    message = message_post(
        report=report,
        data_key=staff_data_key(sealed=sealed, private_key=principal.private_key),
        text=payload.text,
        author=principal.user,
    )
    return Status(
        201, MessageOut(author_kind=message.author_kind, created_at=message.created_at, text=payload.text)
    )

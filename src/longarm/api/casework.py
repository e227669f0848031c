"""Writing cases through the API: open one from reports, change its status, triage and summary, add a note.
The console's forms check the values and its services do the work, each audited as in the console; a
request changes everything it asks for or nothing."""

from typing import Any
from uuid import UUID

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.responses import Status

from longarm.api.auth import principal_of, scoped
from longarm.api.cases import case_summary_out
from longarm.api.cases import router as cases_router
from longarm.api.errors import InvalidInput, validated
from longarm.api.schemas import (
    ERRORS,
    CaseChangeIn,
    CaseDetail,
    CaseOpenIn,
    CaseSummary,
    NoteIn,
    NoteOut,
)
from longarm.api.scopes import Access, Resource, Scope
from longarm.cases.casework.forms import NoteForm, StatusForm, SummaryForm, TriageForm
from longarm.cases.exceptions import NoAccess, NotAllowed
from longarm.cases.from_reports import case_open_from_reports
from longarm.cases.models import Case, CaseStatus
from longarm.cases.selectors import case_for_user
from longarm.cases.services import case_change_status, case_edit_summary, case_triage, note_add
from longarm.intake.selectors import report_for_staff

# On the router of the reads: ninja serves one path from one router, every method of it.
router = cases_router
WRITE = Scope(Resource.CASES, Access.WRITE)
_TRIAGE = ("urgency", "due_on", "do_not_remove")


@router.post("", response={201: CaseDetail, **ERRORS}, **scoped(WRITE))
def case_create(request: HttpRequest, payload: CaseOpenIn) -> Status[CaseDetail]:
    """Open a case from reports sealed to you that are in no case yet (as the inbox does): the first
    report's language is the case's, and each report's coded answers become an incident. Audited."""
    principal = principal_of(request)
    reports = [
        report_for_staff(user=principal.user, public_id=public_id)[0]
        for public_id in dict.fromkeys(payload.report_ids)
    ]
    try:
        case = case_open_from_reports(
            actor=principal.user, private_key=principal.private_key, reports=reports
        )
    except NotAllowed as error:
        raise InvalidInput.of("report_ids", _("A report chosen is already in a case.")) from error
    except NoAccess as error:
        raise HttpError(403, _("You do not hold the key of a report chosen.")) from error
    return Status(
        201,
        CaseDetail(
            **case_summary_out(case).dict(), summary="", report_ids=[report.public_id for report in reports]
        ),
    )


def _forms(case: Case, given: dict[str, Any]) -> list[tuple[str, Any]]:
    """The console's form for each part of the case the request changes, each checked before anything is
    written."""
    checked: list[tuple[str, Any]] = []
    if "status" in given:
        checked.append(("status", validated(StatusForm({"status": given["status"]}, case=case))))
    if any(name in given for name in _TRIAGE):
        triage = {"urgency": case.urgency, "due_on": case.due_on, "do_not_remove": case.do_not_remove}
        triage.update({name: given[name] for name in _TRIAGE if name in given})
        checked.append(("triage", validated(TriageForm(triage))))
    if "summary" in given:
        checked.append(("summary", validated(SummaryForm({"summary": given["summary"] or ""}))))
    if not checked:
        raise InvalidInput.of("__all__", _("Send at least one field to change."))
    return checked


@router.patch("/{public_id}", response={200: CaseSummary, **ERRORS}, **scoped(WRITE))
def case_change(request: HttpRequest, public_id: UUID, payload: CaseChangeIn) -> CaseSummary:
    """Change the status (along the workflow), the triage (urgency, due date, "do not remove") or the
    summary of a case you hold; only the fields sent. Each change is audited as in the console."""
    principal = principal_of(request)
    user = principal.user
    case = case_for_user(user=user, public_id=public_id)
    given = {name: getattr(payload, name) for name in payload.model_fields_set}
    with transaction.atomic():
        for part, form in _forms(case, given):
            data = form.cleaned_data
            if part == "status":
                case_change_status(actor=user, case=case, status=CaseStatus(data["status"]))
            elif part == "triage":
                case_triage(actor=user, case=case, **data)
            else:
                case_edit_summary(
                    actor=user, private_key=principal.private_key, case=case, summary=data["summary"]
                )
    return case_summary_out(case)


@router.post("/{public_id}/notes", response={201: NoteOut, **ERRORS}, **scoped(WRITE))
def case_note_create(request: HttpRequest, public_id: UUID, payload: NoteIn) -> Status[NoteOut]:
    """Add a note to a case you hold, encrypted under the case data key. Audited."""
    principal = principal_of(request)
    case = case_for_user(user=principal.user, public_id=public_id)
    text = validated(NoteForm({"text": payload.text})).cleaned_data["text"]
    note = note_add(actor=principal.user, private_key=principal.private_key, case=case, text=text)
    return Status(201, NoteOut(public_id=note.public_id, created_at=note.created_at, text=text))

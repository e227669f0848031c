from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from longarm.accounts.access import acting_staff, staff_view
from longarm.accounts.models import Role, StaffUser
from longarm.accounts.services import staff_private_key
from longarm.cases.casefile import case_file_open
from longarm.cases.casework.forms import (
    CaseFilterForm,
    GrantForm,
    MergeForm,
    NoteForm,
    StatusForm,
    SummaryForm,
    TriageForm,
)
from longarm.cases.coding.forms import IdentifierForm
from longarm.cases.exceptions import InvalidTransition, NoAccess, NotAllowed
from longarm.cases.from_reports import case_open_from_reports
from longarm.cases.merge import case_merge, case_split
from longarm.cases.models import Case, CaseReport, CaseStatus
from longarm.cases.paging import BoundedPaginator, serial_reads
from longarm.cases.search import case_search
from longarm.cases.search_index import SearchIndexBuilding, session_search_holder
from longarm.cases.selectors import (
    case_for_user,
    case_list,
    cases_for_user,
    colleagues_for_grant,
    critical_open_count,
    with_report_counts,
)
from longarm.cases.services import (
    case_change_status,
    case_edit_summary,
    case_grant,
    case_record_search,
    case_revoke,
    case_triage,
    note_add,
)
from longarm.core.confirm import confirmation_page, is_confirmed
from longarm.intake.models import Urgency
from longarm.intake.selectors import report_for_staff
from longarm.linking.suggestions import case_suggestions

MEMBERS = (Role.CASEWORKER, Role.INVESTIGATOR)
PAGE_SIZE = 50


def _back(case_id: UUID) -> HttpResponse:
    return redirect("cases:case", case_id=case_id)


def _labelled(cases: list[Case]) -> list[Case]:
    """Each case with ``status_label`` and ``urgency_label``, translated once per page rather than by
    ``get_FOO_display``, which translates every choice on every call."""
    statuses = {value: str(label) for value, label in CaseStatus.choices}
    urgencies = {value: str(label) for value, label in Urgency.choices}
    for case in cases:
        case.status_label = statuses.get(case.status, case.status)  # type: ignore[attr-defined]
        case.urgency_label = urgencies.get(case.urgency, case.urgency)  # type: ignore[attr-defined]
    return cases


@staff_view(*MEMBERS)
def cases(request: HttpRequest) -> HttpResponse:
    user = acting_staff(request)
    form = CaseFilterForm(request.GET or None)
    found = case_list(user=user, filters=form.filters())
    context: dict[str, object] = {"form": form, "result": None, "page": None}
    if text := form.text():
        context["critical"] = critical_open_count(user=user)
        try:
            result = case_search(
                user=user,
                private_key=staff_private_key(request),
                holder=session_search_holder(request),
                cases=found,
                text=text,
                page=request.GET.get("page"),
                build_seconds=settings.LONGARM_SEARCH_BUILD_SECONDS,
            )
        except SearchIndexBuilding as building:
            # The reader's first index over many cases: a page that says how far it got and asks again.
            context["building"] = building
            response = render(request, "cases/case_list.html", context)
            response["Refresh"] = "1"
            return response
        case_record_search(actor=user, searched=result.searched, hits=[hit.case for hit in result.hits])
        context["result"] = result
    else:
        # The list shows no content: the summaries' ciphertext stays in the database.
        number = request.GET.get("page")
        with serial_reads():
            context["critical"] = critical_open_count(user=user)
            paginator = BoundedPaginator(found.defer("summary_ciphertext"), PAGE_SIZE, number=number)
            page = paginator.get_page(number)
            page.object_list = _labelled(with_report_counts(page.object_list))
        context["page"] = page
    return render(request, "cases/case_list.html", context)


@staff_view(*MEMBERS)
@require_POST
def case_new(request: HttpRequest, public_id: UUID) -> HttpResponse:
    user = acting_staff(request)
    report, _sealed = report_for_staff(user=user, public_id=public_id)
    try:
        case = case_open_from_reports(actor=user, private_key=staff_private_key(request), reports=[report])
    except NotAllowed:
        messages.error(request, _("This report is already in a case."))
        return redirect("cases:report", public_id=public_id)
    messages.success(request, _("Case %(reference)s was opened.") % {"reference": case.reference})
    return _back(case.public_id)


@staff_view(*MEMBERS)
def case_detail(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user, private_key = acting_staff(request), staff_private_key(request)
    case, file = case_file_open(user=user, private_key=private_key, public_id=case_id)
    forms = {
        "status_form": StatusForm(case=case),
        "triage_form": TriageForm(
            initial={"urgency": case.urgency, "due_on": case.due_on, "do_not_remove": case.do_not_remove}
        ),
        "summary_form": SummaryForm(initial={"summary": file.summary}),
        "note_form": NoteForm(),
        "grant_form": GrantForm(colleagues=colleagues_for_grant(case=case)),
        "identifier_form": IdentifierForm(case=case),
    }
    suggestions = case_suggestions(case=case, user=user, private_key=private_key)
    return render(
        request,
        "cases/case.html",
        {
            "case": case,
            "file": file,
            "suggestions": suggestions,
            "reporter_language": dict(settings.LANGUAGES).get(file.language, file.language),
            **forms,
        },
    )


@staff_view(*MEMBERS)
@require_POST
def case_status(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user = acting_staff(request)
    case = case_for_user(user=user, public_id=case_id)
    form = StatusForm(request.POST, case=case)
    try:
        if not form.is_valid():
            raise InvalidTransition
        if form.cleaned_data["status"] == CaseStatus.CLOSED and not is_confirmed(request):
            return confirmation_page(
                request,
                title=_("Close case %(reference)s?") % {"reference": case.reference},
                consequence=_(
                    "The case is marked closed. Check that nothing is still waiting on it: no referral, no "
                    "reply owed to a reporter."
                ),
                cancel_url=reverse("cases:case", kwargs={"case_id": case.public_id}),
            )
        case_change_status(actor=user, case=case, status=CaseStatus(form.cleaned_data["status"]))
    except InvalidTransition:
        messages.error(request, _("The case cannot move to that status from where it is."))
    else:
        messages.success(request, _("The status was changed."))
    return _back(case_id)


@staff_view(*MEMBERS)
@require_POST
def case_triage_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user = acting_staff(request)
    case = case_for_user(user=user, public_id=case_id)
    form = TriageForm(request.POST)
    if form.is_valid():
        case_triage(actor=user, case=case, **form.cleaned_data)
        messages.success(request, _("Triage was saved."))
    else:
        messages.error(request, _("Triage was not saved: check the urgency and the date."))
    return _back(case_id)


@staff_view(*MEMBERS)
@require_POST
def case_summary(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user = acting_staff(request)
    case = case_for_user(user=user, public_id=case_id)
    form = SummaryForm(request.POST)
    if form.is_valid():
        case_edit_summary(
            actor=user,
            private_key=staff_private_key(request),
            case=case,
            summary=form.cleaned_data["summary"],
        )
        messages.success(request, _("The summary was saved."))
    return _back(case_id)


@staff_view(*MEMBERS)
@require_POST
def case_note(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user = acting_staff(request)
    case = case_for_user(user=user, public_id=case_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        note_add(
            actor=user, private_key=staff_private_key(request), case=case, text=form.cleaned_data["text"]
        )
        messages.success(request, _("The note was added."))
    else:
        messages.error(request, _("The note is empty."))
    return _back(case_id)


@staff_view(*MEMBERS)
@require_POST
def case_grant_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user = acting_staff(request)
    case = case_for_user(user=user, public_id=case_id)
    form = GrantForm(request.POST, colleagues=colleagues_for_grant(case=case))
    if not form.is_valid():
        messages.error(request, _("Choose a caseworker or investigator who does not hold the case yet."))
        return _back(case_id)
    grantee = form.cleaned_data["grantee"]
    try:
        case_grant(actor=user, private_key=staff_private_key(request), case=case, grantee=grantee)
    except NoAccess:
        messages.error(request, _("You cannot give access: not every report of this case is sealed to you."))
    else:
        messages.success(request, _("%(name)s can now read this case.") % {"name": grantee.username})
    return _back(case_id)


@staff_view(*MEMBERS)
@require_POST
def case_revoke_view(request: HttpRequest, case_id: UUID, staff_id: int) -> HttpResponse:
    user = acting_staff(request)
    case = case_for_user(user=user, public_id=case_id)
    member = get_object_or_404(StaffUser, pk=staff_id)
    try:
        case_revoke(actor=user, case=case, staff=member)
    except NotAllowed:
        messages.error(request, _("You cannot remove your own access; ask a colleague on the case."))
    else:
        messages.success(request, _("%(name)s no longer holds this case.") % {"name": member.username})
    return _back(case_id)


@staff_view(*MEMBERS)
@require_http_methods(["GET", "POST"])
def case_merge_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user = acting_staff(request)
    case = case_for_user(user=user, public_id=case_id)
    form = MergeForm(request.POST or None, cases=cases_for_user(user=user).exclude(pk=case.pk))
    if request.method == "POST" and form.is_valid():
        source = form.cleaned_data["source"]
        try:
            case_merge(actor=user, private_key=staff_private_key(request), target=case, source=source)
        except (NoAccess, NotAllowed):
            form.add_error(
                None,
                _(
                    "These cases cannot be merged by you: you need every report of the other case, and the "
                    "identity keys of both cases if the other names reporters or relatives."
                ),
            )
        else:
            messages.success(
                request, _("Case %(reference)s was merged into this one.") % {"reference": source}
            )
            return _back(case_id)
    return render(request, "cases/case_merge.html", {"case": case, "form": form})


@staff_view(*MEMBERS)
@require_POST
def case_split_view(request: HttpRequest, case_id: UUID, report_id: UUID) -> HttpResponse:
    user = acting_staff(request)
    case = case_for_user(user=user, public_id=case_id)
    link = CaseReport.objects.filter(case=case, report__public_id=report_id).select_related("report").first()
    if link is None:
        raise Http404
    try:
        new_case = case_split(
            actor=user, private_key=staff_private_key(request), case=case, report=link.report
        )
    except (NoAccess, NotAllowed):
        messages.error(
            request, _("This report cannot be split off: it is the case's only report, or not yours.")
        )
        return _back(case_id)
    messages.success(
        request, _("The report is now in case %(reference)s.") % {"reference": new_case.reference}
    )
    return _back(new_case.public_id)

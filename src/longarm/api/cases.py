"""Cases the caller is a member of (their data key is sealed to the caller): list and filter, case file,
incidents, persons, referrals, and full-text search. Thin: the selectors and services of the cases app do
the work, and every read of case content is audited as in the console."""

from typing import Any
from uuid import UUID

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import Router
from ninja.params.functions import Query

from longarm.api.auth import principal_of, scoped
from longarm.api.paging import limit_param, link_with, offset_param, page_of
from longarm.api.schemas import (
    ERRORS,
    CaseDetail,
    CaseListItem,
    CasePage,
    CaseSummary,
    IncidentOut,
    IncidentPage,
    PersonOut,
    PersonPage,
    ReferralEventOut,
    ReferralOut,
    ReferralPage,
    SearchBuildingOut,
    SearchHit,
    SearchOut,
)
from longarm.api.scopes import Access, Resource, Scope
from longarm.api.services import ApiPrincipal
from longarm.cases.casefile import CaseFile, case_file_open
from longarm.cases.models import Case, CaseStatus, Incident, Person, Referral
from longarm.cases.referrals.selectors import referral_view
from longarm.cases.referrals.services import referral_record_read
from longarm.cases.search import case_search
from longarm.cases.search_index import SearchIndexBuilding, api_search_holder
from longarm.cases.selectors import (
    CaseFilters,
    case_for_user,
    case_keys,
    case_list,
    with_report_counts,
)
from longarm.cases.services import case_record_search
from longarm.intake.models import Urgency

router = Router(tags=["cases"])
search_router = Router(tags=["search"])


def case_summary_out(case: Case) -> CaseSummary:
    return CaseSummary(
        public_id=case.public_id,
        reference=case.reference,
        status=case.status,
        urgency=case.urgency,
        opened_on=case.opened_on,
        due_on=case.due_on,
        do_not_remove=case.do_not_remove,
    )


def incident_out(incident: Incident, description: str) -> IncidentOut:
    return IncidentOut(
        public_id=incident.public_id,
        year=incident.year,
        month=incident.month,
        day=incident.day,
        precision=incident.precision,
        approximate=incident.approximate,
        tactics=list(incident.tactics),
        channels=list(incident.channels),
        actors=list(incident.actors),
        harms=list(incident.harms),
        host_country=incident.host_country,
        host_region=incident.host_region,
        origin_region=incident.origin_region,
        description=description,
    )


def person_out(person: Person, details: dict[str, Any]) -> PersonOut:
    return PersonOut(public_id=person.public_id, role=person.role, label=person.label, details=details)


def _file(principal: ApiPrincipal, public_id: UUID) -> CaseFile:
    """The decrypted case file, its reading audited as the console audits the case page."""
    _, file = case_file_open(user=principal.user, private_key=principal.private_key, public_id=public_id)
    return file


@router.get("", response={200: CasePage, **ERRORS}, **scoped(Scope(Resource.CASES, Access.READ)))
def case_list_view(
    request: HttpRequest,
    status: CaseStatus | None = None,
    urgency: Urgency | None = None,
    community: str = Query("", max_length=40),
    host_country: str = Query("", max_length=8),
    tactic: str = Query("", max_length=60),
    mine: bool = False,
    due_soon: bool = False,
    limit: int = limit_param(),
    offset: int = offset_param(),
) -> CasePage:
    """Cases you are a member of, critical first, filtered on coded fields. No content."""
    filters = CaseFilters(
        status=status or "",
        urgency=urgency or "",
        community=community,
        host_country=host_country,
        tactic=tactic,
        mine=mine,
        due_soon=due_soon,
    )
    found = case_list(user=principal_of(request).user, filters=filters).defer("summary_ciphertext")
    items, page = page_of(request, found, limit=limit, offset=offset)
    return CasePage(
        results=[
            CaseListItem(**case_summary_out(case).dict(), report_count=case.report_count)  # type: ignore[attr-defined]  # set by with_report_counts
            for case in with_report_counts(items)
        ],
        **page,
    )


@router.get(
    "/{public_id}", response={200: CaseDetail, **ERRORS}, **scoped(Scope(Resource.CASES, Access.READ))
)
def case_detail(request: HttpRequest, public_id: UUID) -> CaseDetail:
    """The case with its decrypted summary and the reports it groups. Audited."""
    file = _file(principal_of(request), public_id)
    return CaseDetail(
        **case_summary_out(file.case).dict(),
        summary=file.summary,
        report_ids=[item.report.public_id for item in file.reports],
    )


@router.get(
    "/{public_id}/incidents",
    response={200: IncidentPage, **ERRORS},
    **scoped(Scope(Resource.INCIDENTS, Access.READ)),
)
def incident_list(
    request: HttpRequest, public_id: UUID, limit: int = limit_param(), offset: int = offset_param()
) -> IncidentPage:
    """Incidents with their coded fields and decrypted descriptions. Audited."""
    items, page = page_of(
        request, _file(principal_of(request), public_id).incidents, limit=limit, offset=offset
    )
    return IncidentPage(results=[incident_out(view.incident, view.description) for view in items], **page)


@router.get(
    "/{public_id}/persons",
    response={200: PersonPage, **ERRORS},
    **scoped(Scope(Resource.PERSONS, Access.READ)),
)
def person_list(
    request: HttpRequest, public_id: UUID, limit: int = limit_param(), offset: int = offset_param()
) -> PersonPage:
    """Persons with their pseudonyms and details; names under the identity key are never sent. Audited."""
    items, page = page_of(
        request, _file(principal_of(request), public_id).persons, limit=limit, offset=offset
    )
    return PersonPage(results=[person_out(view.person, view.details) for view in items], **page)


@router.get(
    "/{public_id}/referrals",
    response={200: ReferralPage, **ERRORS},
    **scoped(Scope(Resource.REFERRALS, Access.READ)),
)
def referral_list(
    request: HttpRequest, public_id: UUID, limit: int = limit_param(), offset: int = offset_param()
) -> ReferralPage:
    """Referrals with their decrypted details and status history (never relatives' names): only those of
    the page are decrypted, each read audited."""
    principal = principal_of(request)
    case = case_for_user(user=principal.user, public_id=public_id)
    keys = case_keys(case=case, user=principal.user, private_key=principal.private_key)
    items, page = page_of(
        request, case.referrals.select_related("case").order_by("id"), limit=limit, offset=offset
    )
    return ReferralPage(results=[referral_read(principal, referral, keys.data) for referral in items], **page)


def referral_read(principal: ApiPrincipal, referral: Referral, data_key: bytes) -> ReferralOut:
    """The referral decrypted with the case data key (never the names under the identity key), the read
    audited as the console audits it."""
    view = referral_view(referral=referral, data_key=data_key, identity_key=None)
    referral_record_read(actor=principal.user, referral=referral, identity=False)
    return ReferralOut(
        public_id=referral.public_id,
        kind=referral.kind,
        status=referral.status,
        jurisdiction=referral.jurisdiction,
        provisions=list(referral.provisions),
        agency=referral.agency,
        sent_on=referral.sent_on,
        created_on=referral.created_on,
        details=view.details,
        events=[ReferralEventOut(status=event.status, on=event.on, note=event.note) for event in view.events],
    )


# How long a client waits before asking again while its search index is built: each request then reads
# for ``LONGARM_SEARCH_BUILD_SECONDS`` and answers, as the console's progress page does.
SEARCH_RETRY_AFTER_SECONDS = 1
_SEARCH_SCOPE = scoped(Scope(Resource.SEARCH, Access.READ))


@search_router.get(
    "",
    response={200: SearchOut, 202: SearchBuildingOut, **ERRORS},
    auth=_SEARCH_SCOPE["auth"],
    openapi_extra={
        **_SEARCH_SCOPE["openapi_extra"],
        "responses": {
            202: {
                "description": "Your search index is being built: ask again after Retry-After seconds.",
                "headers": {
                    "Retry-After": {
                        "description": "Seconds to wait before asking again.",
                        "schema": {"type": "integer", "minimum": 0},
                    }
                },
            }
        },
    },
)
def search(
    request: HttpRequest, q: str = Query(..., min_length=1, max_length=200), page: int = Query(1, ge=1)
) -> SearchOut | HttpResponse:
    """Cases you are a member of whose decrypted content holds every word of ``q``: page ``page`` of them,
    50 a page, in the order of the case list. Audited.

    Your first search over many cases builds your search index, decrypting them over several requests
    (each bounded to ``LONGARM_SEARCH_BUILD_SECONDS``): until it is complete, the answer is 202 with how many
    of the cases you hold are in it and a Retry-After header; ask again (the same request) and it goes on
    from there. Later searches answer at once."""
    principal = principal_of(request)
    try:
        result = case_search(
            user=principal.user,
            private_key=principal.private_key,
            holder=api_search_holder(principal.token.pk),
            cases=case_list(user=principal.user, filters=CaseFilters()),
            text=q,
            page=page,
            build_seconds=settings.LONGARM_SEARCH_BUILD_SECONDS,
        )
    except SearchIndexBuilding as building:
        body = SearchBuildingOut(
            detail=str(
                _("Preparing your search: %(done)s of %(total)s cases read so far.")
                % {"done": building.done, "total": building.total}
            ),
            done=building.done,
            total=building.total,
            retry_after=SEARCH_RETRY_AFTER_SECONDS,
        )
        response = JsonResponse(body.model_dump(), status=202)
        response["Retry-After"] = str(SEARCH_RETRY_AFTER_SECONDS)
        return response
    case_record_search(actor=principal.user, searched=result.searched, hits=[hit.case for hit in result.hits])
    number, pages = result.page.number, result.page.paginator.num_pages
    return SearchOut(
        results=[
            SearchHit(case=case_summary_out(hit.case), where=hit.where, snippet=hit.snippet)
            for hit in result.hits
        ],
        count=result.matched,
        next=link_with(request, page=number + 1) if number < pages else None,
        previous=link_with(request, page=number - 1) if number > 1 else None,
        searched=result.searched,
        page=number,
        pages=pages,
    )

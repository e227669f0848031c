"""Cases the caller is a member of (their data key is sealed to the caller): list and filter, case file,
incidents, persons, referrals, and full-text search. Thin: the selectors and services of the cases app do
the work, and every read of case content is audited as in the console."""

from uuid import UUID

from django.http import HttpRequest
from ninja import Router
from ninja.params.functions import Query

from longarm.api.auth import principal_of, scoped
from longarm.api.schemas import (
    ERRORS,
    CaseDetail,
    CaseListItem,
    CaseSummary,
    IncidentOut,
    PersonOut,
    ReferralEventOut,
    ReferralOut,
    SearchHit,
    SearchOut,
)
from longarm.api.scopes import Access, Resource, Scope
from longarm.api.services import ApiPrincipal
from longarm.cases.casefile import CaseFile, case_file_open
from longarm.cases.models import Case, CaseStatus
from longarm.cases.referrals.selectors import referral_view
from longarm.cases.referrals.services import referral_record_read
from longarm.cases.search import case_search
from longarm.cases.search_index import api_search_holder
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


def _summary(case: Case) -> CaseSummary:
    return CaseSummary(
        public_id=case.public_id,
        reference=case.reference,
        status=case.status,
        urgency=case.urgency,
        opened_on=case.opened_on,
        due_on=case.due_on,
        do_not_remove=case.do_not_remove,
    )


def _file(principal: ApiPrincipal, public_id: UUID) -> CaseFile:
    """The decrypted case file, its reading audited as the console audits the case page."""
    _, file = case_file_open(user=principal.user, private_key=principal.private_key, public_id=public_id)
    return file


@router.get("", response={200: list[CaseListItem], **ERRORS}, **scoped(Scope(Resource.CASES, Access.READ)))
def case_list_view(
    request: HttpRequest,
    status: CaseStatus | None = None,
    urgency: Urgency | None = None,
    community: str = Query("", max_length=40),
    host_country: str = Query("", max_length=8),
    tactic: str = Query("", max_length=60),
    mine: bool = False,
    due_soon: bool = False,
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> list[CaseListItem]:
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
    cases = with_report_counts(
        case_list(user=principal_of(request).user, filters=filters)[offset : offset + limit]
    )
    return [CaseListItem(**_summary(case).dict(), report_count=case.report_count) for case in cases]  # type: ignore[attr-defined]  # set by with_report_counts


@router.get(
    "/{public_id}", response={200: CaseDetail, **ERRORS}, **scoped(Scope(Resource.CASES, Access.READ))
)
def case_detail(request: HttpRequest, public_id: UUID) -> CaseDetail:
    """The case with its decrypted summary and the reports it groups. Audited."""
    file = _file(principal_of(request), public_id)
    return CaseDetail(
        **_summary(file.case).dict(),
        summary=file.summary,
        report_ids=[item.report.public_id for item in file.reports],
    )


@router.get(
    "/{public_id}/incidents",
    response={200: list[IncidentOut], **ERRORS},
    **scoped(Scope(Resource.INCIDENTS, Access.READ)),
)
def incident_list(request: HttpRequest, public_id: UUID) -> list[IncidentOut]:
    """Incidents with their coded fields and decrypted descriptions. Audited."""
    return [
        IncidentOut(
            public_id=view.incident.public_id,
            year=view.incident.year,
            month=view.incident.month,
            day=view.incident.day,
            precision=view.incident.precision,
            approximate=view.incident.approximate,
            tactics=list(view.incident.tactics),
            channels=list(view.incident.channels),
            actors=list(view.incident.actors),
            harms=list(view.incident.harms),
            host_country=view.incident.host_country,
            host_region=view.incident.host_region,
            origin_region=view.incident.origin_region,
            description=view.description,
        )
        for view in _file(principal_of(request), public_id).incidents
    ]


@router.get(
    "/{public_id}/persons",
    response={200: list[PersonOut], **ERRORS},
    **scoped(Scope(Resource.PERSONS, Access.READ)),
)
def person_list(request: HttpRequest, public_id: UUID) -> list[PersonOut]:
    """Persons with their pseudonyms and details; names under the identity key are never sent. Audited."""
    return [
        PersonOut(
            public_id=view.person.public_id,
            role=view.person.role,
            label=view.person.label,
            details=view.details,
        )
        for view in _file(principal_of(request), public_id).persons
    ]


@router.get(
    "/{public_id}/referrals",
    response={200: list[ReferralOut], **ERRORS},
    **scoped(Scope(Resource.REFERRALS, Access.READ)),
)
def referral_list(request: HttpRequest, public_id: UUID) -> list[ReferralOut]:
    """Referrals with their decrypted details and status history (never relatives' names). Audited."""
    principal = principal_of(request)
    case = case_for_user(user=principal.user, public_id=public_id)
    keys = case_keys(case=case, user=principal.user, private_key=principal.private_key)
    result = []
    for referral in case.referrals.select_related("case"):
        view = referral_view(referral=referral, data_key=keys.data, identity_key=None)
        referral_record_read(actor=principal.user, referral=referral, identity=False)
        result.append(
            ReferralOut(
                public_id=referral.public_id,
                kind=referral.kind,
                status=referral.status,
                jurisdiction=referral.jurisdiction,
                provisions=list(referral.provisions),
                agency=referral.agency,
                sent_on=referral.sent_on,
                created_on=referral.created_on,
                details=view.details,
                events=[
                    ReferralEventOut(status=event.status, on=event.on, note=event.note)
                    for event in view.events
                ],
            )
        )
    return result


@search_router.get("", response={200: SearchOut, **ERRORS}, **scoped(Scope(Resource.SEARCH, Access.READ)))
def search(
    request: HttpRequest, q: str = Query(..., min_length=1, max_length=200), page: int = Query(1, ge=1)
) -> SearchOut:
    """Cases you are a member of whose decrypted content holds every word of ``q``: page ``page`` of them,
    50 a page, in the order of the case list. Audited."""
    principal = principal_of(request)
    result = case_search(
        user=principal.user,
        private_key=principal.private_key,
        holder=api_search_holder(principal.token.pk),
        cases=case_list(user=principal.user, filters=CaseFilters()),
        text=q,
        page=page,
    )
    case_record_search(actor=principal.user, searched=result.searched, hits=[hit.case for hit in result.hits])
    return SearchOut(
        hits=[
            SearchHit(case=_summary(hit.case), where=hit.where, snippet=hit.snippet) for hit in result.hits
        ],
        searched=result.searched,
        matched=result.matched,
        page=result.page.number,
        pages=result.page.paginator.num_pages,
    )

"""Linking in the API: a case's identifiers with their links, its cluster, and a report's typed identifiers
and links. The console's selectors do the work, under the same holder-only rules (a case or report the
caller does not hold is a count, never a name) and with the same audit (reading a case's identifiers is a
read of its file; reading a cluster, and its headline value, is recorded; reading a report's typed
identifiers is a read of the report)."""

from uuid import UUID

from django.http import HttpRequest
from ninja import Router

from longarm.api.auth import principal_of, scoped
from longarm.api.paging import limit_param, offset_param, page_of
from longarm.api.schemas import (
    ERRORS,
    ClusterCaseOut,
    ClusterEdgeOut,
    ClusterOut,
    IdentifierOut,
    IdentifierPage,
    LinkedCaseOut,
    LinksOut,
    ReportLinksOut,
    ReportRefOut,
    TypedIdentifierOut,
    TypedIdentifierPage,
)
from longarm.api.scopes import Access, Resource, Scope
from longarm.cases.casefile import CaseFile, IdentifierView, case_file_open
from longarm.cases.selectors import case_for_user, case_keys
from longarm.intake.selectors import report_for_staff, staff_data_key
from longarm.intake.services import report_record_read
from longarm.linking.models import ReportIdentifier
from longarm.linking.report_links import reports_sharing
from longarm.linking.selectors import IdentifierLinks, cluster_of
from longarm.linking.services import cluster_record_read
from longarm.linking.suggestions import typed_value

case_router = Router(tags=["linking"])
report_router = Router(tags=["linking"])


def _links(links: IdentifierLinks | None) -> LinksOut | None:
    if links is None:
        return None
    return LinksOut(
        strength=links.strength,
        schemes=links.schemes,
        held=[
            LinkedCaseOut(
                public_id=item.case.public_id,
                reference=item.case.reference,
                scheme=item.scheme,
                strength=item.strength,
                decision=item.decision,
            )
            for item in links.held
        ],
        hidden_count=links.hidden_count,
    )


def identifier_out(view: IdentifierView) -> IdentifierOut:
    person = view.identifier.person
    return IdentifierOut(
        public_id=view.identifier.public_id,
        kind=view.identifier.kind,
        value=view.value,
        person_id=person.public_id if person is not None else None,
        links=_links(view.links),
    )


@case_router.get(
    "/{public_id}/identifiers",
    response={200: IdentifierPage, **ERRORS},
    **scoped(Scope(Resource.IDENTIFIERS, Access.READ)),
)
def case_identifiers(
    request: HttpRequest, public_id: UUID, limit: int = limit_param(), offset: int = offset_param()
) -> IdentifierPage:
    """The case's identifiers, decrypted, each with the other cases it links to. Audited as a read of the
    case."""
    principal = principal_of(request)
    _case, file = case_file_open(user=principal.user, private_key=principal.private_key, public_id=public_id)
    items, page = page_of(request, case_identifier_views(file), limit=limit, offset=offset)
    return IdentifierPage(results=[identifier_out(view) for view in items], **page)


def case_identifier_views(file: CaseFile) -> list[IdentifierView]:
    """The case's identifiers as the case page lists them: each person's, then those of nobody."""
    return [item for person in file.persons for item in person.identifiers] + file.unattached_identifiers


@case_router.get(
    "/{public_id}/cluster", response={200: ClusterOut, **ERRORS}, **scoped(Scope(Resource.LINKS, Access.READ))
)
def case_cluster(request: HttpRequest, public_id: UUID) -> ClusterOut:
    """The cluster of linked cases the case belongs to, as far as the caller may see it. Audited."""
    principal = principal_of(request)
    user, private_key = principal.user, principal.private_key
    case = case_for_user(user=user, public_id=public_id)
    found = cluster_of(
        case=case, user=user, keys_for=lambda held: case_keys(case=held, user=user, private_key=private_key)
    )
    cluster_record_read(actor=user, case=case, value_shown=found.headline_value is not None)
    return ClusterOut(
        cases=[
            ClusterCaseOut(
                number=row.number,
                public_id=row.case.public_id,
                reference=row.case.reference,
                reports=row.reports,
                communities=row.communities,
                host_countries=row.host_countries,
                years=row.years,
                tactics=row.tactics,
                status=row.status,
                urgency=row.urgency,
            )
            for row in found.cases
        ],
        edges=[
            ClusterEdgeOut(first=edge.first, second=edge.second, scheme=edge.scheme, strength=edge.strength)
            for edge in found.edges
        ],
        hidden_count=found.hidden_count,
        headline_scheme=found.headline_scheme,
        headline_value=found.headline_value,
    )


def _ref(public_id: UUID, reference: str) -> ReportRefOut:
    return ReportRefOut(public_id=public_id, reference=reference)


@report_router.get(
    "/{public_id}/links",
    response={200: ReportLinksOut, **ERRORS},
    **scoped(Scope(Resource.LINKS, Access.READ)),
)
def report_links_view(request: HttpRequest, public_id: UUID) -> ReportLinksOut:
    """Other reports and cases sharing a key with the report, as the inbox shows them. No content."""
    user = principal_of(request).user
    report, _sealed = report_for_staff(user=user, public_id=public_id)
    found = reports_sharing(report=report, user=user)
    return ReportLinksOut(
        strength=found.strength,
        schemes=found.schemes,
        reports=[_ref(item.public_id, item.reference) for item in found.held_reports],
        cases=[_ref(item.public_id, item.reference) for item in found.held_cases],
        hidden_count=found.hidden_count,
        complete=found.complete,
    )


@report_router.get(
    "/{public_id}/identifiers",
    response={200: TypedIdentifierPage, **ERRORS},
    **scoped(Scope(Resource.IDENTIFIERS, Access.READ)),
)
def report_identifiers(
    request: HttpRequest, public_id: UUID, limit: int = limit_param(), offset: int = offset_param()
) -> TypedIdentifierPage:
    """The identifiers the reporter typed, decrypted. Audited as a read of the report."""
    principal = principal_of(request)
    report, sealed = report_for_staff(user=principal.user, public_id=public_id)
    data_key = staff_data_key(sealed=sealed, private_key=principal.private_key)
    typed = ReportIdentifier.objects.filter(report=report).select_related("report").order_by("id")
    items, page = page_of(request, typed, limit=limit, offset=offset)
    report_record_read(report=report, staff=principal.user)
    return TypedIdentifierPage(
        results=[
            TypedIdentifierOut(
                public_id=item.public_id,
                kind=item.kind,
                value=typed_value(identifier=item, data_key=data_key),
                outcome=item.outcome,
            )
            for item in items
        ],
        **page,
    )

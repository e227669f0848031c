"""Reads of cases. A case is reached only through these selectors: holding its data key is membership
(DESIGN §3), and anyone else gets 404, as if the case did not exist."""

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from longarm.accounts.models import CONTENT_ROLES, StaffUser
from longarm.cases.keys import has_case_key, open_case_key
from longarm.cases.models import Assignment, Case, CaseKeyKind, CaseReport, CaseStatus, Incident
from longarm.intake.models import Urgency
from longarm.taxonomy.vocabularies import vocabulary

DUE_SOON_DAYS = 7


@dataclass(frozen=True)
class CaseFilters:
    """Filters on coded fields; empty values filter nothing."""

    status: str = ""
    urgency: str = ""
    community: str = ""
    host_country: str = ""
    tactic: str = ""
    mine: bool = False
    due_soon: bool = False


@dataclass(frozen=True)
class CaseKeys:
    data: bytes
    # None unless a custodian holds it or approved its disclosure to the reader.
    identity: bytes | None


def case_for_user(*, user: StaffUser, public_id: UUID) -> Case:
    """The case whose data key is sealed to ``user``; 404 otherwise."""
    case = Case.objects.filter(public_id=public_id, keys__kind=CaseKeyKind.DATA, keys__staff=user).first()
    if case is None:
        raise Http404
    return case


def case_keys(*, case: Case, user: StaffUser, private_key: bytes) -> CaseKeys:
    """Unseal the case's data key, and its identity key if ``user`` holds it; raises ``NoAccess``."""
    data = open_case_key(case=case, kind=CaseKeyKind.DATA, staff=user, private_key=private_key)
    identity = None
    if has_case_key(case=case, kind=CaseKeyKind.IDENTITY, staff=user):
        identity = open_case_key(case=case, kind=CaseKeyKind.IDENTITY, staff=user, private_key=private_key)
    return CaseKeys(data=data, identity=identity)


def cases_for_user(*, user: StaffUser) -> QuerySet[Case]:
    """Cases whose data key is sealed to ``user``: critical first, then high, then by due date, newest."""
    return (
        Case.objects.filter(keys__kind=CaseKeyKind.DATA, keys__staff=user)
        .annotate(
            urgency_rank=models.Case(
                When(urgency=Urgency.CRITICAL, then=Value(3)),
                When(urgency=Urgency.HIGH, then=Value(2)),
                default=Value(1),
                output_field=models.IntegerField(),
            )
        )
        .order_by("-urgency_rank", "due_on", "-id")
    )


def _json_list_has(field: str, code: str) -> Q:
    # Codes are snake_case or ISO codes, so the quoted code matches one whole list element and nothing
    # else; JSON containment (``__contains``) is not available on SQLite.
    return Q(**{f"{field}__icontains": f'"{code}"'})


def _reporter_tactics_for(tactic: str) -> list[str]:
    """The reporter-facing tactic codes that map onto the analytic ``tactic``."""
    return [
        term.code
        for term in vocabulary("reporter_tactics").terms
        if tactic in (term.attributes.get("tactics") or ())  # type: ignore[operator]
    ]


def case_list(*, user: StaffUser, filters: CaseFilters) -> QuerySet[Case]:
    """``cases_for_user`` narrowed by ``filters``, with the number of reports each case groups."""
    cases = cases_for_user(user=user)
    if filters.status:
        cases = cases.filter(status=filters.status)
    if filters.urgency:
        cases = cases.filter(urgency=filters.urgency)
    reports = CaseReport.objects.filter(case=OuterRef("pk"))
    incidents = Incident.objects.filter(case=OuterRef("pk"))
    if filters.community:
        cases = cases.filter(Exists(reports.filter(report__community=filters.community)))
    if filters.host_country:
        cases = cases.filter(
            Exists(reports.filter(report__host_country=filters.host_country))
            | Exists(incidents.filter(host_country=filters.host_country))
        )
    if filters.tactic:
        reported = Q()
        for code in _reporter_tactics_for(filters.tactic):
            reported |= _json_list_has("report__tactic_codes", code)
        coded = Exists(incidents.filter(_json_list_has("tactics", filters.tactic)))
        cases = cases.filter(coded | Exists(reports.filter(reported))) if reported else cases.filter(coded)
    if filters.mine:
        cases = cases.filter(Exists(Assignment.objects.filter(case=OuterRef("pk"), staff=user)))
    if filters.due_soon:
        horizon = timezone.now().date() + timedelta(days=DUE_SOON_DAYS)
        cases = cases.filter(due_on__lte=horizon).exclude(status=CaseStatus.CLOSED)
    return cases.annotate(report_count=Count("case_reports", distinct=True))


def critical_open_count(*, user: StaffUser) -> int:
    return (
        cases_for_user(user=user).filter(urgency=Urgency.CRITICAL).exclude(status=CaseStatus.CLOSED).count()
    )


def colleagues_for_grant(*, case: Case) -> QuerySet[StaffUser]:
    """Active caseworkers and investigators who do not hold the case yet."""
    return (
        StaffUser.objects.filter(is_active=True, role__in=CONTENT_ROLES)
        .exclude(casekey__case=case, casekey__kind=CaseKeyKind.DATA)
        .order_by("username")
    )


@dataclass(frozen=True)
class ReportCase:
    """Which case a report is in, as far as the reader may know: the case if they hold it."""

    case: Case | None
    grouped: bool


def report_case_for_user(*, user: StaffUser, report_id: int) -> ReportCase:
    link = CaseReport.objects.filter(report_id=report_id).select_related("case").first()
    if link is None:
        return ReportCase(case=None, grouped=False)
    member = has_case_key(case=link.case, kind=CaseKeyKind.DATA, staff=user)
    return ReportCase(case=link.case if member else None, grouped=True)

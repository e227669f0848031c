"""Reads of cases. A case is reached only through these selectors: holding its data key is membership
(DESIGN §3), and anyone else gets 404, as if the case did not exist."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone

from longarm.accounts.models import CONTENT_ROLES, StaffUser
from longarm.cases.codes import term
from longarm.cases.keys import has_case_key, open_case_key
from longarm.cases.models import (
    Assignment,
    Case,
    CaseCode,
    CaseKey,
    CaseKeyKind,
    CaseReport,
    CaseStatus,
    CodeDimension,
)
from longarm.crypto.envelopes import decrypt
from longarm.intake.contexts import urgency_reason_context
from longarm.intake.models import Report, Urgency
from longarm.taxonomy.vocabularies import urgency_reasons

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


# Critical first, then high, then normal (the stored codes sort that way), then by due date with undated
# cases last, then newest; the index ``case_list_order`` serves it on SQLite and PostgreSQL.
CASE_ORDER = ("urgency", "due_sort", "-id")


def _holds(user: StaffUser) -> Exists:
    return Exists(CaseKey.objects.filter(case=OuterRef("pk"), kind=CaseKeyKind.DATA, staff=user))


def cases_for_user(*, user: StaffUser) -> QuerySet[Case]:
    """Cases whose data key is sealed to ``user``: critical first, then high, then by due date, newest."""
    return Case.objects.filter(_holds(user)).order_by(*CASE_ORDER)


def _has_code(dimension: CodeDimension, code: str) -> Exists:
    return Exists(CaseCode.objects.filter(term=term(dimension, code), case=OuterRef("pk")))


def case_list(*, user: StaffUser, filters: CaseFilters) -> QuerySet[Case]:
    """``cases_for_user`` narrowed by ``filters``. Report counts: ``with_report_counts`` on one page."""
    cases = cases_for_user(user=user)
    if filters.status:
        cases = cases.filter(status=filters.status)
    if filters.urgency:
        cases = cases.filter(urgency=filters.urgency)
    if filters.community:
        cases = cases.filter(_has_code(CodeDimension.COMMUNITY, filters.community))
    if filters.host_country:
        cases = cases.filter(_has_code(CodeDimension.HOST_COUNTRY, filters.host_country))
    if filters.tactic:
        cases = cases.filter(_has_code(CodeDimension.TACTIC, filters.tactic))
    if filters.mine:
        cases = cases.filter(Exists(Assignment.objects.filter(case=OuterRef("pk"), staff=user)))
    if filters.due_soon:
        horizon = timezone.now().date() + timedelta(days=DUE_SOON_DAYS)
        cases = cases.filter(due_sort__lte=horizon).exclude(status=CaseStatus.CLOSED)
    return cases


def with_report_counts(cases: Iterable[Case]) -> list[Case]:
    """``cases`` as a list, each with ``report_count``: the number of reports it groups (one query)."""
    listed = list(cases)
    counts = dict(
        CaseReport.objects.filter(case__in=listed)
        .order_by()
        .values("case")
        .annotate(number=Count("id"))
        .values_list("case", "number")
    )
    for case in listed:
        case.report_count = counts.get(case.pk, 0)  # type: ignore[attr-defined]
    return listed


# The case list's alert counts open critical cases up to this many and then says "more than": an exact count
# of a national centre's critical cases is a pass over every one of them on each view of the list (issue 21).
CRITICAL_COUNTED_UP_TO = 500


@dataclass(frozen=True)
class CriticalCount:
    """Open critical cases the reader holds: ``number``, or more than ``number`` when ``more``."""

    number: int
    more: bool

    def __bool__(self) -> bool:
        return self.number > 0


def critical_open_count(*, user: StaffUser) -> CriticalCount:
    critical = cases_for_user(user=user).filter(urgency=Urgency.CRITICAL).exclude(status=CaseStatus.CLOSED)
    counted = critical.order_by()[: CRITICAL_COUNTED_UP_TO + 1].count()
    if counted > CRITICAL_COUNTED_UP_TO:
        return CriticalCount(number=CRITICAL_COUNTED_UP_TO, more=True)
    return CriticalCount(number=counted, more=False)


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


@dataclass(frozen=True)
class UrgencyWhy:
    """Why a report has its urgency: a caseworker's decision and reason, or the answers that gave it."""

    set_by: str = ""
    reason: str = ""
    # Codes of the reporter's answers (reporter_tactics) that gave the urgency; empty for "normal".
    answers: tuple[str, ...] = ()


def report_urgency_why(*, report: Report, tactics: Iterable[str], data_key: bytes) -> UrgencyWhy:
    """``tactics``: the reporter's ticked answers, from the decrypted content (they are in clear only with
    consent to statistics)."""
    set_by = report.urgency_set_by
    if set_by is not None:
        reason = decrypt(
            data_key,
            bytes(report.urgency_reason_ciphertext),
            context=urgency_reason_context(report.public_id),
        ).decode()
        return UrgencyWhy(set_by=set_by.username, reason=reason)
    return UrgencyWhy(answers=urgency_reasons(tactics))

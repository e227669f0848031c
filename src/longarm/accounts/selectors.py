"""Reads about staff accounts: what offboarding someone would delete, and what only the recovery key opens.

"Held" means sealed to an **active** staff member: an inactive account cannot log in, so a seal to it opens
nothing for the organisation. A key counts as lost to staff when the design gives it to staff and no active
staff member holds it any more (threat model §6.3):

- a case's data or identity key;
- a report's identity key (sealed to the custodians on arrival);
- a report's data key and its evidence files' keys, for reports whose reporter let caseworkers read them
  (statistics-only reports are not meant to be read by staff, so losing a seal to them loses nothing).
"""

from dataclasses import dataclass, field
from datetime import timedelta
from uuid import UUID

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django_otp import devices_for_user

from longarm.accounts.models import CONTENT_ROLES, Proposal, ProposalKind, ProposalStatus, Role, StaffUser
from longarm.api.models import ApiToken
from longarm.cases.models import (
    Assignment,
    Case,
    CaseKey,
    CaseKeyKind,
    DisclosureReasonKey,
    DisclosureRequest,
    DisclosureStatus,
)
from longarm.evidence.models import EvidenceKey, KeyHolder
from longarm.intake.models import REVIEWABLE_CONSENTS, KeyKind, RecipientKind, Report, SealedKey
from longarm.linking.models import AccessRequest, RequestStatus

# How many references a page lists; the counts are always complete.
LISTED_AT_MOST = 200


@dataclass(frozen=True)
class Unheld:
    """A case or report that would be (or is) readable by no active staff member, and what of it."""

    reference: str
    content: bool = False
    identity: bool = False
    evidence: bool = False


@dataclass(frozen=True)
class OffboardingPlan:
    """What offboarding ``staff`` deletes or changes, counted, and what it leaves to the recovery key."""

    staff: StaffUser
    report_keys: int
    case_keys: int
    evidence_keys: int
    reason_keys: int
    live_tokens: int
    devices: int
    assignments: int
    pending_requests: int
    unheld_cases: list[Unheld] = field(default_factory=list)
    unheld_reports: list[Unheld] = field(default_factory=list)

    @property
    def keys(self) -> int:
        return self.report_keys + self.case_keys + self.evidence_keys + self.reason_keys

    @property
    def unheld(self) -> int:
        return len(self.unheld_cases) + len(self.unheld_reports)


def _held_by_others(model: type[SealedKey] | type[CaseKey], staff: StaffUser, **match: object) -> Exists:
    return Exists(model.objects.filter(staff__is_active=True, **match).exclude(staff=staff))


def _unheld_cases(staff: StaffUser) -> list[Unheld]:
    lost: dict[int, dict[str, bool]] = {}
    for kind, flag in ((CaseKeyKind.DATA, "content"), (CaseKeyKind.IDENTITY, "identity")):
        alone = (
            CaseKey.objects.filter(staff=staff, kind=kind)
            .annotate(shared=_held_by_others(CaseKey, staff, case=OuterRef("case"), kind=kind))
            .filter(shared=False)
            .values_list("case_id", flat=True)
        )
        for case_id in alone:
            lost.setdefault(case_id, {})[flag] = True
    references = dict(Case.objects.filter(pk__in=lost).values_list("pk", "reference"))
    return [Unheld(reference=references[pk], **lost[pk]) for pk in sorted(lost)]


def _unheld_reports(staff: StaffUser) -> list[Unheld]:
    lost: dict[int, dict[str, bool]] = {}
    for kind, flag, reviewable_only in (
        (KeyKind.DATA, "content", True),
        (KeyKind.IDENTITY, "identity", False),
    ):
        alone = SealedKey.objects.filter(staff=staff, kind=kind, recipient_kind=RecipientKind.STAFF)
        if reviewable_only:
            alone = alone.filter(report__consent__in=REVIEWABLE_CONSENTS)
        alone = alone.annotate(
            shared=_held_by_others(
                SealedKey, staff, report=OuterRef("report"), kind=kind, recipient_kind=RecipientKind.STAFF
            )
        ).filter(shared=False)
        for report_id in alone.values_list("report_id", flat=True):
            lost.setdefault(report_id, {})[flag] = True
    files_alone = (
        EvidenceKey.objects.filter(
            staff=staff, holder=KeyHolder.STAFF, blob__item__report__consent__in=REVIEWABLE_CONSENTS
        )
        .annotate(
            shared=Exists(
                EvidenceKey.objects.filter(
                    blob=OuterRef("blob"), holder=KeyHolder.STAFF, staff__is_active=True
                ).exclude(staff=staff)
            )
        )
        .filter(shared=False)
        .values_list("blob__item__report_id", flat=True)
        .distinct()
    )
    for report_id in files_alone:
        lost.setdefault(report_id, {})["evidence"] = True
    references = {report.pk: report.reference for report in Report.objects.filter(pk__in=lost)}
    return [Unheld(reference=references[pk], **lost[pk]) for pk in sorted(lost)]


def offboarding_plan(*, staff: StaffUser) -> OffboardingPlan:
    """What ``staff_offboard`` would do to ``staff`` now (sessions are counted only when it runs)."""
    return OffboardingPlan(
        staff=staff,
        report_keys=SealedKey.objects.filter(staff=staff, recipient_kind=RecipientKind.STAFF).count(),
        case_keys=CaseKey.objects.filter(staff=staff).count(),
        evidence_keys=EvidenceKey.objects.filter(staff=staff, holder=KeyHolder.STAFF).count(),
        reason_keys=DisclosureReasonKey.objects.filter(staff=staff).count(),
        live_tokens=ApiToken.objects.filter(user=staff, revoked_at__isnull=True).count(),
        devices=len(list(devices_for_user(staff, confirmed=None))),
        assignments=Assignment.objects.filter(staff=staff).count(),
        pending_requests=AccessRequest.objects.filter(requester=staff, status=RequestStatus.PENDING).count()
        + DisclosureRequest.objects.filter(requester=staff, status=DisclosureStatus.PENDING).count(),
        unheld_cases=_unheld_cases(staff),
        unheld_reports=_unheld_reports(staff),
    )


def other_active_admins(staff: StaffUser) -> QuerySet[StaffUser]:
    return StaffUser.objects.filter(role=Role.ADMIN, is_active=True).exclude(pk=staff.pk)


def other_receivers_of_new_reports(staff: StaffUser) -> QuerySet[StaffUser]:
    """Everyone else a new report's key is sealed to now (``intake.sealing.new_report_recipients``)."""
    return StaffUser.objects.filter(
        receives_new_reports=True, role__in=CONTENT_ROLES, is_active=True
    ).exclude(pk=staff.pk)


def cases_without_active_holder() -> QuerySet[Case]:
    """Cases whose data key no active staff member holds: only the recovery key opens them."""
    held = CaseKey.objects.filter(case=OuterRef("pk"), kind=CaseKeyKind.DATA, staff__is_active=True)
    return Case.objects.filter(~Exists(held)).order_by("reference")


def reports_without_active_reader() -> QuerySet[Report]:
    """Reports caseworkers may read whose data key no active staff member holds (none was chosen to receive
    new reports when they arrived, or every holder was offboarded)."""
    held = SealedKey.objects.filter(
        report=OuterRef("pk"),
        kind=KeyKind.DATA,
        recipient_kind=RecipientKind.STAFF,
        staff__is_active=True,
    )
    return Report.objects.filter(Q(consent__in=REVIEWABLE_CONSENTS), ~Exists(held)).order_by("id")


def _kinds_for(user: StaffUser) -> list[ProposalKind]:
    if user.role == Role.ADMIN:
        return _kinds_for_admin()
    if user.role == Role.CUSTODIAN:
        return [ProposalKind.DISCLOSURE]
    return []


def proposals_waiting(*, user: StaffUser) -> QuerySet[Proposal]:
    """Live proposals of the kinds ``user``'s role decides (staff changes for administrators, first
    approvals of identity disclosures for custodians), soonest to lapse first."""
    return (
        Proposal.objects.filter(
            kind__in=_kinds_for(user), status=ProposalStatus.PENDING, expires_at__gt=timezone.now()
        )
        .select_related("staff", "proposed_by", "disclosure__report", "disclosure__requester")
        .order_by("expires_at", "id")
    )


RECENT_DAYS = 14


def proposals_recent(*, user: StaffUser) -> QuerySet[Proposal]:
    """Proposals of the kinds ``user``'s role decides that were decided or lapsed in the last ``RECENT_DAYS``
    days, newest first: what happened to the changes no longer waiting."""
    now = timezone.now()
    since = now - timedelta(days=RECENT_DAYS)
    return (
        Proposal.objects.filter(kind__in=_kinds_for(user), proposed_at__gte=since)
        .exclude(status=ProposalStatus.PENDING, expires_at__gt=now)
        .select_related("staff", "proposed_by", "decided_by", "disclosure__report", "disclosure__requester")
        .order_by("-proposed_at", "-id")
    )


def proposals_to_approve_count(*, user: StaffUser) -> int:
    """How many live proposals ``user`` could approve: not their own, not about themselves."""
    return proposals_waiting(user=user).exclude(proposed_by=user).exclude(staff=user).count()


def proposal_for_admin(*, public_id: UUID) -> Proposal:
    """A staff-change proposal (any state); 404 otherwise."""
    proposal = (
        Proposal.objects.filter(public_id=public_id, kind__in=_kinds_for_admin())
        .select_related("staff", "proposed_by")
        .first()
    )
    if proposal is None:
        raise Http404
    return proposal


def _kinds_for_admin() -> list[ProposalKind]:
    return [ProposalKind.ADD_MEMBER, ProposalKind.ROLE, ProposalKind.ROUTING, ProposalKind.OFFBOARD]


def second_person_exists(*, user: StaffUser) -> bool:
    """Whether another active member of ``user``'s role could approve what ``user`` proposes."""
    return StaffUser.objects.filter(role=user.role, is_active=True).exclude(pk=user.pk).exists()


def staff_member(*, staff_id: int) -> StaffUser:
    """Any staff account, for an administrator's pages; 404 otherwise."""
    member = StaffUser.objects.select_related("enrolment").filter(pk=staff_id).first()
    if member is None:
        raise Http404
    return member

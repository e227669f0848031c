"""Custody of reporters' identities (DESIGN §3, "Identity key"). A caseworker asks, with a reason; a
custodian approves by re-sealing the report's identity key — and the case's, if the report is in one — to
that caseworker, or denies. The reason is encrypted under a fresh key sealed to the requester and the
custodians.

Under the two-person rule (``LONGARM_TWO_PERSON_RULE``) one custodian's approval is a proposal
(``accounts.Proposal`` of kind "disclosure"): the identity key is sealed only when a second custodian approves
before it lapses. One custodian's denial is enough: refusing is the safe direction.
"""

from django.db import transaction
from django.utils import timezone

from longarm.accounts.administration import proposal_lifetime, two_person_rule
from longarm.accounts.models import CONTENT_ROLES, Proposal, ProposalKind, ProposalStatus, Role, StaffUser
from longarm.audit.models import ActorKind
from longarm.audit.services import audit_append
from longarm.cases.disclosure.contexts import reason_context
from longarm.cases.exceptions import NotAllowed, SecondCustodianNeeded
from longarm.cases.keys import (
    custodians,
    has_case_key,
    open_case_key,
    open_report_key,
    seal_case_key,
    seal_report_key,
)
from longarm.cases.models import (
    CaseKeyKind,
    CaseReport,
    DisclosureReasonKey,
    DisclosureRequest,
    DisclosureStatus,
)
from longarm.crypto.envelopes import encrypt, new_data_key, seal
from longarm.intake.models import KeyKind, RecipientKind, Report, SealedKey


def _audit(actor: StaffUser, action: str, report: Report) -> None:
    audit_append(
        actor=actor,
        actor_kind=ActorKind.STAFF,
        action=action,
        object_type="report",
        object_id=str(report.public_id),
    )


def holds_identity_key(*, report: Report, staff: StaffUser) -> bool:
    return SealedKey.objects.filter(
        report=report, kind=KeyKind.IDENTITY, recipient_kind=RecipientKind.STAFF, staff=staff
    ).exists()


@transaction.atomic
def disclosure_request(
    *, actor: StaffUser, private_key: bytes, report: Report, reason: str
) -> DisclosureRequest:
    """Ask the custodians for ``report``'s identity fields; returns the pending request.

    Raises ``NoAccess`` when ``actor`` cannot read the report, and ``NotAllowed`` when they already hold
    its identity key or already have a request waiting.
    """
    open_report_key(report=report, kind=KeyKind.DATA, staff=actor, private_key=private_key)
    if (
        holds_identity_key(report=report, staff=actor)
        or DisclosureRequest.objects.filter(
            report=report, requester=actor, status=DisclosureStatus.PENDING
        ).exists()
    ):
        raise NotAllowed
    reason_key = new_data_key()
    request = DisclosureRequest(report=report, requester=actor, requested_on=timezone.now().date())
    request.reason_ciphertext = encrypt(
        reason_key, reason.encode(), context=reason_context(request.public_id)
    )
    request.save()
    DisclosureReasonKey.objects.bulk_create(
        DisclosureReasonKey(request=request, staff=holder, sealed=seal(bytes(holder.public_key), reason_key))
        for holder in {actor, *custodians()}
    )
    _audit(actor, f"disclosure.request:{request.public_id}", report)
    return request


def _pending(request: DisclosureRequest, actor: StaffUser) -> DisclosureRequest:
    if actor.role != Role.CUSTODIAN or request.requester_id == actor.pk:
        raise NotAllowed
    # Locked, so that two custodians deciding at once cannot both act on the same request.
    locked = (
        DisclosureRequest.objects.select_for_update(no_key=True, of=("self",))
        .select_related("report", "requester")
        .get(pk=request.pk)
    )
    if locked.status != DisclosureStatus.PENDING:
        raise NotAllowed
    return locked


def first_approval(request: DisclosureRequest) -> Proposal | None:
    """The first custodian's approval of ``request`` still waiting for a second one, if any."""
    return (
        Proposal.objects.filter(
            kind=ProposalKind.DISCLOSURE,
            disclosure=request,
            status=ProposalStatus.PENDING,
            expires_at__gt=timezone.now(),
        )
        .select_related("proposed_by")
        .first()
    )


def _close_first_approval(request: DisclosureRequest, actor: StaffUser, status: ProposalStatus) -> None:
    Proposal.objects.filter(
        kind=ProposalKind.DISCLOSURE, disclosure=request, status=ProposalStatus.PENDING
    ).update(status=status, decided_by=actor, decided_at=timezone.now())


@transaction.atomic
def disclosure_approve(
    *, actor: StaffUser, private_key: bytes, request: DisclosureRequest
) -> DisclosureRequest:
    """Re-seal the report's identity key (and its case's, if any) to the requester; returns the request.

    Under the two-person rule the first custodian's approval only records a proposal and the request stays
    pending (check its status); the second custodian's approval seals.

    Raises ``NotAllowed`` unless ``actor`` is a custodian deciding someone else's pending request for a
    requester who can still read reports, ``SecondCustodianNeeded`` when ``actor`` gave the first approval,
    and ``NoAccess`` when the identity key is not sealed to ``actor``.
    """
    request = _pending(request, actor)
    requester, report = request.requester, request.report
    if not requester.is_active or requester.role not in CONTENT_ROLES:
        raise NotAllowed
    identity_key = open_report_key(report=report, kind=KeyKind.IDENTITY, staff=actor, private_key=private_key)
    if two_person_rule():
        first = first_approval(request)
        if first is None:
            now = timezone.now()
            proposal = Proposal.objects.create(
                kind=ProposalKind.DISCLOSURE,
                disclosure=request,
                staff=requester,
                proposed_by=actor,
                proposed_at=now,
                expires_at=now + proposal_lifetime(),
            )
            _audit(actor, f"disclosure.first_approval:{proposal.public_id}", report)
            return request
        if first.proposed_by_id == actor.pk:
            raise SecondCustodianNeeded
        _close_first_approval(request, actor, ProposalStatus.APPROVED)
    seal_report_key(report=report, kind=KeyKind.IDENTITY, key=identity_key, staff=requester)
    link = CaseReport.objects.filter(report=report).select_related("case").first()
    if link is not None and has_case_key(case=link.case, kind=CaseKeyKind.IDENTITY, staff=actor):
        case_key = open_case_key(
            case=link.case, kind=CaseKeyKind.IDENTITY, staff=actor, private_key=private_key
        )
        seal_case_key(case=link.case, kind=CaseKeyKind.IDENTITY, key=case_key, staff=requester)
    request.status, request.decided_by, request.decided_on = (
        DisclosureStatus.APPROVED,
        actor,
        timezone.now().date(),
    )
    request.save(update_fields=["status", "decided_by", "decided_on"])
    _audit(actor, f"disclosure.approve:{request.public_id}", report)
    return request


@transaction.atomic
def disclosure_deny(*, actor: StaffUser, request: DisclosureRequest) -> DisclosureRequest:
    """Refuse a pending request; raises ``NotAllowed`` as ``disclosure_approve`` does."""
    request = _pending(request, actor)
    _close_first_approval(request, actor, ProposalStatus.REJECTED)
    request.status, request.decided_by, request.decided_on = (
        DisclosureStatus.DENIED,
        actor,
        timezone.now().date(),
    )
    request.save(update_fields=["status", "decided_by", "decided_on"])
    _audit(actor, f"disclosure.deny:{request.public_id}", request.report)
    return request


@transaction.atomic
def disclosure_record_reason_read(*, actor: StaffUser, request: DisclosureRequest) -> None:
    _audit(actor, f"disclosure.read_reason:{request.public_id}", request.report)


@transaction.atomic
def report_record_identity_read(*, actor: StaffUser, report: Report) -> None:
    """Audit that ``actor`` read the report's identity fields."""
    _audit(actor, "report.read_identity", report)

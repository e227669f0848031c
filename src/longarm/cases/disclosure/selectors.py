from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.http import Http404
from django.utils import timezone

from longarm.accounts.models import Proposal, ProposalKind, ProposalStatus, StaffUser
from longarm.cases.disclosure.contexts import reason_context
from longarm.cases.models import DisclosureReasonKey, DisclosureRequest, DisclosureStatus
from longarm.crypto.envelopes import decrypt, unseal
from longarm.intake.models import KeyKind, RecipientKind, Report, SealedKey
from longarm.intake.selectors import report_identity


@dataclass(frozen=True)
class RequestView:
    request: DisclosureRequest
    reason: str

    @property
    def age_days(self) -> int:
        """Whole days the request has waited (requests are dated to the day)."""
        return max(0, (timezone.localdate() - self.request.requested_on).days)


def _reason(request: DisclosureRequest, sealed: bytes, private_key: bytes) -> str:
    key = unseal(private_key, sealed)
    return decrypt(key, bytes(request.reason_ciphertext), context=reason_context(request.public_id)).decode()


def _views(user: StaffUser, private_key: bytes, requests: list[DisclosureRequest]) -> list[RequestView]:
    sealed = {
        item.request_id: bytes(item.sealed)
        for item in DisclosureReasonKey.objects.filter(staff=user, request__in=requests)
    }
    return [
        RequestView(request=request, reason=_reason(request, sealed[request.pk], private_key))
        for request in requests
        if request.pk in sealed
    ]


def pending_for_custodian(*, user: StaffUser, private_key: bytes) -> list[RequestView]:
    """Pending requests whose reason is sealed to ``user``, oldest first, reasons decrypted."""
    requests = list(
        DisclosureRequest.objects.filter(status=DisclosureStatus.PENDING, keys__staff=user)
        .select_related("report", "requester")
        .order_by("id")
    )
    return _views(user, private_key, requests)


def first_approvals(*, requests: list[DisclosureRequest]) -> dict[int, Proposal]:
    """The first custodian's approval still waiting for a second one, by request id (two-person rule)."""
    waiting = Proposal.objects.filter(
        kind=ProposalKind.DISCLOSURE,
        status=ProposalStatus.PENDING,
        expires_at__gt=timezone.now(),
        disclosure__in=requests,
    ).select_related("proposed_by")
    return {proposal.disclosure_id: proposal for proposal in waiting if proposal.disclosure_id is not None}


def request_for_custodian(*, user: StaffUser, public_id: UUID) -> DisclosureRequest:
    """A request whose reason is sealed to ``user``; 404 otherwise."""
    request = DisclosureRequest.objects.filter(public_id=public_id, keys__staff=user).first()
    if request is None:
        raise Http404
    return request


def own_requests(*, user: StaffUser, private_key: bytes, report: Report) -> list[RequestView]:
    requests = list(
        DisclosureRequest.objects.filter(report=report, requester=user).select_related("decided_by")
    )
    return _views(user, private_key, requests)


def identity_for_staff(*, user: StaffUser, private_key: bytes, report: Report) -> dict[str, Any] | None:
    """The report's identity fields if its identity key is sealed to ``user``, else None."""
    sealed = SealedKey.objects.filter(
        report=report, kind=KeyKind.IDENTITY, recipient_kind=RecipientKind.STAFF, staff=user
    ).first()
    if sealed is None:
        return None
    return report_identity(report=report, identity_key=unseal(private_key, bytes(sealed.sealed)))

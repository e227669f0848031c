"""Reads of cases' referrals. A case is reached only through ``cases.selectors.case_for_user``: holding
the case's data key is membership (DESIGN §3), so anyone else gets 404."""

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from django.http import Http404

from longarm.accounts.models import StaffUser
from longarm.cases.keys import decrypt_json
from longarm.cases.models import Case, Referral, ReferralStatus
from longarm.cases.referrals.contexts import details_context, event_context, identity_context
from longarm.cases.selectors import case_for_user


@dataclass(frozen=True)
class EventView:
    status: ReferralStatus
    on: date
    by: StaffUser
    note: str


@dataclass(frozen=True)
class ReferralView:
    referral: Referral
    details: dict[str, Any]
    # None when the reader holds no identity key of the case, or the referral names nobody.
    identity: dict[str, Any] | None
    events: list[EventView]


def case_for_member(*, user: StaffUser, public_id: UUID) -> Case:
    """The case whose data key is sealed to ``user``; 404 otherwise (the API imports it from here)."""
    return case_for_user(user=user, public_id=public_id)


def referral_for_member(*, user: StaffUser, case_id: UUID, public_id: UUID) -> Referral:
    case = case_for_user(user=user, public_id=case_id)
    referral = Referral.objects.filter(case=case, public_id=public_id).select_related("case").first()
    if referral is None:
        raise Http404
    return referral


def referral_view(*, referral: Referral, data_key: bytes, identity_key: bytes | None) -> ReferralView:
    """Decrypt a referral, its history, and the names it holds if ``identity_key`` is given."""
    identity = None
    if identity_key is not None and referral.identity_ciphertext:
        identity = decrypt_json(
            identity_key, bytes(referral.identity_ciphertext), context=identity_context(referral)
        )
    events = [
        EventView(
            status=ReferralStatus(event.status),
            on=event.on,
            by=event.by,
            note=decrypt_json(
                data_key, bytes(event.note_ciphertext), context=event_context(referral, event.pk)
            )["note"],
        )
        for event in referral.events.select_related("by")
    ]
    return ReferralView(
        referral=referral,
        details=decrypt_json(data_key, bytes(referral.details_ciphertext), context=details_context(referral)),
        identity=identity,
        events=events,
    )

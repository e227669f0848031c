"""Writes on referrals and on the protection flag of a case. Each service runs in one transaction with its
audit event; content is encrypted under the case data key, names of relatives under the case identity key."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from longarm.accounts.models import StaffUser
from longarm.audit.models import ActorKind
from longarm.audit.services import audit_append
from longarm.cases.exceptions import NotAllowed
from longarm.cases.keys import encrypt_json, has_case_key, open_case_key
from longarm.cases.models import (
    ALLOWED_TRANSITIONS,
    Case,
    CaseKeyKind,
    CaseStatus,
    Referral,
    ReferralEvent,
    ReferralKind,
    ReferralStatus,
)
from longarm.cases.referrals.contexts import details_context, event_context, identity_context
from longarm.cases.services import case_change_status


@dataclass(frozen=True)
class ReferralInput:
    kind: ReferralKind
    agency: str = ""
    jurisdiction: str = ""
    provisions: list[str] = field(default_factory=list)
    support_type: str = ""
    sent_on: date | None = None
    # Reference number, advice given and by whom, pseudonyms of the relatives concerned, notes.
    details: dict[str, Any] = field(default_factory=dict)
    # Names of relatives (a welfare inquiry); needs the case identity key.
    relatives_names: str = ""


def _audit(actor: StaffUser, action: str, object_type: str, object_id: str) -> None:
    audit_append(
        actor=actor, actor_kind=ActorKind.STAFF, action=action, object_type=object_type, object_id=object_id
    )


def _add_event(
    *, actor: StaffUser, referral: Referral, data_key: bytes, status: str, on: date, note: str
) -> ReferralEvent:
    # The row's id is part of the note's associated data, so the note is written once the id exists.
    event = ReferralEvent.objects.create(
        referral=referral, status=status, on=on, by=actor, note_ciphertext=b""
    )
    event.note_ciphertext = encrypt_json(data_key, {"note": note}, context=event_context(referral, event.pk))
    event.save(update_fields=["note_ciphertext"])
    return event


def _case_referred(actor: StaffUser, referral: Referral) -> None:
    """A criminal referral that has gone out moves its case to "referred", where the workflow allows that
    from the case's status (a closed case, say, stays closed)."""
    if referral.kind != ReferralKind.CRIMINAL or referral.status != ReferralStatus.SENT:
        return
    case = referral.case
    if CaseStatus.REFERRED in ALLOWED_TRANSITIONS[CaseStatus(case.status)]:
        case_change_status(actor=actor, case=case, status=CaseStatus.REFERRED)


@transaction.atomic
def referral_create(*, actor: StaffUser, private_key: bytes, case: Case, data: ReferralInput) -> Referral:
    """Record a referral of ``case`` with its first history entry; returns it.

    Raises ``NoAccess`` when ``actor`` holds no data key of the case, and ``NotAllowed`` when names of
    relatives are given by someone who holds no identity key of the case.
    """
    data_key = open_case_key(case=case, kind=CaseKeyKind.DATA, staff=actor, private_key=private_key)
    today = timezone.now().date()
    referral = Referral(
        case=case,
        kind=data.kind,
        status=ReferralStatus.SENT if data.sent_on else ReferralStatus.DRAFT,
        jurisdiction=data.jurisdiction,
        provisions=list(data.provisions),
        agency=data.agency,
        support_type=data.support_type,
        sent_on=data.sent_on,
        created_by=actor,
        created_on=today,
    )
    referral.details_ciphertext = encrypt_json(data_key, data.details, context=details_context(referral))
    if data.relatives_names:
        if not has_case_key(case=case, kind=CaseKeyKind.IDENTITY, staff=actor):
            raise NotAllowed
        identity_key = open_case_key(
            case=case, kind=CaseKeyKind.IDENTITY, staff=actor, private_key=private_key
        )
        referral.identity_ciphertext = encrypt_json(
            identity_key, {"relatives_names": data.relatives_names}, context=identity_context(referral)
        )
    referral.save()
    _add_event(
        actor=actor,
        referral=referral,
        data_key=data_key,
        status=referral.status,
        on=data.sent_on or today,
        note="",
    )
    _audit(actor, f"referral.create:{data.kind}", "referral", str(referral.public_id))
    _case_referred(actor, referral)
    return referral


@transaction.atomic
def referral_change_status(
    *, actor: StaffUser, private_key: bytes, referral: Referral, status: ReferralStatus, on: date, note: str
) -> ReferralEvent:
    """Move a referral to ``status`` (or record a follow-up under the same status) with an encrypted note.

    Raises ``NoAccess`` when ``actor`` holds no data key of the referral's case.
    """
    data_key = open_case_key(case=referral.case, kind=CaseKeyKind.DATA, staff=actor, private_key=private_key)
    went_out = status == ReferralStatus.SENT and referral.status != ReferralStatus.SENT
    referral.status = status
    if status == ReferralStatus.SENT and referral.sent_on is None:
        referral.sent_on = on
    referral.save(update_fields=["status", "sent_on"])
    event = _add_event(actor=actor, referral=referral, data_key=data_key, status=status, on=on, note=note)
    _audit(actor, f"referral.status:{status}", "referral", str(referral.public_id))
    if went_out:
        _case_referred(actor, referral)
    return event


@transaction.atomic
def case_set_do_not_remove(*, actor: StaffUser, case: Case, do_not_remove: bool) -> Case:
    """Set the immigration-liaison flag: this person must not be removed from the host country."""
    case.do_not_remove = do_not_remove
    case.save(update_fields=["do_not_remove"])
    _audit(actor, f"case.do_not_remove:{'on' if do_not_remove else 'off'}", "case", str(case.public_id))
    return case


@transaction.atomic
def referral_record_read(*, actor: StaffUser, referral: Referral, identity: bool) -> None:
    """Audit that ``actor`` read the referral's content, and whether names under the identity key too."""
    action = "referral.read_identity" if identity else "referral.read"
    _audit(actor, action, "referral", str(referral.public_id))

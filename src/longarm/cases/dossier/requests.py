"""Dossier requests: only investigators download dossiers, so a caseworker asks one, who is given the case
if they do not hold it yet and sees the request until they download a dossier for that referral."""

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from longarm.accounts.models import Role, StaffUser
from longarm.cases.auditing import audit_case_act
from longarm.cases.exceptions import NotAllowed
from longarm.cases.keys import has_case_key
from longarm.cases.models import CaseKeyKind, DossierRequest, Referral
from longarm.cases.services import case_grant


def investigators() -> QuerySet[StaffUser]:
    return StaffUser.objects.filter(role=Role.INVESTIGATOR, is_active=True).order_by("username")


@transaction.atomic
def dossier_request_create(
    *, actor: StaffUser, private_key: bytes, referral: Referral, investigator: StaffUser
) -> DossierRequest:
    """Ask ``investigator`` for the dossier of ``referral``, granting them the case first if they do not
    hold it (audited as a grant); asking again while a request is open returns that request.

    Raises ``NotAllowed`` for someone who is not an active investigator, ``NoAccess`` when ``actor`` holds
    no key of the case."""
    if investigator.role != Role.INVESTIGATOR or not investigator.is_active:
        raise NotAllowed
    case = referral.case
    if not has_case_key(case=case, kind=CaseKeyKind.DATA, staff=investigator):
        case_grant(actor=actor, private_key=private_key, case=case, grantee=investigator)
    request, created = DossierRequest.objects.get_or_create(
        referral=referral,
        investigator=investigator,
        fulfilled_on=None,
        defaults={"requested_by": actor, "requested_on": timezone.now().date()},
    )
    if created:
        audit_case_act(actor, f"dossier.request:{referral.public_id}", case)
    return request


def dossier_requests_fulfil(*, referral: Referral, investigator: StaffUser) -> int:
    """Close the open requests of ``referral`` made of ``investigator``; returns how many."""
    return DossierRequest.objects.filter(
        referral=referral, investigator=investigator, fulfilled_on=None
    ).update(fulfilled_on=timezone.now().date())


def open_dossier_requests(*, investigator: StaffUser) -> QuerySet[DossierRequest]:
    return DossierRequest.objects.filter(investigator=investigator, fulfilled_on=None).select_related(
        "referral__case", "requested_by"
    )

"""Writing referrals through the API: record one of any kind, and add to its history (a status change or a
follow-up). The console's form for each kind checks the values, its services encrypt and store them and
move the case along (a criminal referral sent makes the case "referred"), each audited as in the console."""

from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.responses import Status

from longarm.api.auth import principal_of, scoped
from longarm.api.cases import referral_read
from longarm.api.cases import router as cases_router
from longarm.api.errors import InvalidInput, validated
from longarm.api.schemas import ERRORS, ReferralEventIn, ReferralIn, ReferralOut
from longarm.api.scopes import Access, Resource, Scope
from longarm.cases.exceptions import NotAllowed
from longarm.cases.keys import has_case_key
from longarm.cases.models import Case, CaseKeyKind, Person, PersonRole, ReferralStatus
from longarm.cases.referrals.forms import FORMS, ReferralStatusForm
from longarm.cases.referrals.selectors import referral_for_member
from longarm.cases.referrals.services import referral_change_status, referral_create
from longarm.cases.selectors import case_for_user, case_keys

# On the router of the reads: ninja serves one path from one router, every method of it.
router = cases_router
READ, WRITE = Scope(Resource.REFERRALS, Access.READ), Scope(Resource.REFERRALS, Access.WRITE)
_NAMES_NEED_IDENTITY = "relatives_names"


def _relatives(case: Case, public_ids: list[UUID]) -> list[int]:
    """The relatives of ``case`` named by public id, as the console's form takes them; 400 for any other."""
    found: QuerySet[Person] = Person.objects.filter(
        case=case, role=PersonRole.RELATIVE, public_id__in=public_ids
    )
    keys = dict(found.values_list("public_id", "pk"))
    if set(public_ids) - set(keys):
        raise InvalidInput.of("relatives", _("Choose relatives of this case only."))
    return [keys[public_id] for public_id in dict.fromkeys(public_ids)]


def _form_data(case: Case, payload: ReferralIn) -> dict[str, Any]:
    data = payload.dict(exclude={"kind", "relatives"})
    data["relatives"] = _relatives(case, payload.relatives)
    data["sent_on"] = payload.sent_on or ""
    return data


@router.get("/{public_id}/referrals/{referral_id}", response={200: ReferralOut, **ERRORS}, **scoped(READ))
def referral_detail(request: HttpRequest, public_id: UUID, referral_id: UUID) -> ReferralOut:
    """One referral with its decrypted details and history (never relatives' names). Audited."""
    principal = principal_of(request)
    referral = referral_for_member(user=principal.user, case_id=public_id, public_id=referral_id)
    keys = case_keys(case=referral.case, user=principal.user, private_key=principal.private_key)
    return referral_read(principal, referral, keys.data)


@router.post("/{public_id}/referrals", response={201: ReferralOut, **ERRORS}, **scoped(WRITE))
def referral_create_view(request: HttpRequest, public_id: UUID, payload: ReferralIn) -> Status[ReferralOut]:
    """Record a referral of a case you hold, with the fields of its kind; it is a draft until it has a
    date sent. Names of relatives need the case identity key (400 otherwise). Audited."""
    principal = principal_of(request)
    case = case_for_user(user=principal.user, public_id=public_id)
    holder = has_case_key(case=case, kind=CaseKeyKind.IDENTITY, staff=principal.user)
    if payload.relatives_names and not holder:
        raise InvalidInput.of(
            _NAMES_NEED_IDENTITY,
            _("You do not hold this case's identity key, so you cannot record relatives' names."),
        )
    form = validated(FORMS[payload.kind](_form_data(case, payload), case=case, identity_holder=holder))
    # The write and the audited read of what was written: one transaction, as every request.
    with transaction.atomic():
        try:
            referral = referral_create(
                actor=principal.user, private_key=principal.private_key, case=case, data=form.to_input()
            )
        except NotAllowed as error:
            raise InvalidInput.of(
                _NAMES_NEED_IDENTITY,
                _("You do not hold this case's identity key, so you cannot record relatives' names."),
            ) from error
        keys = case_keys(case=case, user=principal.user, private_key=principal.private_key)
        return Status(201, referral_read(principal, referral, keys.data))


@router.post(
    "/{public_id}/referrals/{referral_id}/events", response={201: ReferralOut, **ERRORS}, **scoped(WRITE)
)
def referral_event_create(
    request: HttpRequest, public_id: UUID, referral_id: UUID, payload: ReferralEventIn
) -> Status[ReferralOut]:
    """Add to a referral's history: move it to ``status`` (or record a follow-up under the same one) on
    ``on``, with a note encrypted under the case data key. Audited."""
    principal = principal_of(request)
    referral = referral_for_member(user=principal.user, case_id=public_id, public_id=referral_id)
    form = validated(ReferralStatusForm(payload.dict()))
    with transaction.atomic():
        referral_change_status(
            actor=principal.user,
            private_key=principal.private_key,
            referral=referral,
            status=ReferralStatus(form.cleaned_data["status"]),
            on=form.cleaned_data["on"],
            note=form.cleaned_data["note"],
        )
        keys = case_keys(case=referral.case, user=principal.user, private_key=principal.private_key)
        return Status(201, referral_read(principal, referral, keys.data))

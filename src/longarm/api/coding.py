"""Writing a case's incidents, persons and identifiers through the API. The console's forms check the
values (vocabularies, dates, regions, who may write a reporter's or relative's name) and its services
encrypt and store them under the case keys, each audited as in the console."""

from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.responses import Status

from longarm.api.auth import principal_of, scoped
from longarm.api.cases import incident_out, person_out
from longarm.api.cases import router as cases_router
from longarm.api.errors import InvalidInput, validated
from longarm.api.linking import case_identifier_views, case_router, identifier_out
from longarm.api.schemas import (
    ERRORS,
    ErrorOut,
    IdentifierIn,
    IdentifierOut,
    IncidentIn,
    IncidentOut,
    PersonIn,
    PersonOut,
)
from longarm.api.scopes import Access, Resource, Scope
from longarm.cases.casefile import case_file_open
from longarm.cases.coding.forms import IdentifierForm, IncidentForm, PersonForm
from longarm.cases.coding.limits import identifier_limit_message
from longarm.cases.coding.selectors import identifier_for_user, incident_for_user, person_for_user
from longarm.cases.coding.services import (
    identifier_add,
    identifier_delete,
    incident_create,
    incident_update,
    person_create,
    person_update,
)
from longarm.cases.exceptions import NotAllowed
from longarm.cases.keys import has_case_key
from longarm.cases.models import CaseKeyKind, IdentifierKind
from longarm.cases.selectors import case_for_user
from longarm.linking.exceptions import IdentifierLimitReached, IdentifierRefused

# On the routers of the reads: ninja serves one path from one router, every method of it.
router = cases_router
INCIDENTS_READ, INCIDENTS_WRITE = (
    Scope(Resource.INCIDENTS, Access.READ),
    Scope(Resource.INCIDENTS, Access.WRITE),
)
PERSONS_READ, PERSONS_WRITE = Scope(Resource.PERSONS, Access.READ), Scope(Resource.PERSONS, Access.WRITE)
IDENTIFIERS_READ = Scope(Resource.IDENTIFIERS, Access.READ)
IDENTIFIERS_WRITE = Scope(Resource.IDENTIFIERS, Access.WRITE)
_INVOLVEMENTS = ("targets", "perpetrators", "intermediaries", "witnesses")


def _incident_data(payload: IncidentIn) -> dict[str, Any]:
    data = payload.dict()
    for name in _INVOLVEMENTS:
        data[name] = [str(public_id) for public_id in data[name]]
    return data


@router.get(
    "/{public_id}/incidents/{incident_id}",
    response={200: IncidentOut, **ERRORS},
    **scoped(INCIDENTS_READ),
)
def incident_detail(request: HttpRequest, public_id: UUID, incident_id: UUID) -> IncidentOut:
    """One incident, decrypted. Audited as a read of the case."""
    principal = principal_of(request)
    _case, file = case_file_open(user=principal.user, private_key=principal.private_key, public_id=public_id)
    for view in file.incidents:
        if view.incident.public_id == incident_id:
            return incident_out(view.incident, view.description)
    raise Http404


@router.post("/{public_id}/incidents", response={201: IncidentOut, **ERRORS}, **scoped(INCIDENTS_WRITE))
def incident_create_view(request: HttpRequest, public_id: UUID, payload: IncidentIn) -> Status[IncidentOut]:
    """Record an incident on a case you hold; its description is encrypted under the case data key.
    Audited."""
    principal = principal_of(request)
    case = case_for_user(user=principal.user, public_id=public_id)
    form = validated(IncidentForm(_incident_data(payload), case=case))
    incident = incident_create(
        actor=principal.user, private_key=principal.private_key, case=case, data=form.to_input()
    )
    return Status(201, incident_out(incident, form.cleaned_data["description"]))


@router.put(
    "/{public_id}/incidents/{incident_id}", response={200: IncidentOut, **ERRORS}, **scoped(INCIDENTS_WRITE)
)
def incident_replace(
    request: HttpRequest, public_id: UUID, incident_id: UUID, payload: IncidentIn
) -> IncidentOut:
    """Replace an incident's coding, description and involvements, as the console's form does. Audited."""
    principal = principal_of(request)
    incident = incident_for_user(user=principal.user, case_id=public_id, public_id=incident_id)
    form = validated(IncidentForm(_incident_data(payload), case=incident.case))
    incident_update(
        actor=principal.user, private_key=principal.private_key, incident=incident, data=form.to_input()
    )
    return incident_out(incident, form.cleaned_data["description"])


@router.get("/{public_id}/persons/{person_id}", response={200: PersonOut, **ERRORS}, **scoped(PERSONS_READ))
def person_detail(request: HttpRequest, public_id: UUID, person_id: UUID) -> PersonOut:
    """One person with their pseudonym and details (never a name under the identity key). Audited as a
    read of the case."""
    principal = principal_of(request)
    _case, file = case_file_open(user=principal.user, private_key=principal.private_key, public_id=public_id)
    for view in file.persons:
        if view.person.public_id == person_id:
            return person_out(view.person, view.details)
    raise Http404


def _person_form(payload: PersonIn, *, identity_holder: bool) -> PersonForm:
    return validated(PersonForm(payload.dict(), identity_holder=identity_holder))


@router.post("/{public_id}/persons", response={201: PersonOut, **ERRORS}, **scoped(PERSONS_WRITE))
def person_create_view(request: HttpRequest, public_id: UUID, payload: PersonIn) -> Status[PersonOut]:
    """Add a person to a case you hold: details under the case data key, a reporter's or relative's name
    under the case identity key (only for its holders; 400 otherwise). Audited."""
    principal = principal_of(request)
    case = case_for_user(user=principal.user, public_id=public_id)
    holder = has_case_key(case=case, kind=CaseKeyKind.IDENTITY, staff=principal.user)
    data = _person_form(payload, identity_holder=holder).to_input()
    person = person_create(actor=principal.user, private_key=principal.private_key, case=case, data=data)
    return Status(201, person_out(person, data.details))


@router.put("/{public_id}/persons/{person_id}", response={200: PersonOut, **ERRORS}, **scoped(PERSONS_WRITE))
def person_replace(request: HttpRequest, public_id: UUID, person_id: UUID, payload: PersonIn) -> PersonOut:
    """Replace a person's role, pseudonym and details (and name, for identity holders; a stored name is
    kept when a non-holder sends none). Audited."""
    principal = principal_of(request)
    person = person_for_user(user=principal.user, case_id=public_id, public_id=person_id)
    holder = has_case_key(case=person.case, kind=CaseKeyKind.IDENTITY, staff=principal.user)
    data = _person_form(payload, identity_holder=holder).to_input()
    try:
        person_update(actor=principal.user, private_key=principal.private_key, person=person, data=data)
    except NotAllowed as error:
        raise InvalidInput.of(
            "role", _("Only a holder of the identity key can change the role of a named person.")
        ) from error
    return person_out(person, data.details)


@case_router.get(
    "/{public_id}/identifiers/{identifier_id}",
    response={200: IdentifierOut, **ERRORS},
    **scoped(IDENTIFIERS_READ),
)
def identifier_detail(request: HttpRequest, public_id: UUID, identifier_id: UUID) -> IdentifierOut:
    """One identifier, decrypted, with the other cases it links to (a count for those you do not hold).
    Audited as a read of the case."""
    principal = principal_of(request)
    _case, file = case_file_open(user=principal.user, private_key=principal.private_key, public_id=public_id)
    for view in case_identifier_views(file):
        if view.identifier.public_id == identifier_id:
            return identifier_out(view)
    raise Http404


@case_router.post(
    "/{public_id}/identifiers",
    response={201: IdentifierOut, 429: ErrorOut, **ERRORS},
    **scoped(IDENTIFIERS_WRITE),
)
def identifier_create(request: HttpRequest, public_id: UUID, payload: IdentifierIn) -> Status[IdentifierOut]:
    """Add an identifier to a case you hold, encrypted, with the blind indexes that link it. Limited per
    staff member within the hour and the day (429 beyond, and counted, as in the console); audited. Its
    links are read with GET."""
    principal = principal_of(request)
    case = case_for_user(user=principal.user, public_id=public_id)
    form = validated(
        IdentifierForm(
            {
                "kind": payload.kind,
                "value": payload.value,
                "person": str(payload.person_id) if payload.person_id else "",
            },
            case=case,
        )
    )
    person = form.chosen_person()
    try:
        identifier = identifier_add(
            actor=principal.user,
            private_key=principal.private_key,
            case=case,
            kind=IdentifierKind(form.cleaned_data["kind"]),
            value=form.cleaned_data["value"],
            person=person,
        )
    except IdentifierLimitReached as limit:
        raise HttpError(429, identifier_limit_message(limit)) from limit
    except IdentifierRefused as refused:
        raise InvalidInput.of("value", refused.message) from refused
    return Status(
        201,
        IdentifierOut(
            public_id=identifier.public_id,
            kind=identifier.kind,
            value=form.cleaned_data["value"],
            person_id=person.public_id if person is not None else None,
            links=None,
        ),
    )


@case_router.delete(
    "/{public_id}/identifiers/{identifier_id}",
    response={204: None, **ERRORS},
    **scoped(IDENTIFIERS_WRITE),
)
def identifier_remove(request: HttpRequest, public_id: UUID, identifier_id: UUID) -> Status[None]:
    """Delete an identifier from a case you hold: it no longer links the case. Audited."""
    principal = principal_of(request)
    identifier = identifier_for_user(user=principal.user, case_id=public_id, public_id=identifier_id)
    identifier_delete(actor=principal.user, identifier=identifier)
    return Status(204, None)

"""Reads of a case's incidents, persons and identifiers, each reached through the case's access selector."""

from typing import Any
from uuid import UUID

from django.http import Http404

from longarm.accounts.models import StaffUser
from longarm.cases.contexts import incident_context, person_details_context, person_identity_context
from longarm.cases.keys import decrypt_json
from longarm.cases.models import Identifier, Incident, Person
from longarm.cases.selectors import CaseKeys, case_for_user


def incident_for_user(*, user: StaffUser, case_id: UUID, public_id: UUID) -> Incident:
    case = case_for_user(user=user, public_id=case_id)
    incident = case.incidents.filter(public_id=public_id).select_related("case").first()
    if incident is None:
        raise Http404
    return incident


def person_for_user(*, user: StaffUser, case_id: UUID, public_id: UUID) -> Person:
    case = case_for_user(user=user, public_id=case_id)
    person = case.persons.filter(public_id=public_id).select_related("case").first()
    if person is None:
        raise Http404
    return person


def identifier_for_user(*, user: StaffUser, case_id: UUID, public_id: UUID) -> Identifier:
    case = case_for_user(user=user, public_id=case_id)
    identifier = case.identifiers.filter(public_id=public_id).select_related("case").first()
    if identifier is None:
        raise Http404
    return identifier


def incident_description(*, incident: Incident, keys: CaseKeys) -> str:
    context = incident_context(incident.case.public_id, incident.public_id)
    return str(decrypt_json(keys.data, incident.description_ciphertext, context=context)["description"])


def person_content(*, person: Person, keys: CaseKeys) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The person's details, and their identity if ``keys`` hold the identity key (else None)."""
    case_id = person.case.public_id
    details = decrypt_json(
        keys.data, person.details_ciphertext, context=person_details_context(case_id, person.public_id)
    )
    identity = None
    if keys.identity is not None:
        identity = {}
        if person.identity_ciphertext:
            identity = decrypt_json(
                keys.identity,
                person.identity_ciphertext,
                context=person_identity_context(case_id, person.public_id),
            )
    return details, identity

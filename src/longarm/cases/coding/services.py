"""Writes of who did what to whom on a case: incidents, persons with their role per incident, identifiers.
Content goes under the case data key; names of reporters and relatives under the case identity key, which
only custodians and caseworkers a custodian approved hold (DESIGN §3)."""

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from longarm.accounts.models import StaffUser
from longarm.analytics.services import facts_sync_case
from longarm.cases.auditing import audit_case_act
from longarm.cases.codes import case_codes_refresh
from longarm.cases.contexts import (
    identifier_context,
    incident_context,
    person_details_context,
    person_identity_context,
)
from longarm.cases.exceptions import NotAllowed
from longarm.cases.keys import encrypt_json, has_case_key, open_case_key
from longarm.cases.models import (
    Case,
    CaseKeyKind,
    DatePrecision,
    Identifier,
    IdentifierKind,
    Incident,
    Involvement,
    Person,
    PersonRole,
)
from longarm.linking.services import (
    identifier_check_new,
    identifier_keys_removed,
    identifier_keys_store,
    identifier_matches_record,
    identifier_quota_take,
)

# Whose names are identity (custodians only) rather than case content.
IDENTITY_ROLES = frozenset({PersonRole.REPORTER, PersonRole.RELATIVE})


@dataclass(frozen=True)
class IncidentInput:
    year: int | None = None
    month: int | None = None
    day: int | None = None
    approximate: bool = False
    tactics: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    actors: list[str] = field(default_factory=list)
    harms: list[str] = field(default_factory=list)
    host_country: str = ""
    host_region: str = ""
    origin_region: str = ""
    description: str = ""
    # (person, Involvement.Kind) pairs; persons must belong to the incident's case.
    involvements: list[tuple[Person, str]] = field(default_factory=list)

    @property
    def precision(self) -> DatePrecision:
        if self.year is None:
            return DatePrecision.UNKNOWN
        if self.month is None:
            return DatePrecision.YEAR
        return DatePrecision.MONTH if self.day is None else DatePrecision.DAY


@dataclass(frozen=True)
class PersonInput:
    role: PersonRole
    label: str
    # Agency, rank, badge number, relationship, notes; a perpetrator's or intermediary's name too.
    details: dict[str, Any] = field(default_factory=dict)
    # A reporter's or relative's name; None leaves what is stored unchanged.
    identity: dict[str, Any] | None = None


def _data_key(actor: StaffUser, private_key: bytes, case: Case) -> bytes:
    return open_case_key(case=case, kind=CaseKeyKind.DATA, staff=actor, private_key=private_key)


def _fill_incident(incident: Incident, data: IncidentInput, data_key: bytes) -> None:
    incident.year, incident.month, incident.day = data.year, data.month, data.day
    incident.precision, incident.approximate = data.precision, data.approximate
    incident.tactics, incident.channels = sorted(data.tactics), sorted(data.channels)
    incident.actors, incident.harms = sorted(data.actors), sorted(data.harms)
    incident.host_country, incident.host_region = data.host_country, data.host_region
    incident.origin_region = data.origin_region
    incident.description_ciphertext = encrypt_json(
        data_key,
        {"description": data.description},
        context=incident_context(incident.case.public_id, incident.public_id),
    )


def _set_involvements(incident: Incident, involvements: list[tuple[Person, str]]) -> None:
    if any(person.case_id != incident.case_id for person, _ in involvements):
        raise NotAllowed
    incident.involvements.all().delete()
    Involvement.objects.bulk_create(
        Involvement(incident=incident, person=person, kind=kind) for person, kind in set(involvements)
    )


@transaction.atomic
def incident_create(*, actor: StaffUser, private_key: bytes, case: Case, data: IncidentInput) -> Incident:
    """Record an incident on ``case``; returns it. Raises ``NoAccess`` without the case data key and
    ``NotAllowed`` for a person of another case."""
    incident = Incident(case=case)
    _fill_incident(incident, data, _data_key(actor, private_key, case))
    incident.save()
    _set_involvements(incident, data.involvements)
    case_codes_refresh(case)
    facts_sync_case(case=case)
    audit_case_act(actor, "incident.create", case)
    return incident


@transaction.atomic
def incident_update(
    *, actor: StaffUser, private_key: bytes, incident: Incident, data: IncidentInput
) -> Incident:
    """Replace an incident's coding, description and involvements; raises as ``incident_create``."""
    _fill_incident(incident, data, _data_key(actor, private_key, incident.case))
    incident.save()
    _set_involvements(incident, data.involvements)
    case_codes_refresh(incident.case)
    facts_sync_case(case=incident.case)
    audit_case_act(actor, "incident.update", incident.case)
    return incident


def _write_person(person: Person, data: PersonInput, *, actor: StaffUser, private_key: bytes) -> None:
    case = person.case
    person.role, person.label = data.role, data.label
    person.details_ciphertext = encrypt_json(
        _data_key(actor, private_key, case),
        data.details,
        context=person_details_context(case.public_id, person.public_id),
    )
    if data.identity is None:
        return
    if data.role not in IDENTITY_ROLES or not has_case_key(case=case, kind=CaseKeyKind.IDENTITY, staff=actor):
        raise NotAllowed
    identity_key = open_case_key(case=case, kind=CaseKeyKind.IDENTITY, staff=actor, private_key=private_key)
    person.identity_ciphertext = encrypt_json(
        identity_key, data.identity, context=person_identity_context(case.public_id, person.public_id)
    )


@transaction.atomic
def person_create(*, actor: StaffUser, private_key: bytes, case: Case, data: PersonInput) -> Person:
    """Add a person to ``case``; returns it. Raises ``NoAccess`` without the case data key and
    ``NotAllowed`` when a name under the identity key is given by someone who does not hold that key."""
    person = Person(case=case, identity_ciphertext=b"")
    _write_person(person, data, actor=actor, private_key=private_key)
    person.save()
    audit_case_act(actor, "person.create", case)
    return person


@transaction.atomic
def person_update(*, actor: StaffUser, private_key: bytes, person: Person, data: PersonInput) -> Person:
    """Change a person's role, pseudonym and details (and name, for identity holders); raises as
    ``person_create``, and ``NotAllowed`` when someone without the identity key would drop a stored name
    by moving the person to a role whose names are not identity."""
    if data.role not in IDENTITY_ROLES and person.identity_ciphertext:
        if not has_case_key(case=person.case, kind=CaseKeyKind.IDENTITY, staff=actor):
            raise NotAllowed
        person.identity_ciphertext = b""
    _write_person(person, data, actor=actor, private_key=private_key)
    person.save()
    audit_case_act(actor, "person.update", person.case)
    return person


def identifier_add(
    *,
    actor: StaffUser,
    private_key: bytes,
    case: Case,
    kind: IdentifierKind,
    value: str,
    person: Person | None = None,
) -> Identifier:
    """Store an identifier as ciphertext with the blind indexes of its match keys (for linking); returns it.
    Raises ``IdentifierRefused`` for a value in which nothing can be matched or that the case already holds
    (before the quota: a refused value takes nothing from it), ``IdentifierLimitReached`` when ``actor`` has
    added as many identifiers as allowed within the hour or the day (that refusal stays counted and
    alerted), ``NoAccess`` without the case data key and ``NotAllowed`` for a person of another case."""
    identifier_check_new(case=case, kind=kind, value=value)
    identifier_quota_take(actor=actor, case=case)
    return _identifier_store(
        actor=actor, private_key=private_key, case=case, kind=kind, value=value, person=person
    )


@transaction.atomic
def _identifier_store(
    *,
    actor: StaffUser,
    private_key: bytes,
    case: Case,
    kind: IdentifierKind,
    value: str,
    person: Person | None,
) -> Identifier:
    if person is not None and person.case_id != case.pk:
        raise NotAllowed
    identifier = Identifier(case=case, person=person, kind=kind)
    identifier.ciphertext = encrypt_json(
        _data_key(actor, private_key, case),
        {"value": value},
        context=identifier_context(case.public_id, identifier.public_id),
    )
    identifier.save()
    identifier_keys_store(identifier=identifier, value=value)
    audit_case_act(actor, f"identifier.create:{kind}", case)
    # Adding a value to one's own case reveals whether cases one does not hold contain it: counted, and
    # alerted when it looks like probing (threat model §5.3).
    identifier_matches_record(actor=actor, identifier=identifier)
    return identifier


@transaction.atomic
def identifier_delete(*, actor: StaffUser, identifier: Identifier) -> None:
    case = identifier.case
    identifier.delete()
    identifier_keys_removed(case=case)
    audit_case_act(actor, "identifier.delete", case)

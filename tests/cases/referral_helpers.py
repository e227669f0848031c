"""Cases with incidents and persons for the tests of referrals, disclosure, attestations and dossiers."""

from typing import Any

from django.test import Client

from longarm.accounts.models import StaffUser
from longarm.cases.coding.services import IncidentInput, PersonInput, incident_create, person_create
from longarm.cases.keys import open_case_key, seal_case_key
from longarm.cases.models import Case, CaseKeyKind, Incident, Person, PersonRole
from longarm.cases.services import case_grant, case_open
from longarm.crypto.staff_keys import LockedPrivateKey, unlock_private_key
from longarm.intake.models import Report
from tests.conftest import STAFF_PASSWORD, Cast
from tests.intake.helpers import submit_report


def private_key(user: StaffUser) -> bytes:
    locked = LockedPrivateKey(salt=bytes(user.private_key_salt), ciphertext=bytes(user.private_key_locked))
    return unlock_private_key(locked, STAFF_PASSWORD, cost=user.private_key_cost)


def open_case(cast: Cast, **answers: Any) -> Case:
    """A case opened by the caseworker from a new report and granted to the investigator."""
    submit_report(Client(), **answers)
    report = Report.objects.latest("id")
    key = private_key(cast.caseworker)
    case = case_open(actor=cast.caseworker, private_key=key, report=report, summary="Summary")
    case_grant(actor=cast.caseworker, private_key=key, case=case, grantee=cast.investigator)
    return case


def give_case_identity_key(case: Case, cast: Cast, to: StaffUser) -> None:
    """As a custodian's approval would: the case identity key re-sealed to ``to``."""
    key = open_case_key(
        case=case, kind=CaseKeyKind.IDENTITY, staff=cast.custodian, private_key=private_key(cast.custodian)
    )
    seal_case_key(case=case, kind=CaseKeyKind.IDENTITY, key=key, staff=to)


def add_incident(case: Case, member: StaffUser, *, description: str, tactics: list[str]) -> Incident:
    return incident_create(
        actor=member,
        private_key=private_key(member),
        case=case,
        data=IncidentInput(year=2025, month=3, tactics=tactics, host_country="JP", description=description),
    )


def add_person(
    case: Case,
    member: StaffUser,
    *,
    role: PersonRole,
    label: str,
    details: dict[str, str] | None = None,
    name: str = "",
) -> Person:
    """A person recorded by ``member``; a relative's name needs ``member`` to hold the identity key."""
    return person_create(
        actor=member,
        private_key=private_key(member),
        case=case,
        data=PersonInput(
            role=role, label=label, details=details or {}, identity={"name": name} if name else None
        ),
    )

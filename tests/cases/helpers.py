"""Cases for the tests of the case console: opened through the services, as the console would."""

from typing import Any

from django.test import Client

from longarm.accounts.models import StaffUser
from longarm.cases.keys import open_case_key, seal_case_key
from longarm.cases.models import Case, CaseKeyKind
from longarm.cases.services import case_open
from longarm.crypto.staff_keys import LockedPrivateKey, unlock_private_key
from longarm.intake.models import Report
from tests.conftest import STAFF_PASSWORD, Cast, log_in
from tests.intake.helpers import submit_report


def private_key(user: StaffUser) -> bytes:
    locked = LockedPrivateKey(salt=bytes(user.private_key_salt), ciphertext=bytes(user.private_key_locked))
    return unlock_private_key(locked, STAFF_PASSWORD, cost=user.private_key_cost)


def new_report(**answers: Any) -> Report:
    """A report submitted through the reporter site; its key is sealed to the cast's caseworker."""
    submit_report(Client(), **answers)
    return Report.objects.latest("id")


def opened_case(cast: Cast, *, summary: str = "", **answers: Any) -> Case:
    report = new_report(**answers)
    key = private_key(cast.caseworker)
    return case_open(actor=cast.caseworker, private_key=key, report=report, summary=summary)


def console(user: StaffUser) -> Client:
    client = Client()
    log_in(client, user)
    return client


def approve_identity(case: Case, cast: Cast) -> None:
    """What a custodian's approval of a disclosure does: the case identity key re-sealed to the caseworker."""
    key = open_case_key(
        case=case, kind=CaseKeyKind.IDENTITY, staff=cast.custodian, private_key=private_key(cast.custodian)
    )
    seal_case_key(case=case, kind=CaseKeyKind.IDENTITY, key=key, staff=cast.caseworker)

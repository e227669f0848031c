"""Cases with identifiers for the linking tests, made through the services as the console would."""

from longarm.accounts.models import StaffUser
from longarm.cases.coding.services import identifier_add
from longarm.cases.models import Case, Identifier, IdentifierKind
from longarm.cases.services import case_grant, case_revoke
from tests.cases.helpers import opened_case, private_key
from tests.conftest import Cast


def case_held_by(cast: Cast, holder: StaffUser | None = None) -> Case:
    """A new case held by ``holder`` alone (default: the cast's caseworker)."""
    case = opened_case(cast)
    if holder is not None and holder != cast.caseworker:
        case_grant(actor=cast.caseworker, private_key=private_key(cast.caseworker), case=case, grantee=holder)
        case_revoke(actor=holder, case=case, staff=cast.caseworker)
    return case


def add(case: Case, holder: StaffUser, kind: str, value: str) -> Identifier:
    return identifier_add(
        actor=holder, private_key=private_key(holder), case=case, kind=IdentifierKind(kind), value=value
    )

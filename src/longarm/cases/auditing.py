"""The audit event of a staff act on a case, named by its public id: one helper for every case service."""

from longarm.accounts.models import StaffUser
from longarm.audit.models import ActorKind
from longarm.audit.services import audit_append
from longarm.cases.models import Case


def audit_case_act(actor: StaffUser, action: str, case: Case) -> None:
    audit_append(
        actor=actor,
        actor_kind=ActorKind.STAFF,
        action=action,
        object_type="case",
        object_id=str(case.public_id),
    )

from django.db import transaction

from longarm.accounts.models import StaffUser
from longarm.audit.models import ActorKind
from longarm.audit.services import audit_append
from longarm.intake.models import Report


@transaction.atomic
def hotline_record_read(*, operator: StaffUser, report: Report) -> None:
    """Audit that the operator re-read a report they entered. Unlike a caseworker's reading, it does not
    mark the report read: nobody has acted on it yet."""
    audit_append(
        actor=operator,
        actor_kind=ActorKind.STAFF,
        action="report.read:hotline",
        object_type="report",
        object_id=str(report.public_id),
    )

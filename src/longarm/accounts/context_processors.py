from functools import cached_property

from django.conf import settings
from django.http import HttpRequest

from longarm.accounts.models import Role, StaffUser
from longarm.accounts.selectors import proposals_to_approve_count


class PendingApprovals:
    """The console header's "Pending approvals" link: counted only when a page renders it for an
    administrator or a custodian, so other pages make no query for it."""

    def __init__(self, user: object) -> None:
        self._user = user

    @property
    def shown(self) -> bool:
        user = self._user
        return (
            bool(settings.LONGARM_TWO_PERSON_RULE)
            and isinstance(user, StaffUser)
            and user.role in {Role.ADMIN, Role.CUSTODIAN}
        )

    @cached_property
    def count(self) -> int:
        user = self._user
        return proposals_to_approve_count(user=user) if isinstance(user, StaffUser) and self.shown else 0


def pending_approvals(request: HttpRequest) -> dict[str, PendingApprovals]:
    return {"pending_approvals": PendingApprovals(getattr(request, "user", None))}

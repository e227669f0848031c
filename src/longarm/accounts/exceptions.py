from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from longarm.accounts.selectors import OffboardingPlan


class KeysLocked(Exception):
    """The session no longer holds the staff member's unlocked private key; they must log in again."""


class LoginRefused(Exception):
    """Wrong user name, password or one-time code, or too many attempts. Deliberately unspecific."""


class OffboardingRefused(Exception):
    """A staff member cannot be offboarded as asked; the subclass says why."""


class OffboardingSelf(OffboardingRefused):
    """An administrator tried to offboard themselves."""


class LastAdministrator(OffboardingRefused):
    """Offboarding would leave no active administrator to run the console."""


class AlreadyOffboarded(OffboardingRefused):
    """The account is inactive and holds no key material any more."""


class UnheldAfterOffboarding(OffboardingRefused):
    """Some case or report would be left readable by no active staff member, only by the recovery key, and
    the caller did not accept that. ``plan`` lists them."""

    def __init__(self, plan: "OffboardingPlan") -> None:
        super().__init__("offboarding would leave cases or reports to the recovery key alone")
        self.plan = plan


class PasskeyRefused(Exception):
    """A passkey response that answers no challenge of this session, does not verify, or names a credential
    that is not the account's. Deliberately unspecific."""


class CodesForbidden(LoginRefused):
    """The password and code were right, but the account's role logs in with a passkey only and the account
    has one."""


class EnrolmentRefused(Exception):
    """An enrolment link could not be completed; ``args[0]`` is "code", "password" or "used"."""


class ChangeRefused(Exception):
    """A staff administration change or a decision on a proposal was refused; ``message`` says why, for the
    administrator (translated)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

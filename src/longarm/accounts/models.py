from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from longarm.crypto.kdf import Argon2Cost


class Role(models.TextChoices):
    OPERATOR = "operator", _("Hotline operator")
    CASEWORKER = "caseworker", _("Caseworker")
    INVESTIGATOR = "investigator", _("Investigator")
    CUSTODIAN = "custodian", _("Identity custodian")
    ANALYST = "analyst", _("Analyst")
    ADMIN = "admin", _("Administrator")


# Roles that may be chosen to receive new reports: they read report content (DESIGN §5).
CONTENT_ROLES = frozenset({Role.CASEWORKER, Role.INVESTIGATOR})


class StaffUser(AbstractUser):
    """A staff account: one role, an X25519 key pair whose private half is locked under the password."""

    role = models.CharField(max_length=16, choices=Role.choices)
    public_key = models.BinaryField(max_length=32)
    private_key_salt = models.BinaryField(max_length=16)
    private_key_locked = models.BinaryField()
    # The Argon2id cost the key was locked with, so that raising the cost in settings never locks anyone out.
    private_key_opslimit = models.PositiveIntegerField()
    private_key_memlimit = models.PositiveBigIntegerField()
    receives_new_reports = models.BooleanField(
        default=False, help_text=_("New reports are sealed to this person's key when they arrive.")
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=[choice.value for choice in Role]), name="staff_role_known"
            ),
        ]

    def __str__(self) -> str:
        return self.username

    @property
    def offboarded(self) -> bool:
        """Inactive and holding no private key (``staff_offboard``): nothing is left to take away."""
        return not self.is_active and not bytes(self.private_key_locked)

    @property
    def private_key_cost(self) -> Argon2Cost:
        return Argon2Cost(opslimit=self.private_key_opslimit, memlimit=self.private_key_memlimit)


class SecondFactorPolicy(models.Model):
    """Whether staff of one role may log in with an authenticator-app code (TOTP) instead of a passkey.

    A role without a row may. An administrator forbids codes for roles a phished code must not open
    (custodians, administrators): their staff then log in with a passkey or security key only, and anyone
    of the role without a passkey yet may use a code only to enrol one (``accounts.passkeys``).
    """

    role = models.CharField(max_length=16, choices=Role.choices, unique=True)
    totp_allowed = models.BooleanField(default=True)
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(StaffUser, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=[choice.value for choice in Role]), name="policy_role_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role}: totp {'allowed' if self.totp_allowed else 'forbidden'}"

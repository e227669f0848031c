import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
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
        """Inactive and holding no private key (``staff_offboard``): nothing is left to take away. A new
        member who has not enrolled yet (``Enrolment``) holds no key either, but is not offboarded."""
        if self.is_active or bytes(self.private_key_locked):
            return False
        return not Enrolment.objects.filter(staff=self).exists()

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


class ProposalKind(models.TextChoices):
    ADD_MEMBER = "add_member", _("Add a staff member")
    ROLE = "role", _("Change a role")
    ROUTING = "routing", _("Change new-report routing")
    OFFBOARD = "offboard", _("Offboard a staff member")
    DISCLOSURE = "disclosure", _("Disclose a reporter's identity")
    PARTNERSHIP = "partnership", _("Add or change a federation partner")


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a second approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Proposal(models.Model):
    """A change one person proposed that takes effect only when a second one approves (the two-person rule,
    ``LONGARM_TWO_PERSON_RULE``). What is proposed is stored as plain fields, never anything a reporter sent:
    a disclosure proposal points at the request, whose reason stays encrypted there."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=16, choices=ProposalKind.choices)
    status = models.CharField(max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PENDING)
    staff = models.ForeignKey(StaffUser, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    username = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=16, blank=True, choices=Role.choices)
    receives = models.BooleanField(null=True, blank=True)
    accept_unheld = models.BooleanField(default=False)
    disclosure = models.ForeignKey(
        "cases.DisclosureRequest", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    proposed_by = models.ForeignKey(StaffUser, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        StaffUser, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["expires_at", "id"]
        indexes = [models.Index(fields=["status", "kind", "expires_at"], name="proposal_waiting")]

    def __str__(self) -> str:
        return f"{self.kind} {self.status} {self.public_id}"

    @property
    def expired(self) -> bool:
        return self.status == ProposalStatus.PENDING and self.expires_at <= timezone.now()


class Enrolment(models.Model):
    """A one-time link with which a new member chooses their password and enrols a second factor, or a member
    whose second factor was reset enrols a new one. Only a keyed hash of the link's secret is stored."""

    staff = models.OneToOneField(StaffUser, on_delete=models.CASCADE, related_name="enrolment")
    token_hash = models.BinaryField(max_length=32, unique=True)
    expires_at = models.DateTimeField()
    # Wrong passwords given with a second-factor reset link; at ``ENROLMENT_WRONG_PASSWORDS`` it is void.
    wrong_passwords = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        StaffUser, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"enrolment of {self.staff_id}"

    @property
    def new_account(self) -> bool:
        """True for a member who has no password or key yet; False after a second-factor reset."""
        return not bytes(self.staff.private_key_locked)

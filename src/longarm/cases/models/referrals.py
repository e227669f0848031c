"""Referrals, protection and welfare inquiries, identity disclosure and attestations."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from longarm.cases.models.case import Case


class ReferralKind(models.TextChoices):
    CRIMINAL = "criminal", _("Criminal investigation")
    PROTECTION = "protection", _("Protection and asylum advice")
    WELFARE = "welfare", _("Diplomatic welfare inquiry about relatives")
    SUPPORT = "support", _("Support services")


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")
    DECLINED = "declined", _("Declined")


class Referral(models.Model):
    """One referral of a case. Coded fields in clear (kind, jurisdiction, provisions, agency type, dates,
    status); everything said about people (relatives named in a welfare inquiry, reference numbers,
    responses) under the case data key, and relatives' names under the case identity key."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrals")
    kind = models.CharField(max_length=12, choices=ReferralKind.choices)
    status = models.CharField(max_length=14, choices=ReferralStatus.choices, default=ReferralStatus.DRAFT)
    jurisdiction = models.CharField(max_length=8, blank=True)
    provisions = models.JSONField(default=list, blank=True)
    agency = models.CharField(max_length=120, blank=True)
    support_type = models.CharField(max_length=20, blank=True)
    sent_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_on = models.DateField()
    details_ciphertext = models.BinaryField()
    identity_ciphertext = models.BinaryField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.public_id}"


class ReferralEvent(models.Model):
    """The status history of a referral, with an encrypted note (response, follow-up)."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=14, choices=ReferralStatus.choices)
    on = models.DateField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note_ciphertext = models.BinaryField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.referral_id} {self.status} {self.on}"


class DisclosureStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a custodian")
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Denied")


class DisclosureRequest(models.Model):
    """A caseworker asks a custodian for a report's identity key (DESIGN §3). The reason is encrypted under
    a key sealed to the requester and to the custodians."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    report = models.ForeignKey("intake.Report", on_delete=models.CASCADE, related_name="disclosure_requests")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    requested_on = models.DateField()
    status = models.CharField(
        max_length=10, choices=DisclosureStatus.choices, default=DisclosureStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_on = models.DateField(null=True, blank=True)
    reason_ciphertext = models.BinaryField()

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.status} {self.public_id}"


class DisclosureReasonKey(models.Model):
    request = models.ForeignKey(DisclosureRequest, on_delete=models.CASCADE, related_name="keys")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sealed = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request", "staff"], name="reason_key_once")]

    def __str__(self) -> str:
        return f"{self.request_id} for {self.staff_id}"


class Attestation(models.Model):
    """A signed protection attestation: a credible report was filed on a date under a reference. The
    verification code is stored only as a hash; the letter carries code and signature."""

    reference = models.CharField(max_length=24, unique=True)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attestations")
    report_filed_on = models.DateField()
    issued_on = models.DateField()
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # As printed on the letter and shown by the public verify page (empty on letters issued before them).
    organisation = models.CharField(max_length=200, blank=True)
    signatory_name = models.CharField(max_length=120, blank=True)
    signatory_role = models.CharField(max_length=120, blank=True)
    code_hash = models.BinaryField(max_length=32)
    signature = models.BinaryField(max_length=64)
    revoked_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return self.reference


class DossierRequest(models.Model):
    """A caseworker's request that an investigator prepare the dossier of a referral (only investigators
    download dossiers). Open until the investigator downloads one for that referral."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="dossier_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    investigator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_on = models.DateField()
    fulfilled_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["requested_on", "id"]

    def __str__(self) -> str:
        return f"dossier request {self.pk}"

"""A report and what is sealed and said about it. Everything a reporter wrote is ciphertext here; only the
coarse coded fields of DESIGN §3 are in clear, and only with the reporter's consent to statistics."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from longarm.core.ids import random_id
from longarm.core.positions import TakesNextPlace


class Consent(models.TextChoices):
    STATISTICS_ONLY = "statistics_only", _("Count it in anonymous statistics only")
    REVIEW = "review", _("Caseworkers may read it and reply to me")
    REFERRAL = (
        "referral",
        _("It may also be passed to the police for a criminal investigation, without my identity"),
    )
    IDENTITY = "identity", _("My identity may also be shared with the police")


# Consent levels under which caseworkers receive the report's key at all.
REVIEWABLE_CONSENTS = frozenset({Consent.REVIEW, Consent.REFERRAL, Consent.IDENTITY})
# Consent levels under which what the reporter sent (their words, their files) may leave us in a referral's
# dossier; their identity only under ``Consent.IDENTITY``.
REFERRAL_CONSENTS = frozenset({Consent.REFERRAL, Consent.IDENTITY})


class Urgency(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    HIGH = "high", _("High")
    NORMAL = "normal", _("Normal")


class ReportStatus(models.TextChoices):
    RECEIVED = "received", _("Received, not yet read")
    READ = "read", _("Read by a caseworker")
    ANSWERED = "answered", _("A caseworker has replied")
    CLOSED = "closed", _("Closed")


class IntakeChannel(models.TextChoices):
    WEB = "web", _("Online form")
    HOTLINE = "hotline", _("Hotline call")
    # The online form reached through a survey campaign's link: analysts can tell surveyed incidents apart.
    SURVEY = "survey", _("Online form, from a survey link")


class Report(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # A day, not a time: the exact moment could be matched against a watched network connection.
    received_on = models.DateField()
    status = models.CharField(max_length=16, choices=ReportStatus.choices, default=ReportStatus.RECEIVED)
    intake_channel = models.CharField(max_length=16, choices=IntakeChannel.choices, default=IntakeChannel.WEB)
    # A hotline report: the operator who read the consent text out to the caller and recorded their answer.
    consent_read_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    consent = models.CharField(max_length=20, choices=Consent.choices)
    statistics_consent = models.BooleanField()
    receipt_lookup_hash = models.BinaryField(max_length=32, unique=True)
    reporter_salt = models.BinaryField(max_length=16)
    reporter_public_key = models.BinaryField(max_length=32)
    answers_ciphertext = models.BinaryField()
    identity_ciphertext = models.BinaryField()
    # A hotline report's calls (when each began and ended, the caller's language, whether they want a call
    # back), a JSON list under the report's data key; empty for a web report.
    calls_ciphertext = models.BinaryField(blank=True, default=b"")
    # Kept in clear for everyone: a critical case must surface in triage before anyone opens it.
    urgency = models.CharField(max_length=10, choices=Urgency.choices)
    # Set when a caseworker changed the urgency the answers gave; their reason is under the report's data key.
    urgency_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    urgency_reason_ciphertext = models.BinaryField(blank=True, default=b"")
    # Coded fields (DESIGN §3): present only when the reporter agreed to statistics, coarsened.
    community = models.CharField(max_length=40, blank=True)
    host_country = models.CharField(max_length=8, blank=True)
    host_region = models.CharField(max_length=16, blank=True)
    incident_year = models.PositiveSmallIntegerField(null=True, blank=True)
    incident_month = models.PositiveSmallIntegerField(null=True, blank=True)
    tactic_codes = models.JSONField(default=list, blank=True)
    actor_codes = models.JSONField(default=list, blank=True)
    channel_codes = models.JSONField(default=list, blank=True)
    language = models.CharField(max_length=16, blank=True)
    # The thread's state, kept by every message written or deleted (``intake.threads``): whether the reporter
    # wrote last (the report waits for an answer from us), and the place in the thread (``Message.position``)
    # of the reporter's newest message (compared with a reader's read mark, it says whether they have seen
    # it). No time and nothing a reporter wrote: both are what the messages' own rows say, kept here so that
    # the inbox's "waiting for us first" order walks an index instead of looking at every report's messages.
    awaiting_reply = models.BooleanField(default=False)
    last_reporter_message = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["urgency", "status"]),
            # The inbox order (``inbox_for_staff``).
            models.Index(fields=["urgency", "-id"], name="report_inbox_order"),
            # The inbox's "waiting for us first" order (``intake.waiting``): the reports whose reporter wrote
            # last, and those whose reporter wrote before a caseworker answered, each in the inbox order.
            models.Index(
                fields=["urgency", "-id"],
                name="report_waiting_order",
                condition=models.Q(awaiting_reply=True),
            ),
            models.Index(
                fields=["urgency", "-id"],
                name="report_answered_order",
                condition=models.Q(awaiting_reply=False, last_reporter_message__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(consent__in=[choice.value for choice in Consent]),
                name="report_consent_known",
            ),
            models.CheckConstraint(
                condition=~models.Q(consent=Consent.STATISTICS_ONLY) | models.Q(statistics_consent=True),
                name="report_statistics_only_counts",
            ),
        ]

    def __str__(self) -> str:
        return str(self.public_id)

    @property
    def reference(self) -> str:
        return self.public_id.hex[:10].upper()


class KeyKind(models.TextChoices):
    DATA = "data", _("Report content")
    IDENTITY = "identity", _("Reporter identity and relatives")


class RecipientKind(models.TextChoices):
    STAFF = "staff", _("Staff member")
    RECOVERY = "recovery", _("Organisation recovery key")
    REPORTER = "reporter", _("Reporter")


class SealedKey(models.Model):
    """A report key sealed (X25519 SealedBox) to one recipient's public key."""

    # Random, not a sequence: a submission's seals, numbered between the seals of staff grants (each chained
    # to the second), would date it (threat model §5.5, "Message ids").
    id = models.BigIntegerField(primary_key=True, default=random_id, editable=False)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="sealed_keys")
    kind = models.CharField(max_length=10, choices=KeyKind.choices)
    recipient_kind = models.CharField(max_length=10, choices=RecipientKind.choices)
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE)
    sealed = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["report", "kind", "staff"],
                condition=models.Q(recipient_kind="staff"),
                name="sealed_key_once_per_staff",
            ),
            models.UniqueConstraint(
                fields=["report", "kind", "recipient_kind"],
                condition=~models.Q(recipient_kind="staff"),
                name="sealed_key_once_per_holder",
            ),
            models.CheckConstraint(
                condition=models.Q(recipient_kind="staff", staff__isnull=False)
                | (~models.Q(recipient_kind="staff") & models.Q(staff__isnull=True)),
                name="sealed_key_staff_iff_staff_recipient",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} key of {self.report_id} for {self.recipient_kind}"


class MessageAuthor(models.TextChoices):
    REPORTER = "reporter", _("You")
    STAFF = "staff", _("Caseworker")


class Message(TakesNextPlace):
    place_among = "report"

    # Random, not a sequence: ids numbered across every report would place a reporter's message (dated to
    # the day) between staff messages dated to the minute (threat model §5.5, "Message ids").
    id = models.BigIntegerField(primary_key=True, default=random_id, editable=False)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="messages")
    # The message's place in its report's thread (1, 2, …), given under the report's row lock when it is
    # written: the order within one thread and nothing across threads.
    position = models.PositiveIntegerField(editable=False)
    author_kind = models.CharField(max_length=10, choices=MessageAuthor.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    created_at = models.DateTimeField()
    ciphertext = models.BinaryField()

    class Meta:
        ordering = ["report_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["report", "position"], name="message_position_once"),
        ]

    def __str__(self) -> str:
        return str(self.public_id)


class ShreddedReceipt(models.Model):
    """What is left of a report crypto-shredded under the retention policy: the receipt's lookup hash, so
    that its reporter is told the report was removed rather than that their receipt is wrong, and the month
    it went. Kept ``LONGARM_RETENTION_NOTICE_DAYS`` (0: none kept); holds nothing the report said."""

    receipt_lookup_hash = models.BinaryField(max_length=32, unique=True)
    # A month, not a day: retention runs in batches, and the day would only add a way to line rows up.
    shredded_in = models.DateField()

    def __str__(self) -> str:
        return f"shredded receipt ({self.shredded_in:%Y-%m})"


class ReadMark(models.Model):
    """How far one staff member has read one report's thread: the place in the thread (``Message.position``)
    of the newest message there when they last opened it, so the reporter's later messages show as unread to
    them (and to nobody who has read them). No time is kept: when someone read a report is in the audit log,
    where it belongs; this row says only that they opened it and how many of its messages they had then
    (threat model §5.5, read marks)."""

    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="read_marks")
    seen_up_to = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["staff", "report"], name="read_mark_once")]

    def __str__(self) -> str:
        return f"{self.staff_id} read {self.report_id} up to {self.seen_up_to}"

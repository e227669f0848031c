"""Federated linking (issue 19): partner deployments, the strong match keys this deployment offers to
private set intersection, the runs with partners and what they found, and messages between deployments.

Nothing here holds an identifier in clear: the offered keys are ciphertext under the federation key, what a
run found is a tag under that key, and a partner's message is sealed to this deployment's signing key."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Mode(models.TextChoices):
    INTERSECTION = "intersection", _("Which identifiers are in common")
    CARDINALITY = "cardinality", _("How many identifiers are in common (for low-trust partners)")


class Partnership(models.Model):
    """A partner deployment, known by the Ed25519 public key and endpoint its administrators gave ours out of
    band, and the terms both sides agreed: which kinds of identifier, which mode, and the limits that stand
    against probing. Made and changed only through :class:`PartnershipChange` (the two-person rule)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100, unique=True)
    public_key = models.BinaryField(max_length=32, unique=True)
    endpoint = models.CharField(max_length=300)
    # Match-key schemes offered and asked for ("phone", "wechat", …): strong kinds only.
    kinds = models.JSONField(default=list)
    mode = models.CharField(max_length=12, choices=Mode.choices, default=Mode.CARDINALITY)
    # The largest set bounds how many guessed values a dishonest partner can test per run (threat model
    # §5.8): the default suits a partner of an NGO's size; a larger partner's must be chosen, not inherited.
    smallest_set = models.PositiveIntegerField(default=100)
    largest_set = models.PositiveIntegerField(default=10_000)
    runs_per_period = models.PositiveSmallIntegerField(default=1)
    period_days = models.PositiveSmallIntegerField(default=7)
    # A partner's set must differ in size from its previous accepted run by at least this many elements.
    minimum_change = models.PositiveIntegerField(default=10)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PartnershipChange(models.Model):
    """What an administrator proposed for a partnership (a new one when ``partnership`` is empty): the terms
    as plain values an administrator typed, never anything a reporter sent. It takes effect when a second
    administrator approves ``proposal``."""

    proposal = models.OneToOneField(
        "accounts.Proposal", on_delete=models.CASCADE, related_name="partnership_change"
    )
    partnership = models.ForeignKey(
        Partnership, null=True, blank=True, on_delete=models.CASCADE, related_name="changes"
    )
    terms = models.JSONField()

    def __str__(self) -> str:
        return f"change of {self.partnership_id or 'a new partnership'}"


class OfferedKey(models.Model):
    """One canonical strong match key of a case identifier (``scheme`` and its normal form, e.g. a phone
    number in E.164), ciphertext under the federation key: the element this deployment puts into a private
    set intersection. Written beside the identifier's blind indexes; goes with the identifier."""

    identifier = models.ForeignKey("cases.Identifier", on_delete=models.CASCADE, related_name="offered_keys")
    scheme = models.CharField(max_length=24)
    ciphertext = models.BinaryField()

    class Meta:
        indexes = [models.Index(fields=["scheme"], name="federation_offered_scheme")]

    def __str__(self) -> str:
        return f"{self.scheme} offered by {self.identifier_id}"


class Role(models.TextChoices):
    ASKED = "asked", _("We asked the partner")
    ANSWERED = "answered", _("The partner asked us")


class Outcome(models.TextChoices):
    # Answering side: accepted, the answer computed by the task worker and waiting to be fetched.
    PENDING = "pending", _("Accepted, not yet fetched")
    DONE = "done", _("Done")
    REFUSED = "refused", _("Refused")
    FAILED = "failed", _("Failed")
    # Answering side: the partner never fetched the answer in time; it was deleted.
    EXPIRED = "expired", _("Expired unfetched")


class Run(models.Model):
    """One private set intersection with a partner, on either side. ``figures_ciphertext`` holds the sizes
    of both sets and of what was found in common, under the federation key: counts of identifiers are
    derived from what reporters gave, so they are never in a clear column. ``findings_ciphertext`` holds,
    under the same key and padded to a power-of-two length, which of our identifiers (and which of their
    strong keys) a run we asked found in common: one value, so that no row count tells how many."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="runs")
    role = models.CharField(max_length=8, choices=Role.choices)
    mode = models.CharField(max_length=12, choices=Mode.choices)
    started_at = models.DateTimeField()
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    # The rule that refused the run ("too_small", "too_frequent", …); empty when it was done.
    refusal = models.CharField(max_length=24, blank=True)
    figures_ciphertext = models.BinaryField(default=b"")
    findings_ciphertext = models.BinaryField(default=b"")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["partnership", "role", "outcome", "started_at"], name="federation_runs")
        ]

    def __str__(self) -> str:
        return f"{self.role} run with {self.partnership_id}: {self.outcome}"


class PendingAnswer(models.Model):
    """The answering side of a run between the partner's request and its fetching the answer: the partner's
    blinded request, then our answer once the task worker has computed it, both under the federation key.
    Deleted when the answer is fetched or the run expires."""

    run = models.OneToOneField(Run, on_delete=models.CASCADE, related_name="pending_answer")
    request_ciphertext = models.BinaryField()
    answer_ciphertext = models.BinaryField(default=b"")
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"answer of run {self.run_id}"


class SeenNonce(models.Model):
    """A request nonce already accepted from a partner: the same signed request is never answered twice.
    Rows older than the accepted clock skew are removed, since their requests are refused as stale anyway."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    nonce = models.BinaryField(max_length=16)
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["partnership", "nonce"], name="federation_nonce_once")]

    def __str__(self) -> str:
        return f"nonce of {self.partnership_id}"


class PartnerMessage(models.Model):
    """A "contact the partner" message a partner's caseworker sent us, as received: sealed to this
    deployment's signing key, shown to administrators only."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="messages")
    received_at = models.DateTimeField()
    sealed = models.BinaryField()

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"message from {self.partnership_id}"


class MessageSent(models.Model):
    """That a caseworker sent (or tried to send) a partner a "contact the partner" message, and when: what
    the rate limit on sending counts. The message itself is not kept; the audit event names the
    identifier."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["partnership", "sent_at"], name="federation_sent_messages")]

    def __str__(self) -> str:
        return f"message to {self.partnership_id}"

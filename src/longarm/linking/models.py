"""Linking identifiers across cases without plaintext (DESIGN §3): one blind index per match key, the
clusters they form, the links caseworkers confirmed or rejected, and requests for access to linked cases."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from longarm.cases.models import IdentifierKind


class Strength(models.TextChoices):
    STRONG = "strong", _("Strong")
    WEAK = "weak", _("Weak (a suggestion only)")


class IdentifierKey(models.Model):
    """One match key of one identifier, as a blind index under the linking key of ``key_version``.

    ``case`` repeats the identifier's case so that "which cases share this index" is one index scan; the
    merge hook keeps it in step, and both foreign keys cascade so no key outlives its identifier.
    """

    identifier = models.ForeignKey("cases.Identifier", on_delete=models.CASCADE, related_name="match_keys")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="match_keys")
    # The match key's scheme ("phone", "name:pinyin"): what kind of value, never the value.
    scheme = models.CharField(max_length=24)
    strength = models.CharField(max_length=6, choices=Strength.choices)
    blind_index = models.BinaryField(max_length=16)
    key_version = models.PositiveIntegerField()

    class Meta:
        # With an index on key_version alone, SQLite's planner would scan every row of the version. The
        # lookup index covers every column a lookup reads, so "which cases share these indexes" touches a
        # few index pages and never the table. The partial index holds only strong keys, in blind-index
        # order: re-clustering reads it alone and never the far more numerous weak name keys.
        indexes = [
            models.Index(
                fields=["blind_index", "key_version", "case", "strength"], name="linking_key_lookup"
            ),
            models.Index(
                fields=["key_version", "blind_index", "case", "strength"],
                condition=models.Q(strength="strong"),
                name="linking_key_strong",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scheme} key of {self.identifier_id}"


class Suggestion(models.TextChoices):
    PENDING = "pending", _("Suggested")
    ADDED = "added", _("Added to the case")
    DISMISSED = "dismissed", _("Dismissed")


class ReportIdentifier(models.Model):
    """An identifier a reporter typed in a structured field of the questionnaire, as ciphertext under the
    report's data key (``report_identifier_context``), stored by the worker when the report arrives. It
    links the report before anyone opens a case; once the report is in a case it is offered to the
    caseworker, who adds it to the case (a case ``Identifier``) or dismisses it (``outcome``)."""

    # Chosen inside the submitting request: the ciphertext's associated data names it.
    public_id = models.UUIDField(unique=True, editable=False)
    report = models.ForeignKey("intake.Report", on_delete=models.CASCADE, related_name="typed_identifiers")
    kind = models.CharField(max_length=14, choices=IdentifierKind.choices)
    ciphertext = models.BinaryField()
    outcome = models.CharField(max_length=10, choices=Suggestion.choices, default=Suggestion.PENDING)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} typed in {self.report_id}"


class ReportIdentifierKey(models.Model):
    """One match key of an identifier a reporter typed, as a blind index under the linking key of
    ``key_version``: the report-level twin of :class:`IdentifierKey`. ``report`` repeats the identifier's
    report so that "which reports share this index" is one scan of the lookup index, which covers every
    column a lookup reads (as ``linking_key_lookup`` does for cases)."""

    identifier = models.ForeignKey(ReportIdentifier, on_delete=models.CASCADE, related_name="match_keys")
    report = models.ForeignKey("intake.Report", on_delete=models.CASCADE, related_name="match_keys")
    scheme = models.CharField(max_length=24)
    strength = models.CharField(max_length=6, choices=Strength.choices)
    blind_index = models.BinaryField(max_length=16)
    key_version = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(
                fields=["blind_index", "key_version", "report", "strength"], name="linking_report_key_lookup"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scheme} key of report identifier {self.identifier_id}"


class ClusterMembership(models.Model):
    """The cluster a case belongs to: the smallest case id of its connected component over strong (and
    confirmed) shared keys. Cases linked to no other case have no row."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="cluster_membership")
    cluster = models.PositiveBigIntegerField(db_index=True)

    def __str__(self) -> str:
        return f"{self.case_id} in {self.cluster}"


class Decision(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class LinkReview(models.Model):
    """A caseworker's decision on a suggested link: two cases (``low`` has the smaller id) and the blind
    index they share. A rejected link is never suggested again and never joins a cluster."""

    low = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="link_reviews_low")
    high = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="link_reviews_high")
    blind_index = models.BinaryField(max_length=16)
    key_version = models.PositiveIntegerField()
    decision = models.CharField(max_length=10, choices=Decision.choices)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["low", "high", "blind_index"], name="link_review_once"),
            models.CheckConstraint(condition=models.Q(low__lt=models.F("high")), name="link_review_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.decision} {self.low_id}-{self.high_id}"


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a holder of the case")
    GRANTED = "granted", _("Granted")
    DECLINED = "declined", _("Declined")


class AccessRequest(models.Model):
    """A request to hold a case that shares a key with a case the requester holds."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="access_requests")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The requester's case that links to ``case``: the reason they may ask.
    because_of = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="access_requests_made"
    )
    status = models.CharField(max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    created_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "requester"],
                condition=models.Q(status="pending"),
                name="access_request_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.requester_id} asks for {self.case_id}: {self.status}"

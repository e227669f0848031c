"""Releases of statistics and open data, and the differential-privacy budget they spend.

A release stores only what may be published: the protected (and possibly noised) table, or the coarsened
open-data records. Raw counts are never stored here; they are recomputed from the coded facts when needed.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReleaseKind(models.TextChoices):
    TABLE = "table", _("Statistics table")
    OPEN_DATA = "open_data", _("Open data: coded incident records")


class ReleaseStatus(models.TextChoices):
    PROPOSED = "proposed", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class NoiseMechanism(models.TextChoices):
    NONE = "none", _("No noise (suppression only)")
    LAPLACE = "laplace", _("Laplace noise (pure differential privacy)")
    GAUSSIAN = "gaussian", _("Gaussian noise (approximate differential privacy)")


class DatasetScope(models.TextChoices):
    """The data a release is computed from; releases from one scope share one privacy budget."""

    INCIDENTS = "incidents", _("Coded incidents")


class Release(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=12, choices=ReleaseKind.choices)
    status = models.CharField(max_length=12, choices=ReleaseStatus.choices, default=ReleaseStatus.PROPOSED)
    scope = models.CharField(max_length=20, choices=DatasetScope.choices, default=DatasetScope.INCIDENTS)
    # What was asked for: dimension codes and the filters as plain JSON (codes and ISO dates only).
    row_dimension = models.CharField(max_length=40, blank=True)
    column_dimension = models.CharField(max_length=40, blank=True)
    filters = models.JSONField(default=dict, blank=True)
    threshold = models.PositiveSmallIntegerField()
    mechanism = models.CharField(max_length=12, choices=NoiseMechanism.choices, default=NoiseMechanism.NONE)
    epsilon = models.FloatField(null=True, blank=True)
    delta = models.FloatField(null=True, blank=True)
    # The frozen, publishable content: a protected table or open-data records (schema in docs/open-data.md).
    content = models.JSONField()
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="releases_proposed"
    )
    proposed_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="releases_decided",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # Why the administrator approved or rejected it, in their words: staff metadata about a statistical
    # release, never about a reporter.
    decision_reason = models.TextField(blank=True)
    # A withdrawn release stays listed publicly as withdrawn, with this date; the reason is for staff.
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="releases_withdrawn",
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        indexes = [models.Index(fields=["status", "kind"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(mechanism="none") | models.Q(epsilon__gt=0),
                name="release_noise_has_epsilon",
            ),
        ]

    def __str__(self) -> str:
        return str(self.public_id)


class PrivacyBudget(models.Model):
    """The total differential-privacy loss one dataset scope may suffer, and how much is spent.

    Spending locks this row (``select_for_update``), so concurrent releases cannot both pass the check.
    """

    scope = models.CharField(max_length=20, choices=DatasetScope.choices, unique=True)
    epsilon_total = models.FloatField()
    delta_total = models.FloatField()
    epsilon_spent = models.FloatField(default=0.0)
    delta_spent = models.FloatField(default=0.0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(epsilon_spent__lte=models.F("epsilon_total") * 1.000001),
                name="privacy_budget_epsilon_not_overspent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope}: {self.epsilon_spent}/{self.epsilon_total}"


class PrivacySpend(models.Model):
    """One release's charge against its scope's budget (the ledger)."""

    budget = models.ForeignKey(PrivacyBudget, on_delete=models.PROTECT, related_name="spends")
    release = models.OneToOneField(Release, on_delete=models.PROTECT, related_name="privacy_spend")
    mechanism = models.CharField(max_length=12, choices=NoiseMechanism.choices)
    epsilon = models.FloatField()
    delta = models.FloatField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.release_id}: epsilon {self.epsilon}, delta {self.delta}"

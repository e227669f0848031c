"""Holds on retention: a staff member keeps a report or case past its retention date, for a stated reason."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class HoldReason(models.TextChoices):
    # Coded, not free text: the reason sits in clear beside the report, so it must say nothing of the case.
    # Details belong in the case's (encrypted) notes.
    LEGAL_PROCEEDINGS = "legal_proceedings", _("Court or police proceedings are pending")
    PROTECTION_PROCEDURE = "protection_procedure", _("An asylum or immigration procedure is pending")
    INVESTIGATION = "investigation", _("A criminal investigation is under way")
    REPORTER_ASKED = "reporter_asked", _("The reporter asked us to keep it")
    PATTERN_ANALYSIS = "pattern_analysis", _("It is linked to an open pattern of cases")


class RetentionHold(models.Model):
    """Keeps one report (outside a case) or one case from being shredded before ``until`` has passed."""

    report = models.ForeignKey(
        "intake.Report", null=True, blank=True, on_delete=models.CASCADE, related_name="retention_holds"
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="retention_holds"
    )
    until = models.DateField()
    reason = models.CharField(max_length=32, choices=HoldReason.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_on = models.DateField()

    class Meta:
        ordering = ["-until", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(report__isnull=False, case__isnull=True)
                    | models.Q(report__isnull=True, case__isnull=False)
                ),
                name="retention_hold_one_object",
            ),
            models.CheckConstraint(
                condition=models.Q(reason__in=[choice.value for choice in HoldReason]),
                name="retention_hold_reason_known",
            ),
        ]

    def __str__(self) -> str:
        return f"retention hold until {self.until:%Y-%m-%d} ({self.reason})"

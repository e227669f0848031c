"""Survey campaigns and their responses. A response holds only the campaign and the yes/no indicator
answers derived from a consenting respondent's coded fields: no link to the report, no date, no words."""

import datetime
import uuid

from django.conf import settings
from django.db import models


class SurveyCampaign(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The public link's key: unguessable, so that nobody can find a campaign's questionnaire (or flood it)
    # without having been given the link.
    slug = models.CharField(max_length=32, unique=True, editable=False)
    # Staff-entered and shown as entered, in whatever language the researchers wrote it.
    title = models.CharField(max_length=200)
    community = models.CharField(max_length=40)
    host_country = models.CharField(max_length=8)
    # Inclusive: the campaign takes responses from ``opens_on`` to ``closes_on``.
    opens_on = models.DateField()
    closes_on = models.DateField()
    # Closed by staff before its end: it takes no more responses, though ``closes_on`` may be today, the
    # day of its last possible answer (a closing date before an answer would misdate the survey's window).
    closed_early = models.BooleanField(default=False)
    # Indicator codes (``indicators.INDICATORS``) in display order; fixed once responses arrive.
    indicators = models.JSONField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_on = models.DateField()

    class Meta:
        ordering = ["-opens_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(opens_on__lte=models.F("closes_on")), name="survey_campaign_dates_ordered"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def is_open_on(self, day: datetime.date) -> bool:
        return not self.closed_early and self.opens_on <= day <= self.closes_on


class SurveyResponse(models.Model):
    # A random key rather than a counter: the order of responses must not line up with the order of reports.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(SurveyCampaign, on_delete=models.CASCADE, related_name="responses")
    # Indicator code -> yes/no, for exactly the campaign's indicators.
    answers = models.JSONField()

    def __str__(self) -> str:
        return f"response to {self.campaign_id}"

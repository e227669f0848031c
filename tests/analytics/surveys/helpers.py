"""Campaigns and respondents made through the services the console and the reporter site use."""

import datetime
from typing import Any

from django.db import transaction
from django.test import TestCase
from django.utils import timezone

from longarm.accounts.models import StaffUser
from longarm.analytics.surveys.models import SurveyCampaign, SurveyResponse
from longarm.analytics.surveys.services import campaign_create
from longarm.intake.answers import IncidentDate, ReportAnswers
from longarm.intake.models import Consent
from longarm.intake.services import report_submit


def new_campaign(actor: StaffUser, **overrides: Any) -> SurveyCampaign:
    today = timezone.now().date()
    fields: dict[str, Any] = {
        "title": "Uyghurs in the UK, 2026",
        "community": "uyghur",
        "host_country": "GB",
        "opens_on": today - datetime.timedelta(days=10),
        "closes_on": today + datetime.timedelta(days=30),
        "indicators": ["contacted_by_police", "relatives_targeted", "told_to_return"],
    }
    fields.update(overrides)
    return campaign_create(actor=actor, **fields)


def respond(
    campaign: SurveyCampaign,
    *,
    actor_types: tuple[str, ...] = (),
    tactics: tuple[str, ...] = ("online_harassment",),
    channels: tuple[str, ...] = (),
    statistics_consent: bool = True,
) -> SurveyResponse | None:
    """One respondent: an anonymous report submitted through the campaign's link, as the questionnaire view
    does it, and counted by the outbox's delivery after commit; returns the new response, if any."""
    answers = ReportAnswers(
        what_happened="A survey answer.",
        incident_date=IncidentDate(year=2025, month=6, day=None, approximate=True),
        host_country=campaign.host_country,
        host_region="",
        actor_types=actor_types,
        channels=channels,
        tactics=tactics,
        tactic_other="",
        community=campaign.community,
    )
    before = set(SurveyResponse.objects.values_list("pk", flat=True))
    with TestCase.captureOnCommitCallbacks(execute=True), transaction.atomic():
        report_submit(
            answers=answers,
            consent=Consent.STATISTICS_ONLY if statistics_consent else Consent.REVIEW,
            statistics_consent=statistics_consent,
            language="en",
            survey_campaign=campaign.public_id,
        )
    return SurveyResponse.objects.exclude(pk__in=before).first()

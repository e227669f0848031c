"""Campaigns and respondents made through the services the console and the reporter site use."""

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from longarm.accounts.models import StaffUser
from longarm.analytics.surveys.models import SurveyCampaign, SurveyResponse
from longarm.analytics.surveys.services import campaign_create, survey_response_record
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
    """One respondent: an anonymous report submitted and counted the way the questionnaire view does it."""
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
    with transaction.atomic():
        submission = report_submit(
            answers=answers,
            consent=Consent.STATISTICS_ONLY if statistics_consent else Consent.REVIEW,
            statistics_consent=statistics_consent,
            language="en",
        )
        return survey_response_record(campaign=campaign, report=submission.report)

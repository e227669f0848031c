import datetime
import secrets
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from longarm.accounts.models import StaffUser
from longarm.analytics.surveys.exceptions import CampaignDatesInvalid, UnknownIndicator
from longarm.analytics.surveys.indicators import INDICATOR_CODES, derive_answers
from longarm.analytics.surveys.models import SurveyCampaign, SurveyResponse
from longarm.audit.models import ActorKind
from longarm.audit.services import audit_append
from longarm.audit.tally import audit_count
from longarm.intake.models import Report
from longarm.taxonomy.vocabularies import vocabulary

_OBJECT_TYPE = "survey_campaign"


def _new_slug() -> str:
    # 128 bits: the link is the only thing between the public and the campaign's questionnaire.
    return secrets.token_urlsafe(16)


@transaction.atomic
def campaign_create(
    *,
    actor: StaffUser,
    title: str,
    community: str,
    host_country: str,
    opens_on: datetime.date,
    closes_on: datetime.date,
    indicators: Sequence[str],
) -> SurveyCampaign:
    """Create a campaign with a fresh public link and return it.

    Raises ``UnknownIndicator`` for an indicator not in the catalogue (or none at all) and
    ``CampaignDatesInvalid`` when it would close before it opens, ``UnknownCodeError`` for a community or
    host country not in the taxonomy.
    """
    chosen = list(dict.fromkeys(indicators))
    if not chosen or any(code not in INDICATOR_CODES for code in chosen):
        raise UnknownIndicator(chosen)
    if closes_on < opens_on:
        raise CampaignDatesInvalid
    vocabulary("communities").get(community)
    vocabulary("host_countries").get(host_country)
    campaign = SurveyCampaign.objects.create(
        slug=_new_slug(),
        title=title,
        community=community,
        host_country=host_country,
        opens_on=opens_on,
        closes_on=closes_on,
        indicators=chosen,
        created_by=actor,
        created_on=timezone.now().date(),
    )
    audit_append(
        actor=actor,
        actor_kind=ActorKind.STAFF,
        action="survey.campaign_create",
        object_type=_OBJECT_TYPE,
        object_id=str(campaign.public_id),
    )
    return campaign


@transaction.atomic
def campaign_close(*, actor: StaffUser, campaign: SurveyCampaign) -> SurveyCampaign:
    """Stop a campaign taking responses at once (for a link that reached the wrong people) and return it.

    Its closing date becomes today at the earliest: answers may have come today, and responses carry no
    date, so an earlier closing date could fall before the last answer. A campaign that had not opened yet
    opens and closes today, and takes nothing."""
    today = timezone.now().date()
    campaign.opens_on = min(campaign.opens_on, today)
    campaign.closes_on = max(min(campaign.closes_on, today), campaign.opens_on)
    campaign.closed_early = True
    campaign.save(update_fields=["opens_on", "closes_on", "closed_early"])
    audit_append(
        actor=actor,
        actor_kind=ActorKind.STAFF,
        action="survey.campaign_close",
        object_type=_OBJECT_TYPE,
        object_id=str(campaign.public_id),
    )
    return campaign


@transaction.atomic
def survey_response_record(*, campaign: SurveyCampaign, report: Report) -> SurveyResponse | None:
    """Count ``report`` as one response to ``campaign``; return the response, or None when the reporter
    declined statistics (their coded fields are not kept in clear, so nothing may be counted).

    Only the indicator answers are stored, derived from the report's coded fields as submitted; the response
    does not point back to the report.
    """
    if not report.statistics_consent:
        return None
    coded = {
        "tactic_codes": report.tactic_codes,
        "actor_codes": report.actor_codes,
        "channel_codes": report.channel_codes,
    }
    response = SurveyResponse.objects.create(
        campaign=campaign, answers=derive_answers(campaign.indicators, coded)
    )
    audit_append(
        actor=None,
        actor_kind=ActorKind.REPORTER,
        action="survey.respond",
        object_type=_OBJECT_TYPE,
        object_id=str(campaign.public_id),
    )
    return response


@transaction.atomic
def campaign_results_record_export(*, actor: StaffUser, campaign: SurveyCampaign, file_format: str) -> None:
    """Audit that ``actor`` downloaded the campaign's results as ``file_format`` ("csv" or "json")."""
    audit_append(
        actor=actor,
        actor_kind=ActorKind.STAFF,
        action=f"survey.results_export.{file_format}",
        object_type=_OBJECT_TYPE,
        object_id=str(campaign.public_id),
    )


@transaction.atomic
def survey_response_nothing_happened(*, campaign: SurveyCampaign) -> SurveyResponse:
    """Count one respondent who says none of the campaign's questions applies to them: every indicator
    "no". Prevalence needs them in the denominator; no report is made, so nothing reaches the incident
    tables, releases or open data. The act is tallied per window like a reporter's, never chained alone."""
    response = SurveyResponse.objects.create(
        campaign=campaign, answers=dict.fromkeys(campaign.indicators, False)
    )
    audit_count(action="survey.respond", outcome="nothing_happened")
    return response

"""A report that arrived through a campaign's link becomes one survey response, after the report commits."""

from uuid import UUID

from longarm.analytics.surveys.models import SurveyCampaign
from longarm.analytics.surveys.selectors import open_campaign_for_link
from longarm.analytics.surveys.services import survey_response_record
from longarm.core.outbox import REPORT_SUBMITTED, OutboxDelivery, subscribe
from longarm.intake.campaigns import CampaignLink, campaign_finder_register
from longarm.intake.models import Report


def campaign_link(key: str) -> CampaignLink | None:
    campaign = open_campaign_for_link(key)
    return None if campaign is None else CampaignLink(public_id=campaign.public_id, title=campaign.title)


def record_survey_response(delivery: OutboxDelivery) -> None:
    # The campaign was open when the reporter submitted (intake checked through campaign_link); it may have
    # closed since, and the response still counts. The outbox runs this once per report (a response does
    # not point back to its report, so it could not be found again to be replaced).
    campaign_id = delivery.payload.get("survey_campaign")
    if not isinstance(campaign_id, str):
        return
    campaign = SurveyCampaign.objects.filter(public_id=UUID(campaign_id)).first()
    report = Report.objects.filter(pk=int(delivery.object_id)).first()
    if campaign is not None and report is not None:
        survey_response_record(campaign=campaign, report=report)


def register() -> None:
    campaign_finder_register(campaign_link)
    subscribe(REPORT_SUBMITTED, "surveys.response", record_survey_response)

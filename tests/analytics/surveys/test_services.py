import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from longarm.analytics.surveys.exceptions import CampaignDatesInvalid, UnknownIndicator
from longarm.analytics.surveys.models import SurveyResponse
from longarm.analytics.surveys.selectors import campaign_results, open_campaign_for_link
from longarm.analytics.surveys.services import campaign_close
from longarm.audit.models import AuditEvent
from longarm.intake.models import Report
from longarm.taxonomy.exceptions import UnknownCodeError
from tests.analytics.surveys.helpers import new_campaign, respond
from tests.conftest import Cast, chain_reporter_events

pytestmark = pytest.mark.django_db


def test_a_campaign_gets_an_unguessable_link_and_an_audit_event(cast: Cast) -> None:
    first, second = new_campaign(cast.analyst), new_campaign(cast.admin)

    assert len(first.slug) >= 22
    assert first.slug != second.slug
    event = AuditEvent.objects.get(action="survey.campaign_create", object_id=str(first.public_id))
    assert event.actor == cast.analyst


def test_a_campaign_needs_known_codes_and_ordered_dates(cast: Cast) -> None:
    with pytest.raises(UnknownIndicator):
        new_campaign(cast.analyst, indicators=["contacted_by_police", "shoe_size"])
    with pytest.raises(UnknownIndicator):
        new_campaign(cast.analyst, indicators=[])
    with pytest.raises(UnknownCodeError):
        new_campaign(cast.analyst, community="martians")
    with pytest.raises(UnknownCodeError):
        new_campaign(cast.analyst, host_country="XX")
    today = timezone.now().date()
    with pytest.raises(CampaignDatesInvalid):
        new_campaign(cast.analyst, opens_on=today, closes_on=today - datetime.timedelta(days=1))


def test_a_response_keeps_only_the_derived_answers(cast: Cast) -> None:
    campaign = new_campaign(cast.analyst)

    response = respond(campaign, actor_types=("psb_local",), tactics=("told_to_return",))

    assert response is not None
    assert response.answers == {
        "contacted_by_police": True,
        "relatives_targeted": False,
        "told_to_return": True,
    }
    assert {field.name for field in SurveyResponse._meta.get_fields()} == {"id", "campaign", "answers"}
    chain_reporter_events()
    assert AuditEvent.objects.filter(action="survey.respond", object_id=str(campaign.public_id)).count() == 1


def test_a_respondent_without_statistics_consent_is_not_counted(cast: Cast) -> None:
    campaign = new_campaign(cast.analyst)

    assert respond(campaign, actor_types=("psb_local",), statistics_consent=False) is None

    assert Report.objects.count() == 1
    assert not SurveyResponse.objects.exists()
    assert not AuditEvent.objects.filter(action="survey.respond").exists()


@pytest.mark.parametrize(("respondents", "suppressed"), [(0, True), (4, True), (5, False)])
def test_results_are_withheld_below_the_default_threshold(
    cast: Cast, respondents: int, suppressed: bool
) -> None:
    campaign = new_campaign(cast.analyst)
    for _ in range(respondents):
        respond(campaign, actor_types=("psb_local",))

    results = campaign_results(campaign=campaign)

    assert results.threshold == 5
    assert results.respondents == respondents
    assert results.suppressed is suppressed
    police = results.indicators[0]
    assert police.respondents == respondents
    assert police.suppressed is suppressed
    assert (police.yes, police.prevalence) == ((None, None) if suppressed else (respondents, 1.0))


@override_settings(LONGARM_DISCLOSURE_THRESHOLD=3)
def test_the_threshold_comes_from_the_disclosure_setting(cast: Cast) -> None:
    campaign = new_campaign(cast.analyst)
    for _ in range(3):
        respond(campaign)

    results = campaign_results(campaign=campaign)

    assert (results.threshold, results.suppressed, results.indicators[0].yes) == (3, False, 0)


def test_results_take_one_query(cast: Cast, django_assert_num_queries: object) -> None:
    campaign = new_campaign(cast.analyst, indicators=["contacted_by_police", "relatives_targeted"])
    for _ in range(5):
        respond(campaign, tactics=("relatives_threatened",))

    with django_assert_num_queries(1):  # type: ignore[operator]  # pytest-django's context manager
        results = campaign_results(campaign=campaign)

    assert [item.yes for item in results.indicators] == [0, 5]


def test_a_closed_campaign_stops_taking_responses(cast: Cast) -> None:
    campaign = new_campaign(cast.analyst)
    assert open_campaign_for_link(campaign.slug) == campaign

    campaign_close(actor=cast.analyst, campaign=campaign)

    campaign.refresh_from_db()
    assert campaign.closes_on == timezone.now().date()
    assert open_campaign_for_link(campaign.slug) is None
    assert AuditEvent.objects.filter(action="survey.campaign_close").count() == 1


def test_closing_a_campaign_before_it_opens_keeps_it_from_ever_opening(cast: Cast) -> None:
    today = timezone.now().date()
    campaign = new_campaign(
        cast.analyst,
        opens_on=today + datetime.timedelta(days=3),
        closes_on=today + datetime.timedelta(days=9),
    )

    campaign_close(actor=cast.analyst, campaign=campaign)

    campaign.refresh_from_db()
    assert campaign.opens_on == campaign.closes_on == today
    assert open_campaign_for_link(campaign.slug) is None


def test_closing_a_campaign_never_dates_its_end_before_its_last_answer(cast: Cast) -> None:
    today = timezone.now().date()
    campaign = new_campaign(cast.analyst, opens_on=today - datetime.timedelta(days=5))
    respond(campaign, actor_types=("psb_local",), tactics=("told_to_return",))
    assert campaign.responses.count() == 1

    campaign_close(actor=cast.analyst, campaign=campaign)

    campaign.refresh_from_db()
    # The answer came today: the window the survey's figures describe must include today.
    assert campaign.closes_on >= today
    assert not campaign.is_open_on(today)


def test_unknown_overlong_and_future_links_open_nothing(cast: Cast) -> None:
    today = timezone.now().date()
    later = new_campaign(
        cast.analyst,
        opens_on=today + datetime.timedelta(days=1),
        closes_on=today + datetime.timedelta(days=5),
    )

    assert open_campaign_for_link(later.slug) is None
    assert open_campaign_for_link("") is None
    assert open_campaign_for_link("x" * 1000) is None
    assert open_campaign_for_link(later.slug + "x") is None

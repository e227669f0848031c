import csv
import datetime
import io
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from longarm.analytics.models import FactIncident
from longarm.analytics.surveys.models import SurveyCampaign, SurveyResponse
from longarm.analytics.surveys.services import campaign_close
from longarm.audit.models import AuditEvent
from longarm.intake.models import Report
from tests.analytics.surveys.helpers import new_campaign, respond
from tests.cases.helpers import console
from tests.conftest import Cast
from tests.gate.helpers import gate_fields
from tests.intake.helpers import answer_steps, report_answers, submit_report

pytestmark = pytest.mark.django_db


def test_an_analyst_creates_a_campaign_in_the_console(cast: Cast) -> None:
    client = console(cast.analyst)
    today = timezone.now().date()

    response = client.post(
        reverse("surveys:campaign_new"),
        {
            "title": "Uyghurs in the UK",
            "community": "uyghur",
            "host_country": "GB",
            "opens_on": today.isoformat(),
            "closes_on": (today + datetime.timedelta(days=60)).isoformat(),
            "indicators": ["contacted_by_police", "told_to_return"],
        },
    )

    campaign = SurveyCampaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("surveys:campaign", args=[campaign.public_id])
    assert (campaign.title, campaign.created_by) == ("Uyghurs in the UK", cast.analyst)
    assert campaign.indicators == ["contacted_by_police", "told_to_return"]
    page = client.get(response["Location"]).content.decode()
    assert reverse("survey:intro", args=[campaign.slug]) in page


def test_the_campaign_list_counts_respondents_in_few_queries(
    cast: Cast, django_assert_max_num_queries: Any
) -> None:
    for title in ("Uyghurs in the UK", "Tibetans in Japan", "Hongkongers in Canada"):
        campaign = new_campaign(cast.analyst, title=title)
        for _ in range(2):
            respond(campaign)
    client = console(cast.analyst)
    client.get(reverse("surveys:campaigns"))

    with django_assert_max_num_queries(8):
        page = client.get(reverse("surveys:campaigns")).content.decode()

    assert page.count("<td>2</td>") == 3
    assert "Tibetans in Japan" in page


def test_the_form_refuses_a_campaign_closing_before_it_opens(cast: Cast) -> None:
    today = timezone.now().date()
    response = console(cast.admin).post(
        reverse("surveys:campaign_new"),
        {
            "title": "Backwards",
            "community": "tibetan",
            "host_country": "JP",
            "opens_on": today.isoformat(),
            "closes_on": (today - datetime.timedelta(days=1)).isoformat(),
            "indicators": ["told_to_return"],
        },
    )

    assert response.status_code == 200
    assert "cannot close before it opens" in response.content.decode()
    assert not SurveyCampaign.objects.exists()


def test_the_results_page_shows_prevalence_and_interval(cast: Cast) -> None:
    campaign = new_campaign(cast.analyst, indicators=["contacted_by_police"])
    for index in range(6):
        respond(campaign, actor_types=("psb_local",) if index < 4 else ())

    page = console(cast.analyst).get(reverse("surveys:campaign", args=[campaign.public_id])).content.decode()

    # 4 of 6: 66.7%, Wilson 95% interval 30.0% to 90.3%.
    assert "66.7%" in page
    assert "30.0% – 90.3%" in page


def test_admins_manage_campaigns_but_see_no_figures(cast: Cast) -> None:
    campaign = new_campaign(cast.admin, indicators=["contacted_by_police"])
    for _ in range(5):
        respond(campaign, actor_types=("psb_local",))
    client = console(cast.admin)

    page = client.get(reverse("surveys:campaign", args=[campaign.public_id])).content.decode()

    assert "Only analysts see the results." in page
    assert "100.0%" not in page
    for name in ("results_csv", "results_json"):
        assert client.get(reverse(f"surveys:{name}", args=[campaign.public_id])).status_code == 403
    assert client.get(reverse("surveys:campaigns")).status_code == 200


def test_the_results_page_withholds_small_campaigns(cast: Cast) -> None:
    campaign = new_campaign(cast.analyst, indicators=["contacted_by_police"])
    for _ in range(4):
        respond(campaign, actor_types=("psb_local",))

    page = console(cast.analyst).get(reverse("surveys:campaign", args=[campaign.public_id])).content.decode()

    assert "withheld" in page
    assert "100.0%" not in page


def test_downloads_carry_the_results_and_are_audited(cast: Cast) -> None:
    campaign = new_campaign(cast.analyst, indicators=["contacted_by_police", "told_to_return"])
    for index in range(5):
        respond(campaign, actor_types=("psb_local",) if index < 3 else ())
    client = console(cast.analyst)

    csv_response = client.get(reverse("surveys:results_csv", args=[campaign.public_id]))
    json_response = client.get(reverse("surveys:results_json", args=[campaign.public_id]))

    assert csv_response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(csv_response.content.decode())))
    assert [(row["indicator"], row["yes"], row["respondents"]) for row in rows] == [
        ("contacted_by_police", "3", "5"),
        ("told_to_return", "0", "5"),
    ]
    assert rows[0]["prevalence"] == "0.600000"
    assert (rows[1]["ci_low"], rows[1]["suppressed"]) == ("0.000000", "no")
    document = json.loads(json_response.content)
    assert document["interval"] == {"method": "wilson", "confidence": 0.95}
    police = document["indicators"][0]
    assert (police["yes"], police["respondents"]) == (3, 5)
    assert police["ci_low"] == pytest.approx(0.230724, abs=1e-6)
    assert police["ci_high"] == pytest.approx(0.882379, abs=1e-6)
    exports = AuditEvent.objects.filter(
        object_id=str(campaign.public_id), action__startswith="survey.results"
    )
    assert sorted(exports.values_list("action", flat=True)) == [
        "survey.results_export.csv",
        "survey.results_export.json",
    ]
    assert {event.actor for event in exports} == {cast.analyst}


def test_suppressed_downloads_carry_no_counts(cast: Cast) -> None:
    campaign = new_campaign(cast.analyst, indicators=["contacted_by_police"])
    for _ in range(2):
        respond(campaign, actor_types=("psb_local",))

    document = json.loads(
        console(cast.analyst).get(reverse("surveys:results_json", args=[campaign.public_id])).content
    )

    assert document["indicators"] == [
        {
            "code": "contacted_by_police",
            "respondents": 2,
            "yes": None,
            "prevalence": None,
            "ci_low": None,
            "ci_high": None,
            "suppressed": True,
        }
    ]


def test_case_staff_cannot_open_campaigns(cast: Cast) -> None:
    campaign = new_campaign(cast.analyst)
    for user in (cast.caseworker, cast.custodian, cast.operator, cast.investigator):
        client = console(user)
        for name in ("campaign", "results_csv", "results_json"):
            assert client.get(reverse(f"surveys:{name}", args=[campaign.public_id])).status_code == 403
        assert client.get(reverse("surveys:campaigns")).status_code == 403
    assert Client().get(reverse("surveys:campaigns")).status_code == 302
    assert not AuditEvent.objects.filter(action__startswith="survey.results").exists()


@pytest.fixture
def campaign(cast: Cast) -> SurveyCampaign:
    return new_campaign(cast.analyst)


def test_the_campaign_intro_says_only_consenting_answers_count(campaign: SurveyCampaign) -> None:
    page = Client().get(reverse("survey:intro", args=[campaign.slug])).content.decode()

    assert "Uyghurs in the UK, 2026" in page
    assert "only if you agree to anonymous statistics" in page
    assert f"{reverse('intake:report_new')}?campaign={campaign.slug}" in page


def test_an_unknown_campaign_link_is_not_found() -> None:
    assert Client().get(reverse("survey:intro", args=["not-a-campaign"])).status_code == 404


def test_a_closed_campaign_offers_an_ordinary_report(cast: Cast, campaign: SurveyCampaign) -> None:
    campaign_close(actor=cast.analyst, campaign=campaign)

    page = Client().get(reverse("survey:intro", args=[campaign.slug])).content.decode()

    assert "not taking answers now" in page
    assert "?campaign=" not in page


def test_the_questionnaire_carries_the_campaign_to_the_last_step(campaign: SurveyCampaign) -> None:
    client = Client()
    page = client.get(reverse("intake:report_new"), {"campaign": campaign.slug}).content.decode()

    assert "counts as one answer to the survey “Uyghurs in the UK, 2026”" in page
    # Kept in the session's draft, not in the pages: the link key is not posted from step to step.
    assert 'name="campaign"' not in page
    last = answer_steps(client, report_answers()).content.decode()
    assert "counts as one answer to the survey “Uyghurs in the UK, 2026”" in last


def test_a_report_through_the_campaign_link_is_an_ordinary_report_and_one_response(
    campaign: SurveyCampaign,
) -> None:
    receipt = submit_report(
        Client(),
        campaign=campaign.slug,
        actor_types=["mss"],
        tactics=["told_to_return"],
        host_country="GB",
        host_region="",
    )

    assert len(receipt) == 20
    report = Report.objects.get()
    assert report.tactic_codes == ["told_to_return"]
    response = SurveyResponse.objects.get()
    assert response.campaign == campaign
    assert response.answers == {
        "contacted_by_police": True,
        "relatives_targeted": False,
        "told_to_return": True,
    }


def test_a_report_without_statistics_consent_is_received_but_not_counted(campaign: SurveyCampaign) -> None:
    submit_report(Client(), campaign=campaign.slug, statistics_consent="no")

    assert Report.objects.count() == 1
    assert not SurveyResponse.objects.exists()


def test_a_report_with_a_closed_or_unknown_campaign_is_received_but_not_counted(
    cast: Cast, campaign: SurveyCampaign
) -> None:
    campaign_close(actor=cast.analyst, campaign=campaign)
    client = Client()

    submit_report(client, campaign=campaign.slug, submission_token="closed-campaign")
    submit_report(client, campaign="no-such-campaign", submission_token="unknown-campaign")

    assert Report.objects.count() == 2
    assert not SurveyResponse.objects.exists()


def test_a_report_without_a_campaign_counts_in_no_survey(campaign: SurveyCampaign) -> None:
    submit_report(Client())

    assert Report.objects.count() == 1
    assert not SurveyResponse.objects.exists()
    assert report_answers()["statistics_consent"] == "yes"


def test_closing_a_campaign_in_the_console_asks_first(cast: Cast, campaign: SurveyCampaign) -> None:
    admin = console(cast.admin)
    url = reverse("surveys:campaign_close", args=[campaign.public_id])
    asked = admin.post(url)
    assert "Yes, I am sure" in asked.content.decode()
    campaign.refresh_from_db()
    assert not campaign.closed_early
    admin.post(url, {"confirmed": "yes"})
    campaign.refresh_from_db()
    assert campaign.closed_early
    assert campaign.closes_on == timezone.now().date()


def test_a_respondent_to_whom_nothing_happened_is_counted_without_a_report(
    cast: Cast, campaign: SurveyCampaign
) -> None:
    client = Client()
    intro = client.get(reverse("survey:intro", args=[campaign.slug])).content.decode()
    assert "Nothing of this happened to me: count my answer" in intro
    url = reverse("survey:nothing_happened", args=[campaign.slug])
    page = client.post(url, gate_fields("report")).content.decode()
    assert "Your answer was counted" in page
    assert SurveyResponse.objects.get(campaign=campaign).answers == dict.fromkeys(campaign.indicators, False)
    # Not an incident: no report, no fact.
    assert Report.objects.count() == 0
    assert FactIncident.objects.count() == 0


def test_nothing_happened_is_not_counted_without_the_gate_or_after_closing(
    cast: Cast, campaign: SurveyCampaign
) -> None:
    url = reverse("survey:nothing_happened", args=[campaign.slug])
    refused = Client().post(url, {})
    assert refused.status_code == 400
    campaign_close(actor=cast.analyst, campaign=campaign)
    Client().post(url, gate_fields("report"))
    assert not SurveyResponse.objects.exists()


def test_a_report_through_a_survey_link_is_an_incident_from_a_survey(
    cast: Cast, campaign: SurveyCampaign
) -> None:
    submit_report(Client(), campaign=campaign.slug)
    report = Report.objects.get()
    assert report.intake_channel == "survey"
    assert FactIncident.objects.get(report=report).intake_channel == "survey"

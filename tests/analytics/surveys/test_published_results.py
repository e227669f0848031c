"""Issue 7: Longarm reproduces published survey results from matching synthetic microdata.

Two published figures: 32 of 48 Uyghur respondents in the UK had been contacted by police (two-thirds), and
118 of 148 respondents in Turkey (80% as published, rounded). Each respondent here is an anonymous report
submitted and counted through the real services, coded so that the published share answers "yes".
"""

import math

import pytest

from longarm.analytics.surveys.models import SurveyCampaign
from longarm.analytics.surveys.selectors import campaign_results
from tests.analytics.surveys.helpers import new_campaign, respond
from tests.conftest import Cast

Z95 = 1.959963984540054


def wilson_by_formula(yes: int, n: int) -> tuple[float, float]:
    """Wilson (1927) as Newcombe (1998) writes it, solved as the quadratic in π it is:
    (n + z²)π² - (2np̂ + z²)π + np̂² = 0."""
    p = yes / n
    a, b, c = n + Z95**2, -(2 * n * p + Z95**2), n * p * p
    root = math.sqrt(b * b - 4 * a * c)
    return (-b - root) / (2 * a), (-b + root) / (2 * a)


def survey(cast: Cast, *, host_country: str, yes: int, respondents: int) -> SurveyCampaign:
    campaign = new_campaign(cast.analyst, host_country=host_country, indicators=["contacted_by_police"])
    for index in range(respondents):
        # Police from the home region for the "yes" answers; other people for the rest.
        contacted = index < yes
        respond(
            campaign,
            actor_types=("psb_local",) if contacted else ("proxy_relative", "unknown_online"),
            tactics=("asked_to_stop_activity",) if contacted else ("online_harassment",),
        )
    return campaign


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("host_country", "yes", "respondents", "published_percent", "low", "high"),
    [
        # Hand-checked values (see test_proportions.py), to four decimals.
        ("GB", 32, 48, 67, 0.5254, 0.7832),
        ("TR", 118, 148, 80, 0.7254, 0.8542),
    ],
)
def test_published_prevalence_and_wilson_interval_are_reproduced(
    cast: Cast, host_country: str, yes: int, respondents: int, published_percent: int, low: float, high: float
) -> None:
    campaign = survey(cast, host_country=host_country, yes=yes, respondents=respondents)

    (result,) = campaign_results(campaign=campaign).indicators

    assert (result.code, result.yes, result.respondents) == ("contacted_by_police", yes, respondents)
    assert result.prevalence == pytest.approx(yes / respondents, abs=1e-12)
    assert round(100 * (result.prevalence or 0)) == published_percent
    expected_low, expected_high = wilson_by_formula(yes, respondents)
    assert result.low == pytest.approx(expected_low, abs=1e-12)
    assert result.high == pytest.approx(expected_high, abs=1e-12)
    assert (round(result.low or 0, 4), round(result.high or 0, 4)) == (low, high)


@pytest.mark.django_db
def test_nobody_and_everybody_give_intervals_ending_at_zero_and_one(cast: Cast) -> None:
    campaign = new_campaign(cast.analyst, indicators=["told_to_return", "contacted_by_police"])
    for _ in range(6):
        respond(campaign, actor_types=("mss",), tactics=("asked_to_inform",))

    told, police = campaign_results(campaign=campaign).indicators

    assert (told.yes, told.prevalence, told.low) == (0, 0.0, 0.0)
    assert told.high == pytest.approx(wilson_by_formula(0, 6)[1], abs=1e-12)
    assert (police.yes, police.prevalence, police.high) == (6, 1.0, 1.0)
    assert police.low == pytest.approx(wilson_by_formula(6, 6)[0], abs=1e-12)


@pytest.mark.django_db
def test_a_campaign_without_respondents_reports_nothing_but_its_size(cast: Cast) -> None:
    results = campaign_results(campaign=new_campaign(cast.analyst))

    assert results.respondents == 0
    assert results.suppressed
    assert all(
        (item.respondents, item.yes, item.prevalence, item.low, item.high) == (0, None, None, None, None)
        for item in results.indicators
    )

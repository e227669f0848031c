from dataclasses import dataclass
from uuid import UUID

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_stubs_ext import StrOrPromise

from longarm.accounts.models import StaffUser
from longarm.analytics.surveys.indicators import indicator
from longarm.analytics.surveys.models import SurveyCampaign, SurveyResponse
from longarm.analytics.surveys.proportions import wilson_interval

CONFIDENCE = 0.95
_MAX_SLUG = SurveyCampaign._meta.get_field("slug").max_length or 0


def disclosure_threshold() -> int:
    # LONGARM_DISCLOSURE_THRESHOLD is the setting disclosure control uses for every table (issue 7).
    return int(getattr(settings, "LONGARM_DISCLOSURE_THRESHOLD", 5))


def campaign_for_link(slug: str) -> SurveyCampaign | None:
    """The campaign a public link names, open or not; None for a link that names none."""
    if not slug or len(slug) > _MAX_SLUG:
        return None
    return SurveyCampaign.objects.filter(slug=slug).first()


def open_campaign_for_link(slug: str) -> SurveyCampaign | None:
    """The campaign a public link names if it takes responses today, else None."""
    campaign = campaign_for_link(slug)
    return campaign if campaign is not None and campaign.is_open_on(timezone.now().date()) else None


def campaigns_for_staff(*, user: StaffUser) -> QuerySet[SurveyCampaign]:
    # Campaigns hold no report content: every analyst and admin sees all of them (the views admit only them).
    return SurveyCampaign.objects.annotate(respondents=Count("responses"))


def campaign_for_staff(*, user: StaffUser, public_id: UUID) -> SurveyCampaign:
    """The campaign, or ``Http404``."""
    return get_object_or_404(SurveyCampaign, public_id=public_id)


@dataclass(frozen=True)
class IndicatorResult:
    code: str
    label: StrOrPromise
    respondents: int
    # None when suppressed (fewer respondents than the disclosure threshold).
    yes: int | None
    prevalence: float | None
    low: float | None
    high: float | None

    @property
    def suppressed(self) -> bool:
        return self.yes is None

    # Percentages for the page; the downloads carry the proportions.
    @property
    def prevalence_percent(self) -> float | None:
        return None if self.prevalence is None else 100 * self.prevalence

    @property
    def low_percent(self) -> float | None:
        return None if self.low is None else 100 * self.low

    @property
    def high_percent(self) -> float | None:
        return None if self.high is None else 100 * self.high


@dataclass(frozen=True)
class CampaignResults:
    campaign: SurveyCampaign
    respondents: int
    threshold: int
    confidence: float
    indicators: tuple[IndicatorResult, ...]

    @property
    def suppressed(self) -> bool:
        return self.respondents < self.threshold or self.respondents == 0


def campaign_results(*, campaign: SurveyCampaign) -> CampaignResults:
    """Per indicator: respondents, yes answers, prevalence and its Wilson 95% interval — all withheld when
    fewer people responded than the disclosure threshold, since a few known respondents could then be
    recognised from their answers. One query."""
    codes = list(campaign.indicators)
    counts = SurveyResponse.objects.filter(campaign=campaign).aggregate(
        respondents=Count("id"),
        **{f"yes_{code}": Count("id", filter=Q(**{f"answers__{code}": True})) for code in codes},
    )
    respondents = int(counts["respondents"])
    threshold = disclosure_threshold()
    suppressed = respondents < threshold or respondents == 0
    results = []
    for code in codes:
        yes = int(counts[f"yes_{code}"])
        interval = None if suppressed else wilson_interval(yes, respondents, confidence=CONFIDENCE)
        results.append(
            IndicatorResult(
                code=code,
                label=indicator(code).label,
                respondents=respondents,
                yes=None if suppressed else yes,
                prevalence=None if suppressed else yes / respondents,
                low=interval.low if interval else None,
                high=interval.high if interval else None,
            )
        )
    return CampaignResults(
        campaign=campaign,
        respondents=respondents,
        threshold=threshold,
        confidence=CONFIDENCE,
        indicators=tuple(results),
    )

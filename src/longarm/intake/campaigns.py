"""The survey campaign a reporter's link names, for the questionnaire's notice and the published event.

Survey campaigns belong to analytics (``longarm.analytics.surveys``), which intake must not import: the
surveys app hands intake a finder when it starts (``SurveysConfig.ready``). Without one, no link names a
campaign and the report is simply not counted in a survey.
"""

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class CampaignLink:
    public_id: UUID
    title: str


CampaignFinder = Callable[[str], CampaignLink | None]
_finders: list[CampaignFinder] = []


def campaign_finder_register(finder: CampaignFinder) -> None:
    """Use ``finder`` to turn a link's key into the open campaign it names (or None)."""
    _finders[:] = [finder]


def open_campaign_for_link(key: str) -> CampaignLink | None:
    """The campaign a link's key names if it takes responses today, else None."""
    return _finders[0](key) if _finders and key else None

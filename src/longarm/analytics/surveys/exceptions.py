class SurveyError(Exception):
    """Base of the survey app's refusals."""


class UnknownIndicator(SurveyError):
    """A campaign named an indicator that is not in the catalogue."""


class CampaignDatesInvalid(SurveyError):
    """A campaign would close before it opens."""

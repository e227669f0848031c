"""Which "Your rights and protection" pages exist, and which one a reporter's host country leads to.

The pages themselves are templates (``guidance/rights/<code>.html``), so that every sentence is translated
like the rest of the reporter site. Their facts come from ``shared/domain/tnr-taxonomy-and-law.md`` §5;
a point
that source marks unverified is marked "not yet verified" on the page too.
"""

from typing import Final

# Host countries (ISO 3166-1 alpha-2, as in host_countries.toml) with a page of their own.
RIGHTS_COUNTRIES: Final = ("JP", "GB", "US", "TR", "DE", "CA", "AU")


def rights_country_for(host_country: str) -> str:
    """The country code whose page fits a reporter living in ``host_country``; "" for the general page."""
    code = host_country.split("-", 1)[0].upper()
    return code if code in RIGHTS_COUNTRIES else ""

"""The dimensions analytics counts by: their codes, labels and where a fact keeps them.

A dimension is either a column of ``FactIncident`` (one value per fact) or a ``FactCode`` dimension (any
number of values per fact). Codes are the taxonomy's; a missing value is counted under ``UNKNOWN``.
"""

from dataclasses import dataclass
from typing import Final

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from longarm.intake.models import IntakeChannel
from longarm.taxonomy.exceptions import UnknownCodeError
from longarm.taxonomy.vocabularies import vocabulary

UNKNOWN: Final = "unknown"
YES, NO = "yes", "no"


@dataclass(frozen=True)
class Dimension:
    name: str
    label: Promise
    # The taxonomy vocabulary its codes come from ("" for the built-in codings below).
    vocabulary: str = ""
    multi: bool = False

    def codes(self) -> tuple[str, ...]:
        """Known codes in display order (periods have none: they come from the data)."""
        if self.vocabulary == "host_countries" and self.name == "host_region":
            return tuple(
                region.code for country in vocabulary("host_countries").terms for region in country.children
            )
        if self.vocabulary:
            return tuple(term.code for term in vocabulary(self.vocabulary).terms)
        if self.name == "intake_channel":
            return tuple(choice.value for choice in IntakeChannel)
        if self.name == "relatives_targeted":
            return (YES, NO)
        return ()

    def label_for(self, code: str) -> str:
        """The code's label in the active language (the code itself for periods and unknown codes)."""
        # A single-valued dimension's "unknown" merges missing values with the vocabulary's "I don't know";
        # a multi-valued one counts only codes given, so there it is the vocabulary's term.
        if code == UNKNOWN and not self.multi:
            return gettext("Not recorded")
        if self.name == "relatives_targeted":
            return gettext("Relatives targeted") if code == YES else gettext("Relatives not targeted")
        if self.name == "intake_channel":
            return str(IntakeChannel(code).label) if code in IntakeChannel.values else code
        if self.name == "host_region":
            for country in vocabulary("host_countries").terms:
                for region in country.children:
                    if region.code == code:
                        return gettext(region.label)
            return code
        if self.vocabulary:
            try:
                return vocabulary(self.vocabulary).label(code)
            except UnknownCodeError:
                return code
        return code


DIMENSIONS: Final = {
    dimension.name: dimension
    for dimension in (
        Dimension("tactic", _("Tactic"), "tactics", multi=True),
        Dimension("channel", _("Channel"), "channels", multi=True),
        Dimension("actor", _("Actor type"), "actors", multi=True),
        Dimension("harm", _("Harm"), "harms", multi=True),
        Dimension("community", _("Community"), "communities"),
        Dimension("host_country", _("Host country"), "host_countries"),
        Dimension("host_region", _("Host region"), "host_countries"),
        Dimension("origin_region", _("Origin region"), "origin_regions"),
        Dimension("intake_channel", _("Intake channel")),
        Dimension("relatives_targeted", _("Relatives targeted")),
        Dimension("year", _("Year")),
        Dimension("month", _("Month")),
    )
}
MULTI_VALUED: Final = tuple(name for name, dimension in DIMENSIONS.items() if dimension.multi)
# Single-valued dimensions kept as a column of the same name on FactIncident.
COLUMNS: Final = ("community", "host_country", "host_region", "origin_region", "intake_channel")
# Tactics that, or harms whose subject is "relative", make an incident one in which relatives were targeted.
RELATIVE_TACTICS: Final = frozenset({"proxy_coercion_family"})


def dimension(name: str) -> Dimension:
    """The dimension called ``name``; raise ``ValueError`` for an unknown one."""
    try:
        return DIMENSIONS[name]
    except KeyError:
        raise ValueError(f"No analytics dimension named {name!r}.") from None


def relative_harms() -> frozenset[str]:
    return frozenset(
        term.code for term in vocabulary("harms").terms if term.attributes.get("subject") == "relative"
    )


def period_code(year: int, month: int) -> str:
    """``2024-03`` for a month, ``2024`` for a year."""
    return f"{year:04d}-{month:02d}" if month else f"{year:04d}"

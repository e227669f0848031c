"""The criminal provisions a referral can cite, per jurisdiction (taxonomy/data/legal_provisions_*.toml)."""

from dataclasses import dataclass

from django.utils.translation import gettext, gettext_lazy

from longarm.taxonomy.vocabularies import LEGAL_PROVISION_JURISDICTIONS, Vocabulary, vocabulary

JURISDICTION_NAMES = {
    "jp": gettext_lazy("Japan"),
    "gb": gettext_lazy("United Kingdom"),
    "us": gettext_lazy("United States (federal)"),
    "ca": gettext_lazy("Canada (federal)"),
    "au": gettext_lazy("Australia (Commonwealth)"),
    "de": gettext_lazy("Germany"),
    "fr": gettext_lazy("France"),
    "nl": gettext_lazy("Netherlands"),
    "tr": gettext_lazy("Turkey (Türkiye)"),
    "kr": gettext_lazy("South Korea"),
}


@dataclass(frozen=True)
class Provision:
    jurisdiction: str
    code: str
    label: str
    citation: str
    # The official text of the statute (an https URL, checked when the data files load).
    source: str
    unverified: bool
    caution: bool


def _provisions(jurisdiction: str) -> Vocabulary:
    return vocabulary(f"legal_provisions_{jurisdiction}")


def jurisdiction_choices() -> list[tuple[str, str]]:
    return [(code, str(JURISDICTION_NAMES[code])) for code in LEGAL_PROVISION_JURISDICTIONS]


def provision_value(jurisdiction: str, code: str) -> str:
    """The value a form and a referral use for one provision: provisions of different countries may share
    a code, so it carries the jurisdiction."""
    return f"{jurisdiction}:{code}"


def provision(value: str) -> Provision:
    """The provision behind a stored value; raises ``KeyError`` for one no longer in the data files."""
    jurisdiction, _, code = value.partition(":")
    if jurisdiction not in LEGAL_PROVISION_JURISDICTIONS:
        raise KeyError(value)
    term = _provisions(jurisdiction).get(code)
    return Provision(
        jurisdiction=jurisdiction,
        code=code,
        label=gettext(term.label),
        citation=str(term.attributes["citation"]),
        source=str(term.attributes["source"]),
        unverified=term.attributes.get("unverified", False) is True,
        caution=term.attributes.get("caution", False) is True,
    )


def provision_choices_of(jurisdiction: str) -> list[tuple[str, str]]:
    """The provisions of one jurisdiction as form choices, labels translated, citations as written."""
    options = []
    for term in _provisions(jurisdiction).terms:
        label = gettext("%(label)s — %(citation)s") % {
            "label": gettext(term.label),
            "citation": term.attributes["citation"],
        }
        if term.attributes.get("unverified", False) is True:
            label = gettext("%(label)s (unverified)") % {"label": label}
        options.append((provision_value(jurisdiction, term.code), label))
    return options


def provisions_for_tactics(jurisdiction: str, tactic_codes: set[str]) -> list[str]:
    """The values of the provisions of ``jurisdiction`` that typically cover any of these tactics."""
    values = []
    for term in _provisions(jurisdiction).terms:
        covered = term.attributes.get("tactics", ())
        if isinstance(covered, tuple) and tactic_codes.intersection(covered):
            values.append(provision_value(jurisdiction, term.code))
    return values

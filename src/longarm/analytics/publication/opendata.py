"""Open data: coded incident records safe to publish, in the schema of ``docs/open-data.md``.

A record carries codes only: no identifier, no text, dates no finer than the month. Its quasi-identifiers
(community, host country and region, year and month) are generalised until every combination that appears
is shared by at least ``threshold`` records (k-anonymity), one step at a time:

1. community by host region by month
2. community by host region by year (month withheld)
3. community by host country by year (region withheld)
4. community by year (host country withheld)

A record whose group is still smaller than the threshold at the last step is withheld. At each step only
the records not yet published are grouped, so a published group never mixes with records published at a
finer level, and so its size cannot be reduced by subtraction.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from longarm.analytics.models import FactCode, FactIncident
from longarm.taxonomy.vocabularies import vocabulary

SCHEMA: Final = "longarm-open-data/1"
UNKNOWN: Final = "unknown"
MULTI_VALUED: Final = ("tactic", "channel", "actor", "harm")
# The fields of a record, in the order of the CSV columns (documented in docs/open-data.md).
FIELDS: Final = (
    "year",
    "month",
    "community",
    "host_country",
    "host_region",
    "relatives_targeted",
    "fh_physical",
    "oxus_stage",
    "tactics",
    "channels",
    "actors",
    "harms",
    "freedom_house_tactics",
    "oxus_uhrp_stages",
    "generalisation",
)


@dataclass(frozen=True)
class Fact:
    """One coded unit as the store holds it (codes only; never an identifier)."""

    year: int
    month: int
    community: str
    host_country: str
    host_region: str
    relatives_targeted: bool
    fh_physical: bool
    oxus_stage: int
    tactics: tuple[str, ...]
    channels: tuple[str, ...]
    actors: tuple[str, ...]
    harms: tuple[str, ...]


def stored_facts() -> list[Fact]:
    """Every fact of the coded-fact store (the dashboard's ``analytics`` app), codes and months only."""
    codes: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for fact_id, dimension, code in FactCode.objects.values_list("fact_id", "dimension", "code").order_by(
        "fact_id", "dimension", "code"
    ):
        codes[fact_id][dimension].append(code)
    facts = []
    for row in FactIncident.objects.values(
        "id",
        "year",
        "month",
        "community",
        "host_country",
        "host_region",
        "relatives_targeted",
        "fh_physical",
        "oxus_stage",
    ):
        own = codes.get(row["id"], {})
        facts.append(
            Fact(
                year=row["year"],
                month=row["month"],
                community=row["community"],
                host_country=row["host_country"],
                host_region=row["host_region"],
                relatives_targeted=row["relatives_targeted"],
                fh_physical=row["fh_physical"],
                oxus_stage=row["oxus_stage"],
                tactics=tuple(own.get("tactic", ())),
                channels=tuple(own.get("channel", ())),
                actors=tuple(own.get("actor", ())),
                harms=tuple(own.get("harm", ())),
            )
        )
    return facts


def _mapped(tactics: Iterable[str], source: str) -> list[str]:
    terms = vocabulary("tactics")
    found: set[str] = set()
    for code in tactics:
        if code in terms.codes():
            found.update(terms.get(code).mappings.get(source, ()))
    return sorted(found)


# Quasi-identifier keys per generalisation step; a step's name says what the record keeps.
_STEPS: Final = ("month", "year", "country", "community")


def _key(fact: Fact, step: str) -> tuple[object, ...]:
    community = fact.community or UNKNOWN
    if step == "month":
        return (community, fact.host_country, fact.host_region, fact.year, fact.month)
    if step == "year":
        return (community, fact.host_country, fact.host_region, fact.year)
    if step == "country":
        return (community, fact.host_country, fact.year)
    return (community, fact.year)


def _record(fact: Fact, step: str) -> dict[str, object]:
    keeps_month = step == "month" and fact.year and fact.month
    return {
        "year": fact.year or None,
        "month": fact.month if keeps_month else None,
        "community": fact.community or UNKNOWN,
        "host_country": (fact.host_country or UNKNOWN) if step != "community" else None,
        "host_region": (fact.host_region or None) if step in ("month", "year") else None,
        "relatives_targeted": fact.relatives_targeted,
        "fh_physical": fact.fh_physical,
        "oxus_stage": fact.oxus_stage or None,
        "tactics": sorted(fact.tactics),
        "channels": sorted(fact.channels),
        "actors": sorted(fact.actors),
        "harms": sorted(fact.harms),
        "freedom_house_tactics": _mapped(fact.tactics, "freedom_house"),
        "oxus_uhrp_stages": [
            code for code in _mapped(fact.tactics, "oxus_uhrp") if code.startswith("stage_")
        ],
        "generalisation": step,
    }


@dataclass(frozen=True)
class OpenData:
    records: list[dict[str, object]]
    withheld: int


def anonymised_records(facts: Sequence[Fact], *, threshold: int) -> OpenData:
    """The records to publish, generalised step by step, and how many were withheld.

    Records are sorted by their published values, so their order says nothing about when they were stored.
    """
    remaining = list(facts)
    published: list[dict[str, object]] = []
    for step in _STEPS:
        sizes = Counter(_key(fact, step) for fact in remaining)
        published.extend(_record(fact, step) for fact in remaining if sizes[_key(fact, step)] >= threshold)
        remaining = [fact for fact in remaining if sizes[_key(fact, step)] < threshold]
    published.sort(key=lambda record: [str(record[name]) for name in FIELDS])
    return OpenData(records=published, withheld=len(remaining))

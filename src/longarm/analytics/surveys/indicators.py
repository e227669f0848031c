"""Survey indicators: named yes/no answers derived from a report's coded fields (DESIGN §3).

An indicator is data — which codes of which coded field make the answer "yes" — and one function derives
every indicator the same way, so a new indicator is a new entry here, never a new code path. Indicators
read only the coded fields a report keeps in clear with the reporter's consent to statistics, never its
words.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

# The coded fields of a report an indicator may read, and the vocabulary their codes come from.
CODED_FIELDS: Final[Mapping[str, str]] = MappingProxyType(
    {"tactic_codes": "reporter_tactics", "actor_codes": "actors", "channel_codes": "channels"}
)


@dataclass(frozen=True)
class Indicator:
    code: str
    label: StrOrPromise
    # Coded field -> codes; "yes" when the respondent's answer holds any of the codes in any of the fields.
    any_of: Mapping[str, frozenset[str]]

    def answer(self, coded: Mapping[str, Iterable[str]]) -> bool:
        return any(not codes.isdisjoint(coded.get(field, ())) for field, codes in self.any_of.items())


def _indicator(code: str, label: StrOrPromise, **any_of: Iterable[str]) -> Indicator:
    return Indicator(
        code=code,
        label=label,
        any_of=MappingProxyType({field: frozenset(codes) for field, codes in any_of.items()}),
    )


INDICATORS: Final[tuple[Indicator, ...]] = (
    _indicator(
        "contacted_by_police",
        _("Contacted by police or security officers of the home country"),
        actor_codes=("psb_local", "mss", "hk_nsd"),
    ),
    _indicator(
        "relatives_targeted",
        _("Relatives threatened, questioned, detained or kept from travelling"),
        tactic_codes=(
            "relatives_threatened",
            "relative_detained",
            "relatives_visited_or_detained",
            "relatives_travel_blocked",
        ),
    ),
    _indicator(
        "told_to_return",
        _("Told to return to the home country"),
        tactic_codes=("told_to_return", "return_imminent"),
    ),
    _indicator(
        "asked_to_inform",
        _("Asked to inform on others or offered money"),
        tactic_codes=("asked_to_inform", "money_offered"),
    ),
    _indicator(
        "contacted_via_wechat",
        _("Contacted through WeChat"),
        channel_codes=("wechat",),
    ),
)
INDICATOR_CODES: Final = tuple(indicator.code for indicator in INDICATORS)
_BY_CODE: Final[Mapping[str, Indicator]] = MappingProxyType({item.code: item for item in INDICATORS})


def indicator(code: str) -> Indicator:
    """The indicator with ``code``; raise ``KeyError`` for an unknown one."""
    return _BY_CODE[code]


def indicator_choices() -> list[tuple[str, StrOrPromise]]:
    return [(item.code, item.label) for item in INDICATORS]


def derive_answers(codes: Iterable[str], coded: Mapping[str, Iterable[str]]) -> dict[str, bool]:
    """Each indicator in ``codes`` answered from the coded fields ``coded`` (field name -> codes)."""
    return {code: indicator(code).answer(coded) for code in codes}

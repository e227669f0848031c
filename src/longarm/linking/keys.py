"""Match keys: what an identifier is matched on. Each key becomes one blind index (DESIGN §3), so two
identifiers link when they share any key. A phone number typed two ways yields the same strong key; a
person's name yields weak keys (pinyin, script and order variants) that only ever suggest a link."""

from dataclasses import dataclass
from typing import Literal

from longarm.linking.normalise import normalise

Strength = Literal["strong", "weak"]

# Kinds whose equal normal form identifies one thing (one phone, one account, one officer's badge).
STRONG_KINDS = frozenset({"phone", "wechat", "qq", "badge", "email", "plate"})


@dataclass(frozen=True)
class MatchKey:
    # Part of the blind-index input, e.g. "phone" or "name:pinyin": keys of different schemes never meet.
    scheme: str
    value: str
    strength: Strength


def match_keys(kind: str, value: str, *, region: str | None = None) -> list[MatchKey]:
    """The keys an identifier of ``kind`` (an ``IdentifierKind`` value) is matched on; ``region`` is the
    ISO country of the reporter's context (default region for phone numbers without a country code)."""
    strength: Strength = "strong" if kind in STRONG_KINDS else "weak"
    normal = normalise(kind, value)
    return [MatchKey(scheme=kind, value=normal, strength=strength)] if normal else []

"""Match keys: what an identifier is matched on. Each key becomes one blind index (DESIGN §3), so two
identifiers link when they share any key. A phone number typed two ways yields the same strong key; a
person's name yields weak keys (pinyin, script and order variants) that only ever suggest a link.

The rules of each type are in its module under :mod:`longarm.linking.normalisers`."""

from dataclasses import dataclass
from typing import Literal

from longarm.linking.normalisers.accounts import email_form, qq_form, qq_number_of_email, wechat_forms
from longarm.linking.normalisers.badge import badge_form
from longarm.linking.normalisers.line import line_form
from longarm.linking.normalisers.names import name_forms
from longarm.linking.normalisers.organisations import organisation_forms
from longarm.linking.normalisers.phone import phone_readings
from longarm.linking.normalisers.plate import plate_form
from longarm.linking.normalisers.text import fold, without_spaces_and_dashes

Strength = Literal["strong", "weak"]

# Kinds whose equal normal form identifies one thing (one phone, one account, one officer's badge).
STRONG_KINDS = frozenset({"phone", "wechat", "qq", "line", "badge", "email", "plate"})
# Characters of a value that are matched on; the rest is ignored.
MAX_LENGTH = 256


@dataclass(frozen=True)
class MatchKey:
    # Part of the blind-index input, e.g. "phone" or "name:pinyin": keys of different schemes never meet.
    scheme: str
    value: str
    strength: Strength


def _strong(scheme: str, values: list[str]) -> list[MatchKey]:
    return [
        MatchKey(scheme=scheme, value=value, strength="strong") for value in dict.fromkeys(values) if value
    ]


def _weak(forms: list[tuple[str, str]]) -> list[MatchKey]:
    return [
        MatchKey(scheme=scheme, value=value, strength="weak")
        for scheme, value in dict.fromkeys(forms)
        if value
    ]


def _phone_keys(scheme: str, value: str, region: str | None) -> list[MatchKey]:
    # Strong readings come first: an index shared by a strong and a weak reading is stored as strong.
    return [
        MatchKey(scheme=scheme, value=form, strength="strong" if strength == "strong" else "weak")
        for form, strength in phone_readings(value, region=region)
    ]


def match_keys(kind: str, value: str, *, region: str | None = None) -> list[MatchKey]:
    """The keys an identifier of ``kind`` (an ``IdentifierKind`` value) is matched on; ``region`` is the
    ISO country of the reporter's context (default region for phone numbers without a country code).
    Returns no keys for a value with nothing to match on (blank, only punctuation)."""
    # No identifier is this long; the cap keeps pasted text from costing quadratic time in the parsers.
    value = value[:MAX_LENGTH]
    if kind == "phone":
        return _phone_keys("phone", value, region)
    if kind == "wechat":
        form, phone = wechat_forms(value, region=region)
        # A phone number given as the WeChat ID is also that phone number.
        return _strong("wechat", [form]) + (_strong("phone", [phone]) if phone else [])
    if kind == "qq":
        return _strong("qq", [qq_form(value)])
    if kind == "line":
        return _strong("line", [line_form(value)])
    if kind == "email":
        form = email_form(value)
        # A QQ Mail address <number>@qq.com is that QQ account, so it also meets the QQ number.
        qq_number = qq_number_of_email(form)
        return _strong("email", [form]) + (_strong("qq", [qq_number]) if qq_number else [])
    if kind == "badge":
        return _strong("badge", [badge_form(value)])
    if kind == "plate":
        return _strong("plate", [plate_form(value)])
    if kind == "name":
        return _weak(name_forms(value))
    if kind == "organisation":
        return _weak(organisation_forms(value))
    strength: Strength = "strong" if kind in STRONG_KINDS else "weak"
    normal = without_spaces_and_dashes(fold(value))
    return [MatchKey(scheme=kind, value=normal, strength=strength)] if normal else []

"""Phone numbers: E.164 (ITU-T E.164, ``+8613800138000``), the one form in which a number is written the
same way from every country.

What meets: ``+86``, ``0086`` and the host country's own international prefix (``010 86`` in Japan,
``011 86`` in North America, which ``phonenumbers`` strips for that region); spaces, dashes, dots,
slashes and parentheses (including ``+44 (0)20``); full-width digits and ``＋``.

Numbers typed without a country code are the hard part. The reporter lives abroad (``region`` is their
host country, e.g. JP or GB), while the numbers that threaten them are mostly Chinese. Both readings are
tried:

- the host region's, because a local number (a Japanese ``090-…``) is written without a country code;
- China's, because a Chinese mobile (``138 0013 8000``) is usually written without ``+86`` by people who
  only ever dial it from China. Only the shapes a Chinese number takes without its country code count
  here: a mobile (11 digits from 1), a landline with its trunk 0 and area code (``010 …``, ``0998 …``),
  or the digits of ``86`` without its ``+``.

A reading counts only when ``phonenumbers`` says the number is *valid* (a real allocated range), not merely
possible. If exactly one reading is valid it is the key. If both are valid, both become keys: a Chinese
mobile such as ``150 1234 5678`` is also a valid North American long-distance number (``1 501 …``), and
a London number ``020 7946 0000`` is also a valid Guangzhou landline, so neither reading can be ruled
out; emitting both lets the number link with whichever it really is, and a caseworker confirms the
link. This matters in Japan: mobiles there start 090/080/070 and Xinjiang's area codes are 0901-0909
(Tacheng, Hami, Hotan, Altay …), so ``090-1234-5678`` typed in Japan is both +81 90 1234 5678 and
+86 901 234 5678. The price is a possible false link when the *other* reading also occurs in another
case, which needs the same digits in two countries — accepted, because links are reviewed and a missed
link costs more (``benchmarks/linking.py`` measures it: its country-code near-misses). Both readings are
strong keys: a weaker second reading would give one blind index rows of two strengths. Without a region
China is the only default. When no reading is valid the number keeps its digits (with a leading ``+`` if
it had one), so that it still links with itself typed the same way. Extensions (``ext. 12``, ``转12``)
are dropped; several numbers in one field give the keys of each.
"""

import re

import phonenumbers

from longarm.linking.normalisers.text import fold

# The home country whose numbers diaspora reporters most often write without a country code.
HOME_REGION = "CN"

_NOT_DIGITS = re.compile(r"[^0-9+]")
# "(0)" after a country code is the British/European way of showing the trunk prefix not to dial abroad.
_TRUNK_IN_PARENTHESES = re.compile(r"^(\+\d{1,3})\s*\(0\)")
# Labels typed in front of a number.
_LABEL = re.compile(r"^(?:tel|phone|mobile|mob|电话|電話|手机|手機|手机号|手機號|号码|號碼)[.:：\s]*")
# An extension after the number is not part of it (E.164 has none).
_EXTENSION = re.compile(r"\s*(?:ext\.?|extension|x|转|轉|分机|分機)\s*\d{1,6}$")
# Several numbers pasted into one field, e.g. "138 0013 8000 / 139 0013 8000".
_LIST_SEPARATOR = re.compile(r"\s*(?:[/,;、|]|\bor\b|或)\s*")
_MIN_DIGITS_OF_A_NUMBER = 7
# Read without a country code, a Chinese number is a mobile (11 digits from 1), a number with its trunk
# prefix 0 and area code, or one that starts with the country code 86. Anything else (a North American
# 415-555-2671) would only be "valid" in China as a landline missing its 0, which nobody writes.
_CHINESE_WITHOUT_COUNTRY_CODE = re.compile(r"^(?:1\d{10}|0\d{9,11}|86\d{10,12})$")


def _clean(value: str) -> str:
    text = _EXTENSION.sub("", _LABEL.sub("", fold(value)))
    text = _TRUNK_IN_PARENTHESES.sub(r"\1", text.replace("\uff0b", "+"))
    text = _NOT_DIGITS.sub("", text)
    # "00" is the international prefix in most of the world and how people write "+" without a "+" key.
    if text.startswith("00"):
        text = "+" + text[2:]
    return text


def _valid_e164(text: str, region: str | None) -> str | None:
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _one_number(value: str, region: str | None) -> list[str]:
    text = _clean(value)
    if not text.strip("+"):
        return []
    if text.startswith("+"):
        international = _valid_e164(text, None)
        return [international or text]
    forms: list[str] = []
    host = region.upper() if region else None
    if host is not None and host != HOME_REGION:
        e164 = _valid_e164(text, host)
        if e164 is not None:
            forms.append(e164)
    if _CHINESE_WITHOUT_COUNTRY_CODE.match(text) or host == HOME_REGION:
        e164 = _valid_e164(text, HOME_REGION)
        if e164 is not None and e164 not in forms:
            forms.append(e164)
    return forms or [text]


def phone_forms(value: str, *, region: str | None = None) -> list[str]:
    """The E.164 forms of a phone number: one for a number with its country code, one per valid
    reading (host region, then China) for a number without, or its bare digits if no reading is valid.
    Several numbers in one field (separated by ``/``, ``,``, ``;``, "or") give the forms of each."""
    parts = [part for part in _LIST_SEPARATOR.split(fold(value)) if part.strip()]
    if len(parts) > 1 and all(
        sum(char.isdigit() for char in part) >= _MIN_DIGITS_OF_A_NUMBER for part in parts
    ):
        return list(dict.fromkeys(form for part in parts for form in _one_number(part, region)))
    return _one_number(value, region)

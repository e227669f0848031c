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
possible. If exactly one reading is valid it is the key, a strong one. If both are valid, the reading that
fits the reporter's country (``region``) is the strong key and China's is a **weak** key: a Japanese mobile
``090-1234-5678`` is also the Xinjiang landline +86 901 234 5678 (Tacheng's area code is 0901), a London
``020 …`` is also a Guangzhou ``020 …``, a Chinese mobile ``150 1234 5678`` is also a US ``1 501 …``. The
weak reading still suggests the link to a caseworker, but it never joins two cases on its own, so the same
digits in two countries no longer make a strong false link. The way the digits are grouped is evidence too:
``150 1234 5678`` (3-4-4) is how Chinese mobiles are written and never how a North American number is, so
there the Chinese reading is the strong one even for a reporter in the US. Without a region China is the
only default and its reading is strong; with China as the region only China's reading is tried.

A country code typed without ``+`` or ``00`` (``852-9123-4567``, ``(852) 9123 4567``, ``44 20 …``) is
read as one when no national reading is valid and ``+`` before the digits gives a valid number; it is an
explicit prefix, so the key is strong. When no reading is valid the number keeps its digits (with a
leading ``+`` if it had one), so that it still links with itself typed the same way. Extensions (``ext.
12``, ``转12``, and a short group after a last dash: ``010-65529988-123``) are dropped.

Numbers are taken out of whatever surrounds them: a label, a sentence (Chinese, English, Uyghur with its
directional marks), a date or clock time in the same line (``2023年5月12日 21:30 139 …`` — dates and times
are blanked out first), Chinese numerals read digit by digit (``一三九…``, ``幺`` for 1). Several numbers
in one field give the keys of each.
"""

import re

import phonenumbers

from longarm.linking.normalisers.text import arabic_digits, fold, without_dates_and_times

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
# A run of digits and the separators people put inside one number (spaces, dashes, dots, parentheses),
# optionally after "+": the shape a phone number has inside a sentence.
_NUMBER_IN_TEXT = re.compile(r"\+?\s*\(?\s*\+?\d[\d\s\-\u2010-\u2015\u2212.()]*\d\)?")
# A Chinese mobile grouped as people in China write it: 3-4-4.
_CHINESE_MOBILE_GROUPING = re.compile(r"^1\d{2}[\s\-.\u2010-\u2015]\d{4}[\s\-.\u2010-\u2015]\d{4}$")
# A last dash group of one to four digits: a switchboard extension ("010-65529988-123").
_DASH_EXTENSION = re.compile(r"[\-\u2010-\u2015\u2212]\s*\d{1,4}\s*$")
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


Reading = tuple[str, str]  # (E.164 or digits, "strong" | "weak")


def _readings(text: str, region: str | None, typed: str = "") -> list[Reading]:
    if not text.strip("+"):
        return []
    if text.startswith("+"):
        international = _valid_e164(text, None)
        return [(international or text, "strong")]
    host = region.upper() if region else None
    forms: list[str] = []
    if host is not None and host != HOME_REGION:
        e164 = _valid_e164(text, host)
        if e164 is not None:
            forms.append(e164)
    if _CHINESE_WITHOUT_COUNTRY_CODE.match(text) or host == HOME_REGION:
        e164 = _valid_e164(text, HOME_REGION)
        if e164 is not None and e164 not in forms:
            forms.append(e164)
    if len(forms) == 2 and _CHINESE_MOBILE_GROUPING.match(typed.strip()):
        # Grouped 3-4-4 ("150 1234 5678") the number is written the way Chinese mobiles are, never the way
        # a North American one is (1 501 234 5678): the Chinese reading is the one that fits.
        forms.reverse()
    if forms:
        # The first reading fits the reporter's country (or is the only one); a second is weak.
        return [(form, "strong" if position == 0 else "weak") for position, form in enumerate(forms)]
    with_country_code = _valid_e164("+" + text, None)
    if with_country_code is not None:
        return [(with_country_code, "strong")]
    if _CHINESE_WITHOUT_COUNTRY_CODE.match(text) and (host is None or host == HOME_REGION):
        # A Chinese number of a shape the plan allows but not (or no longer) allocated, e.g. a 7-digit
        # local number where the area now has 8: kept in its +86 form so it meets the same number written
        # with its country code.
        possible = _possible_e164(text, HOME_REGION)
        if possible is not None:
            return [(possible, "strong")]
    return []


def _possible_e164(text: str, region: str) -> str | None:
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _one_number(value: str, region: str | None) -> list[Reading]:
    readings = _readings(_clean(value), region, value)
    if not readings and _DASH_EXTENSION.search(value):
        shorter = _DASH_EXTENSION.sub("", value)
        readings = _readings(_clean(shorter), region, shorter)
    return readings


def _numbers_in(text: str) -> list[str]:
    """The phone-shaped runs of a text (labels, words, dates and times around them left out)."""
    return [
        match.group(0)
        for match in _NUMBER_IN_TEXT.finditer(text)
        if sum(char.isdigit() for char in match.group(0)) >= _MIN_DIGITS_OF_A_NUMBER
    ]


def phone_readings(value: str, *, region: str | None = None) -> list[Reading]:
    """Every reading of the numbers in ``value`` with its strength, strong ones first (see the module)."""
    text = without_dates_and_times(arabic_digits(_EXTENSION.sub("", fold(value))))
    parts = [part for part in _LIST_SEPARATOR.split(text) if part.strip()]
    found: list[Reading] = []
    for part in parts:
        for number in _numbers_in(part):
            found.extend(_one_number(number, region))
    if not found:
        # No valid reading: the digits as typed (dates and times left out), so the number still links
        # with itself typed the same way.
        digits = _clean(text)
        found = [(digits, "strong")] if digits.strip("+") else []
    strong = [form for form, strength in found if strength == "strong"]
    weak = [form for form, strength in found if strength == "weak" and form not in strong]
    return [(form, "strong") for form in dict.fromkeys(strong)] + [
        (form, "weak") for form in dict.fromkeys(weak)
    ]


def phone_forms(value: str, *, region: str | None = None) -> list[str]:
    """The E.164 forms of the numbers in ``value``, strong readings first (see :func:`phone_readings`)."""
    return [form for form, _strength in phone_readings(value, region=region)]

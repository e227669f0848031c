"""Normal forms of identifiers, so that the same phone number or WeChat ID typed two ways gets the same blind
index (DESIGN §3: only byte-identical values match)."""

import re
import unicodedata

import phonenumbers

# Spaces and hyphens (every dash a keyboard or a phone's autocorrect produces) never carry meaning in an ID.
_SPACES_AND_HYPHENS = re.compile(r"[\s\-\u2010-\u2015\u2212\u30fc]+")
_PHONE_PUNCTUATION = re.compile(r"[().\u30fb/]+")


def normalise_text(value: str) -> str:
    """NFKC (full-width digits and letters become ASCII), case-folded, spaces and hyphens removed."""
    return _SPACES_AND_HYPHENS.sub("", unicodedata.normalize("NFKC", value).casefold())


def normalise_phone(value: str) -> str:
    """E.164 (``+8613800138000``) when the number carries its country code and is a possible number;
    otherwise the digits and other characters in their plain normal form, so it still matches itself."""
    text = _PHONE_PUNCTUATION.sub("", normalise_text(value))
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        parsed = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_possible_number(parsed):
        return text
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def normalise(kind: str, value: str) -> str:
    """The normal form of an identifier of ``kind`` (an ``IdentifierKind`` value)."""
    if kind == "phone":
        return normalise_phone(value)
    return normalise_text(value)

"""Text clean-up shared by every normaliser."""

import re
import unicodedata

# Spaces and every dash a keyboard, an IME or a phone's autocorrect produces (hyphen, en/em dash, minus,
# the katakana prolonged sound mark that Japanese IMEs put in for "-").
SPACES = re.compile(r"\s+")
DASHES = re.compile(r"[\-\u2010-\u2015\u2212\u30fc\ufe58\ufe63]")
SPACES_AND_DASHES = re.compile(r"[\s\-\u2010-\u2015\u2212\u30fc\ufe58\ufe63]+")
# Middle dots separate the parts of plates and of transliterated names (U+00B7, U+2022, U+2027, U+30FB,
# U+FF65 after NFKC is U+30FB).
MIDDLE_DOTS = re.compile(r"[\u00b7\u2022\u2027\u2219\u30fb\u318d]")
# Labels people type in front of an ID: "No.", "ID:", "#", "号码：" and the colon itself.
COLON = re.compile(r"[:：]")


def nfkc(value: str) -> str:
    """NFKC: full-width digits, letters and punctuation become ASCII, compatibility forms (Arabic
    presentation forms, circled digits, half-width katakana) become their ordinary characters."""
    return unicodedata.normalize("NFKC", value)


def fold(value: str) -> str:
    """NFKC, case-folded, without surrounding spaces: the base of every normal form."""
    return nfkc(value).casefold().strip()


def without_spaces_and_dashes(value: str) -> str:
    return SPACES_AND_DASHES.sub("", value)

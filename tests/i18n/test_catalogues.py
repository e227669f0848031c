"""The catalogues: every reporter-facing string translated in every language, compiled files up to date,
and every translated character drawable by the fonts Longarm serves."""

import gettext
import re
import unicodedata
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings
from fontTools.ttLib import TTFont

from longarm.cases.dossier.services import DOSSIER_LANGUAGES
from tests.i18n.catalogues import (
    PACKAGE_DIR,
    TRANSLATED_LANGUAGES,
    catalogue,
    is_reporter_facing,
    po_path,
    translation_problem,
)

STAFF_CONSOLE_LANGUAGES = ("ja", "zh-hans", "zh-hant", "tr", "ug")
SITE_CSS = PACKAGE_DIR / "core" / "static" / "longarm" / "site.css"
_FONT_FACE = re.compile(r"@font-face\s*{([^}]*)}")
_SRC = re.compile(r'url\("([^"]+)"\)')
_RANGE = re.compile(r"unicode-range:\s*([^;]+);")


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_every_reporter_facing_string_is_translated(language: str) -> None:
    entries = [entry for entry in catalogue(language) if is_reporter_facing(entry)]
    # The questionnaire, the receipt, the mailbox, the rights pages: hundreds of strings, not a handful.
    assert len(entries) > 300
    problems = [
        f"{problem}: {entry.msgid!r}"
        for entry in entries
        if (problem := translation_problem(language, entry)) is not None
    ]
    assert not problems, (
        f"{len(problems)} reporter-facing strings are not translated into {language} "
        f"(run `longarm messages`, then translate {po_path(language)}):\n" + "\n".join(problems)
    )


@pytest.mark.parametrize("language", STAFF_CONSOLE_LANGUAGES)
def test_the_staff_console_is_translated_too(language: str) -> None:
    problems = [
        f"{problem}: {entry.msgid!r}"
        for entry in catalogue(language)
        if (problem := translation_problem(language, entry)) is not None
    ]
    assert not problems, f"{len(problems)} strings are not translated into {language}:\n" + "\n".join(
        problems
    )


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_the_compiled_catalogue_matches_its_source(language: str) -> None:
    source = catalogue(language)
    with po_path(language).with_suffix(".mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    expected = {
        entry.msgid: entry.msgstr
        for entry in source
        if entry.msgstr and "fuzzy" not in entry.flags and not entry.obsolete and not entry.msgid_plural
    }
    stale = {msgid: msgstr for msgid, msgstr in expected.items() if compiled.gettext(msgid) != msgstr}
    assert not stale, f"{po_path(language).with_suffix('.mo')} is out of date: run `longarm messages`"


def test_the_checks_catch_a_missing_or_copied_translation() -> None:
    import polib

    entry = polib.POEntry(msgid="Quick exit", msgstr="", occurrences=[("intake/x.html", "")])
    assert is_reporter_facing(entry)
    assert translation_problem("ug", entry) == "untranslated"
    entry.msgstr = "Quick exit"
    assert translation_problem("ug", entry) == "identical to the English"
    entry.msgstr = "تېز چىقىش"
    entry.flags = ["fuzzy"]
    assert translation_problem("ug", entry) == "fuzzy"
    placeholder = polib.POEntry(msgid="Call %(number)s.", msgstr="Call.", occurrences=[("guidance/x", "")])
    assert translation_problem("ug", placeholder) == "placeholders differ"
    # A region may keep its romanised name in Turkish, but not in Uyghur or Tibetan script.
    region = polib.POEntry(msgid="Tokyo", msgstr="", occurrences=[("taxonomy/labels.py", "")])
    assert is_reporter_facing(region)
    assert translation_problem("tr", region) is None
    assert translation_problem("ug", region) == "untranslated"
    assert translation_problem("bo", region) == "untranslated"
    staff = polib.POEntry(msgid="Inbox", msgstr="", occurrences=[("cases/templates/cases/inbox.html", "")])
    assert not is_reporter_facing(staff)


# Fonts ------------------------------------------------------------------------------------------------------


def _code_points(ranges: str) -> set[int]:
    points: set[int] = set()
    for part in ranges.split(","):
        low, _, high = part.strip().removeprefix("U+").partition("-")
        points.update(range(int(low, 16), int(high or low, 16) + 1))
    return points


@cache
def served_code_points() -> frozenset[int]:
    """Every character some @font-face of site.css both declares (unicode-range) and has a glyph for."""
    covered: set[int] = set()
    for face in _FONT_FACE.findall(SITE_CSS.read_text(encoding="utf-8")):
        source, ranges = _SRC.search(face), _RANGE.search(face)
        assert source, face
        assert ranges, face
        font_path = SITE_CSS.parent / source.group(1)
        assert font_path.is_file(), f"{font_path} is declared but missing"
        cmap = TTFont(font_path).getBestCmap()
        covered.update(_code_points(ranges.group(1)) & set(cmap))
    return frozenset(covered)


# CJK punctuation, kana, ideographs and full-width forms.
_CJK_BLOCKS = ((0x3000, 0x30FF), (0x3400, 0x9FFF), (0xF900, 0xFAFF), (0xFF00, 0xFFEF))


def _needs_system_font(character: str, language: str) -> bool:
    # Chinese and Japanese pages rely on the reader's system CJK fonts (full CJK fonts are tens of megabytes).
    return language in {"ja", "zh-hans", "zh-hant"} and any(
        low <= ord(character) <= high for low, high in _CJK_BLOCKS
    )


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_the_served_fonts_draw_every_translated_character(language: str) -> None:
    text = "".join(entry.msgstr for entry in catalogue(language) if is_reporter_facing(entry))
    text += "".join(name for _code, name in settings.LANGUAGES)
    missing = sorted(
        {
            character
            for character in text
            if not character.isspace()
            and ord(character) not in served_code_points()
            and not _needs_system_font(character, language)
            # Zero-width joiners and directional marks have no glyph of their own.
            and unicodedata.category(character) != "Cf"
        }
    )
    assert not missing, f"no served font draws {[(c, f'U+{ord(c):04X}') for c in missing]} ({language})"


def test_every_font_file_comes_with_its_licence() -> None:
    fonts = Path(SITE_CSS.parent / "fonts")
    families = {path.name.split("-")[0] + "-" + path.name.split("-")[1] for path in fonts.glob("*.woff2")}
    licences = {path.name for path in fonts.glob("LICENSE-*.txt")}
    assert families == {"noto-sans", "noto-naskh", "noto-serif"}
    assert licences == {
        "LICENSE-NotoSans.txt",
        "LICENSE-NotoSansCJK.txt",
        "LICENSE-NotoNaskhArabic.txt",
        "LICENSE-NotoSerifTibetan.txt",
    }
    for licence in licences:
        assert "SIL Open Font License" in (fonts / licence).read_text(encoding="utf-8")


def test_every_dossier_language_is_a_complete_console_language() -> None:
    # A dossier is offered only in a language whose catalogue the test above holds complete.
    assert set(DOSSIER_LANGUAGES) - {settings.LANGUAGE_CODE} <= set(STAFF_CONSOLE_LANGUAGES)

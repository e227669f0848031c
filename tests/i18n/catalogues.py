"""What the reporter site must show translated, read from the committed catalogues.

A msgid is *reporter-facing* when one of its references (the ``#:`` lines ``longarm messages`` writes) is a
file the reporter site renders, or when it is a label of a vocabulary the questionnaire offers. Region names
are proper nouns: in a language written in Latin script they may stay in their conventional romanised form, so
an empty translation is allowed there; in every other script (a Uyghur or Tibetan reader may not read Latin
letters at all) they must be translated, like country names.
"""

import re
from functools import cache
from pathlib import Path

import polib
from django.conf import settings
from django.utils import translation
from django.utils.translation import to_locale

from longarm.analytics.dimensions import DIMENSIONS
from longarm.taxonomy.vocabularies import vocabulary

PACKAGE_DIR = Path(settings.LOCALE_PATHS[0]).parent
LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
TRANSLATED_LANGUAGES = tuple(code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE)
# Where the reporter site's strings live (paths relative to src/longarm, as in the catalogues).
REPORTER_SOURCES = (
    "intake/",
    "guidance/",
    # The gate on every anonymous form: its messages, the wait and the widget's texts.
    "gate/",
    "core/templates/404.html",
    "core/templates/500.html",
    "core/templates/core/base.html",
    "core/templates/core/reporter_base.html",
    "core/templates/core/language_switcher.html",
    # A form field's label, hint and errors (the form renderer's Jinja2 templates).
    "core/jinja2/core/",
    "core/templates/core/form_errors.html",
    "core/templates/core/csrf_failure.html",
    "core/templates/core/bad_request.html",
    "core/templates/core/method_not_allowed.html",
    # Django's own form messages, in the catalogue for the languages Django leaves untranslated.
    "core/django_messages.py",
    "taxonomy/vocabularies.py",
    # Evidence uploads: the file fields of the questionnaire and the reporter's list of files.
    "evidence/forms.py",
    "evidence/pending.py",
    "evidence/templates/evidence/_reporter",
    # A survey campaign's public page, which leads into the questionnaire.
    "analytics/surveys/templates/surveys/intro.html",
    "analytics/surveys/templates/surveys/counted.html",
    # Protection attestations: the public verify page, and the letter, printed in the reader's language.
    "cases/attestations/",
    "cases/templates/cases/attestations/",
    # The public statistics page: its template, its tables and charts, and the labels they show.
    "analytics/publication/templates/publication/statistics.html",
    "analytics/publication/templates/publication/_table.html",
    "analytics/publication/templates/publication/_value.html",
    "analytics/publication/presentation.py",
    "analytics/publication/charts.py",
    "analytics/dimensions.py",
)
QUESTIONNAIRE_VOCABULARIES = ("host_countries", "actors", "channels", "reporter_tactics", "communities")
# Translations that may equal the English because they are names or the same word in that language.
SAME_AS_ENGLISH = {
    # File sizes come from Django's filesizeformat.
    "*": {"Longarm", "%s KB", "%s MB", "%s GB"},
    # "LINE ID" is what the app calls it and what its users in Japan and Taiwan say.
    "ja": {"WeChat ID", "LINE ID"},
    "zh-hans": {"LINE ID"},
    "zh-hant": {"LINE ID"},
    "tr": {"Nepal", "Normal", "Tor Browser", "Kanada", "%(title)s (CSV)", "%(title)s (JSON)"},
}
# Languages written in Latin script, where a region may keep its romanised name ("Tokyo", "Ohio").
LATIN_SCRIPT_LANGUAGES = frozenset({"en", "tr"})
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def po_path(language: str) -> Path:
    return LOCALE_DIR / to_locale(language) / "LC_MESSAGES" / "django.po"


@cache
def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(po_path(language)))


@cache
def questionnaire_labels() -> frozenset[str]:
    """Every label the questionnaire offers, the host countries' regions included."""
    return frozenset(
        label
        for name in QUESTIONNAIRE_VOCABULARIES
        for term in vocabulary(name).terms
        for label in (term.label, *(child.label for child in term.children))
    )


@cache
def statistics_labels() -> frozenset[str]:
    """Every label a table on the public statistics page can show: each dimension's name and the labels of
    its codes (a release can count by any dimension)."""
    with translation.override(settings.LANGUAGE_CODE):
        names = {str(dimension.label) for dimension in DIMENSIONS.values()}
    codes = {
        label
        for dimension in DIMENSIONS.values()
        if dimension.vocabulary
        for term in vocabulary(dimension.vocabulary).terms
        for label in (term.label, *(child.label for child in term.children))
    }
    return frozenset(names | codes)


@cache
def region_names() -> frozenset[str]:
    return frozenset(region.label for term in vocabulary("host_countries").terms for region in term.children)


@cache
def origin_region_names() -> frozenset[str]:
    """Regions of origin a published table can show: proper nouns, which a Latin-script language may keep
    in their romanised form (and only such a language: a Uyghur reader may not read Latin letters)."""
    return frozenset(term.label for term in vocabulary("origin_regions").terms if term.code != "unknown")


def is_reporter_facing(entry: polib.POEntry) -> bool:
    if entry.msgid in questionnaire_labels() or entry.msgid in statistics_labels():
        return True
    return any(path.startswith(REPORTER_SOURCES) for path, _line in entry.occurrences)


def has_letters(text: str) -> bool:
    return any(character.isalpha() for character in _PLACEHOLDER.sub("", text))


def translation_problem(language: str, entry: polib.POEntry) -> str | None:
    """Why this entry does not count as translated into ``language``, or None if it does."""
    if entry.obsolete:
        return None
    if "fuzzy" in entry.flags:
        return "fuzzy"
    forms = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
    if not all(forms):
        if not has_letters(entry.msgid):
            return None
        if entry.msgid in region_names() and language in LATIN_SCRIPT_LANGUAGES:
            return None
        return "untranslated"
    expected = set(_PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
    if any(set(_PLACEHOLDER.findall(form)) != expected for form in forms):
        return "placeholders differ"
    allowed_same = SAME_AS_ENGLISH["*"] | SAME_AS_ENGLISH.get(language, set()) | region_names()
    if language in LATIN_SCRIPT_LANGUAGES:
        allowed_same |= origin_region_names()
    if entry.msgstr == entry.msgid and has_letters(entry.msgid) and entry.msgid not in allowed_same:
        return "identical to the English"
    return None

"""Controlled vocabularies: the versioned TOML files in ``data/`` and the one loader that reads them.

Each file holds ``name`` (its stem), ``version`` ("2026.1"), an optional ``description`` and ``code_format``,
and ``[[term]]`` entries with ``code``, ``label`` (the English source string that translators translate),
optional ``staff_label`` (the staff console's wording where ``label`` speaks in the reporter's voice:
"Through my family members" is "Through relatives" to a caseworker), optional ``help``, mapping lists
named after a published source (``MAPPING_KEYS``), optional ``[[term.region]]`` children, and any other key as
a free attribute (``urgency``, ``tactics``, ``subject``).

Coded fields are stored by code, never by label: labels change with the language and the version, codes do
not. Labels are translated when they are shown (``Vocabulary.choices``/``label``), so the active language
applies; ``labels.py`` only exists so that ``makemessages`` sees every label.
"""

import functools
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Final
from urllib.parse import urlsplit

from django.utils.translation import get_language, gettext

from longarm.taxonomy.exceptions import TaxonomyError, UnknownCodeError

DATA_DIR: Final = Path(__file__).resolve().parent / "data"

# Lists under these keys say which term of a published source a code corresponds to (see tactics.toml).
MAPPING_KEYS: Final = frozenset(
    {
        "freedom_house",
        "oxus_uhrp",
        "trpa",
        "uk",
        "fbi",
        "hrw",
        "tobin_elima",
        "safeguard_defenders",
        "citizen_lab",
    }
)
# Lowest first: the index is the rank.
URGENCIES: Final = ("normal", "high", "critical")
HARM_SUBJECTS: Final = frozenset({"target", "relative"})
REQUIRED_VOCABULARIES: Final = frozenset(
    {
        "tactics",
        "reporter_tactics",
        "actors",
        "attribution",
        "channels",
        "communities",
        "activities",
        "harms",
        "demands",
        "host_countries",
        "origin_regions",
    }
)
# (vocabulary, attribute) -> the vocabulary whose codes the attribute's list refers to.
# Criminal provisions per jurisdiction (ISO 3166-1 code, lower case) for criminal referrals.
LEGAL_PROVISION_JURISDICTIONS: Final = ("jp", "gb", "us", "ca", "au", "de", "fr", "nl", "tr", "kr")
REFERENCES: Final[Mapping[tuple[str, str], str]] = MappingProxyType(
    {
        ("reporter_tactics", "tactics"): "tactics",
        **{(f"legal_provisions_{code}", "tactics"): "tactics" for code in LEGAL_PROVISION_JURISDICTIONS},
    }
)
CODE_FORMATS: Final = frozenset({"snake_case", "iso_3166"})
CHILDREN_KEY: Final = "region"
STAFF_LABEL_KEY: Final = "staff_label"

_TOP_LEVEL_KEYS: Final = frozenset({"name", "version", "description", "code_format", "term"})
_SNAKE_CASE: Final = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_COUNTRY_CODE: Final = re.compile(r"[A-Z]{2}")
_REGION_SUFFIX: Final = re.compile(r"[A-Z0-9]{1,3}(?:-[A-Z0-9]{1,3})?")
_VERSION: Final = re.compile(r"[0-9]{4}\.[0-9]+")
_OXUS_STAGE: Final = re.compile(r"stage_([1-3])")


@dataclass(frozen=True)
class Term:
    code: str
    # The English source string; translate it with gettext when showing it.
    label: str
    help: str = ""
    mappings: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    attributes: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    children: tuple["Term", ...] = ()
    # The staff console's wording, where ``label`` is the reporter's ("Police from my home region"); "" when
    # the label reads the same to both.
    own_staff_label: str = ""

    @property
    def staff_label(self) -> str:
        """The English source string staff see: ``own_staff_label`` or, failing it, ``label``."""
        return self.own_staff_label or self.label


@dataclass(frozen=True)
class Vocabulary:
    name: str
    version: str
    terms: tuple[Term, ...]
    description: str = ""
    _by_code: Mapping[str, Term] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_code", MappingProxyType({term.code: term for term in self.terms}))

    def codes(self) -> frozenset[str]:
        return frozenset(self._by_code)

    def get(self, code: str) -> Term:
        """Return the term with this code; raise ``UnknownCodeError`` (a ``KeyError``) if there is none."""
        try:
            return self._by_code[code]
        except KeyError:
            raise UnknownCodeError(
                f"{code!r} is not a code of vocabulary {self.name!r} (version {self.version})",
                vocabulary=self.name,
                code=code,
            ) from None

    def choices(self) -> list[tuple[str, str]]:
        """(code, label) pairs in file order, labels translated into the active language."""
        return [(term.code, gettext(term.label)) for term in self.terms]

    def label(self, code: str) -> str:
        """The reporter's wording, translated: for the reporter site and public pages."""
        return gettext(self.get(code).label)

    def staff_choices(self) -> list[tuple[str, str]]:
        """(code, staff label) pairs in file order, translated: for the staff console."""
        return [(term.code, gettext(term.staff_label)) for term in self.terms]

    def staff_label(self, code: str) -> str:
        """The staff console's wording, translated."""
        return gettext(self.get(code).staff_label)

    def help_text(self, code: str) -> str:
        help_ = self.get(code).help
        return gettext(help_) if help_ else ""


# Loading ---------------------------------------------------------------------------------------------------


def vocabulary_names(directory: Path = DATA_DIR) -> tuple[str, ...]:
    return tuple(sorted(path.stem for path in directory.glob("*.toml")))


@functools.cache
def vocabulary(name: str) -> Vocabulary:
    """Return the shipped vocabulary ``name`` (a data file's stem); raise ``ValueError`` if there is none."""
    known = vocabulary_names()
    if name not in known:
        raise ValueError(f"No vocabulary named {name!r}; the vocabularies are: {', '.join(known)}.")
    return load_vocabulary_file(DATA_DIR / f"{name}.toml")


def load_vocabulary_file(path: Path) -> Vocabulary:
    """Parse and check one data file on its own; raise ``TaxonomyError`` naming the file and code at fault.

    References to other files are checked by ``validate_directory``.
    """
    file = path.name
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except OSError as error:
        raise TaxonomyError(f"cannot be read ({error.strerror})", file=file) from error
    except tomllib.TOMLDecodeError as error:
        raise TaxonomyError(f"is not valid TOML ({error})", file=file) from error
    vocabulary_ = _parse_vocabulary(data, file=file, stem=path.stem)
    rule = _RULES.get(vocabulary_.name)
    if rule is not None:
        for term in vocabulary_.terms:
            rule(term, file)
    return vocabulary_


def validate_directory(directory: Path) -> dict[str, Vocabulary]:
    """Load every data file in ``directory`` and check them together; return them by name.

    Raises ``TaxonomyError`` for the first problem: a malformed file, a missing required vocabulary, or a
    reference to a code that does not exist.
    """
    vocabularies = {path.stem: load_vocabulary_file(path) for path in sorted(directory.glob("*.toml"))}
    missing = sorted(REQUIRED_VOCABULARIES - vocabularies.keys())
    if missing:
        raise TaxonomyError(
            f"required vocabularies are missing: {', '.join(f'{name}.toml' for name in missing)}",
            file=str(directory),
        )
    for (source, attribute), target in REFERENCES.items():
        target_codes = vocabularies[target].codes()
        for term in vocabularies[source].terms:
            for code in _strings_attribute(term, attribute, file=f"{source}.toml"):
                if code not in target_codes:
                    raise TaxonomyError(
                        f"{attribute} refers to {code!r}, which is not a code in {target}.toml",
                        file=f"{source}.toml",
                        code=term.code,
                    )
    return vocabularies


def validate_all() -> None:
    """Check the shipped data files; raise ``TaxonomyError`` naming the file and code of the first problem."""
    validate_directory(DATA_DIR)


def _parse_vocabulary(data: Mapping[str, object], *, file: str, stem: str) -> Vocabulary:
    unknown = sorted(set(data) - _TOP_LEVEL_KEYS)
    if unknown:
        raise TaxonomyError(f"unknown top-level keys: {', '.join(unknown)}", file=file)
    name = _required_text(data, "name", file=file, code=None)
    if name != stem:
        raise TaxonomyError(f"name {name!r} must equal the file name without .toml", file=file)
    version = _required_text(data, "version", file=file, code=None)
    if not _VERSION.fullmatch(version):
        raise TaxonomyError(f"version {version!r} must look like 2026.1 (year.release)", file=file)
    description = _optional_text(data, "description", file=file, code=None)
    code_format = _optional_text(data, "code_format", file=file, code=None) or "snake_case"
    if code_format not in CODE_FORMATS:
        raise TaxonomyError(f"code_format must be one of {', '.join(sorted(CODE_FORMATS))}", file=file)
    raw_terms = data.get("term")
    if not isinstance(raw_terms, list) or not raw_terms:
        raise TaxonomyError("has no [[term]] entries", file=file)

    terms: list[Term] = []
    seen: set[str] = set()
    for position, raw in enumerate(raw_terms, start=1):
        term = _parse_term(
            raw, file=file, position=f"[[term]] #{position}", code_format=code_format, parent=None
        )
        # Region codes share one namespace with each other and with countries: a coded field holds either.
        for code in (term.code, *(child.code for child in term.children)):
            if code in seen:
                raise TaxonomyError("duplicate code", file=file, code=code)
            seen.add(code)
        terms.append(term)
    return Vocabulary(name=name, version=version, terms=tuple(terms), description=description)


def _parse_term(raw: object, *, file: str, position: str, code_format: str, parent: str | None) -> Term:
    if not isinstance(raw, dict):
        raise TaxonomyError(f"{position} is not a table", file=file)
    code = raw.get("code")
    if not isinstance(code, str):
        raise TaxonomyError(f"{position} has no code (a string)", file=file)
    _check_code(code, file=file, code_format=code_format, parent=parent)
    label = _required_text(raw, "label", file=file, code=code)
    staff_label = _optional_text(raw, STAFF_LABEL_KEY, file=file, code=code)
    help_ = _optional_text(raw, "help", file=file, code=code)

    mappings: dict[str, tuple[str, ...]] = {}
    for key in sorted(MAPPING_KEYS & raw.keys()):
        values = _snake_case_list(raw[key], key=key, file=file, code=code)
        if not values:
            raise TaxonomyError(f"{key} is empty; leave the key out instead", file=file, code=code)
        mappings[key] = values

    children: tuple[Term, ...] = ()
    if CHILDREN_KEY in raw:
        raw_children = raw[CHILDREN_KEY]
        if parent is not None or code_format != "iso_3166":
            raise TaxonomyError(
                f"[[term.{CHILDREN_KEY}]] is only allowed for countries in an iso_3166 file",
                file=file,
                code=code,
            )
        if not isinstance(raw_children, list) or not raw_children:
            raise TaxonomyError(
                f"{CHILDREN_KEY} must be a list of [[term.{CHILDREN_KEY}]] tables", file=file, code=code
            )
        children = tuple(
            _parse_term(
                child,
                file=file,
                position=f"[[term.{CHILDREN_KEY}]] #{index} of {code!r}",
                code_format=code_format,
                parent=code,
            )
            for index, child in enumerate(raw_children, start=1)
        )

    reserved = {"code", "label", STAFF_LABEL_KEY, "help", CHILDREN_KEY} | MAPPING_KEYS
    attributes = {key: _freeze(value) for key, value in raw.items() if key not in reserved}
    return Term(
        code=code,
        label=label,
        help=help_,
        mappings=MappingProxyType(mappings),
        attributes=MappingProxyType(attributes),
        children=children,
        own_staff_label=staff_label,
    )


def _check_code(code: str, *, file: str, code_format: str, parent: str | None) -> None:
    if parent is not None:
        prefix = f"{parent}-"
        if not (code.startswith(prefix) and _REGION_SUFFIX.fullmatch(code.removeprefix(prefix))):
            raise TaxonomyError(
                f"a region code must be its country's code, a hyphen and 1-3 capitals or digits "
                f"(optionally twice), like {parent}-13",
                file=file,
                code=code,
            )
    elif code_format == "iso_3166":
        if not (_COUNTRY_CODE.fullmatch(code) or _SNAKE_CASE.fullmatch(code)):
            raise TaxonomyError(
                "a country code must be ISO 3166-1 alpha-2 (like JP) or snake_case", file=file, code=code
            )
    elif not _SNAKE_CASE.fullmatch(code):
        raise TaxonomyError("a code must be snake_case ASCII (like threat_direct)", file=file, code=code)


def _check_text(value: str, *, key: str, file: str, code: str | None) -> None:
    if not value.strip():
        raise TaxonomyError(f"{key} is empty", file=file, code=code)
    if value != value.strip():
        raise TaxonomyError(f"{key} has leading or trailing white space", file=file, code=code)
    if "%" in value:
        # xgettext would flag the msgid python-format; translated catalogues could then fail msgfmt --check.
        raise TaxonomyError(f"{key} contains '%'; write 'percent'", file=file, code=code)


def _required_text(data: Mapping[str, object], key: str, *, file: str, code: str | None) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise TaxonomyError(f"{key} is missing or not a string", file=file, code=code)
    _check_text(value, key=key, file=file, code=code)
    return value


def _optional_text(data: Mapping[str, object], key: str, *, file: str, code: str | None) -> str:
    return _required_text(data, key, file=file, code=code) if key in data else ""


def _snake_case_list(value: object, *, key: str, file: str, code: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise TaxonomyError(f"{key} must be a list of strings", file=file, code=code)
    items = tuple(str(item) for item in value)
    for item in items:
        if not _SNAKE_CASE.fullmatch(item):
            raise TaxonomyError(f"{key} value {item!r} is not snake_case", file=file, code=code)
    if len(set(items)) != len(items):
        raise TaxonomyError(f"{key} lists a value twice", file=file, code=code)
    return items


def _freeze(value: object) -> object:
    if isinstance(value, list):
        return tuple(_freeze(item) for item in value)
    if isinstance(value, dict):
        return MappingProxyType({str(key): _freeze(item) for key, item in value.items()})
    return value


def _strings_attribute(term: Term, key: str, *, file: str) -> tuple[str, ...]:
    value = term.attributes.get(key)
    if not isinstance(value, tuple) or not all(isinstance(item, str) for item in value):
        raise TaxonomyError(f"{key} must be a list of strings", file=file, code=term.code)
    return tuple(str(item) for item in value)


def _choice_attribute(term: Term, key: str, allowed: Iterable[str], *, file: str) -> str:
    value = term.attributes.get(key)
    options = tuple(allowed)
    if value not in options:
        raise TaxonomyError(
            f"{key} must be one of {', '.join(options)}, not {value!r}", file=file, code=term.code
        )
    return str(value)


# Rules for particular vocabularies, applied to each term when its file is loaded.


def _check_tactic(term: Term, file: str) -> None:
    if not term.mappings:
        raise TaxonomyError(
            "a tactic needs at least one mapping to a published source", file=file, code=term.code
        )
    if not isinstance(term.attributes.get("fh_physical", False), bool):
        raise TaxonomyError("fh_physical must be true or false", file=file, code=term.code)
    stages = [value for value in term.mappings.get("oxus_uhrp", ()) if _OXUS_STAGE.fullmatch(value)]
    if len(stages) > 1:
        raise TaxonomyError("oxus_uhrp may name one stage only", file=file, code=term.code)


def _check_reporter_tactic(term: Term, file: str) -> None:
    _choice_attribute(term, "urgency", URGENCIES, file=file)
    for code in _strings_attribute(term, "tactics", file=file):
        if not _SNAKE_CASE.fullmatch(code):
            raise TaxonomyError(f"tactics value {code!r} is not snake_case", file=file, code=term.code)


def _check_harm(term: Term, file: str) -> None:
    _choice_attribute(term, "subject", sorted(HARM_SUBJECTS), file=file)


def _check_legal_provision(term: Term, file: str) -> None:
    citation = term.attributes.get("citation")
    if not isinstance(citation, str):
        raise TaxonomyError("citation is missing or not a string", file=file, code=term.code)
    _check_text(citation, key="citation", file=file, code=term.code)
    # The official text of the statute, for the caseworker to check the provision before citing it.
    source = term.attributes.get("source")
    if not isinstance(source, str):
        raise TaxonomyError("source is missing or not a string", file=file, code=term.code)
    url = urlsplit(source)
    if url.scheme != "https" or not url.hostname or any(character.isspace() for character in source):
        raise TaxonomyError(f"source {source!r} is not an https URL", file=file, code=term.code)
    for code in _strings_attribute(term, "tactics", file=file):
        if not _SNAKE_CASE.fullmatch(code):
            raise TaxonomyError(f"tactics value {code!r} is not snake_case", file=file, code=term.code)
    for flag in ("unverified", "caution"):
        if not isinstance(term.attributes.get(flag, False), bool):
            raise TaxonomyError(f"{flag} must be true or false", file=file, code=term.code)


_RULES: Final[Mapping[str, Callable[[Term, str], None]]] = MappingProxyType(
    {
        "tactics": _check_tactic,
        "reporter_tactics": _check_reporter_tactic,
        "harms": _check_harm,
        **{f"legal_provisions_{code}": _check_legal_provision for code in LEGAL_PROVISION_JURISDICTIONS},
    }
)


# Questions the rest of Longarm asks -----------------------------------------------------------------------


def urgency_for(reporter_tactic_codes: Iterable[str]) -> str:
    """The highest urgency ("critical" > "high" > "normal") of the ticked answers; "normal" for none."""
    reporter_tactics = vocabulary("reporter_tactics")
    rank = max(
        (
            URGENCIES.index(str(reporter_tactics.get(code).attributes["urgency"]))
            for code in reporter_tactic_codes
        ),
        default=0,
    )
    return URGENCIES[rank]


def urgency_reasons(reporter_tactic_codes: Iterable[str]) -> tuple[str, ...]:
    """The ticked answers that gave the urgency ``urgency_for`` returns, in questionnaire order: the rule
    that fired, for staff to see why a report was rated so. Empty when nothing raised it above normal."""
    reporter_tactics = vocabulary("reporter_tactics")
    ticked = set(reporter_tactic_codes)
    urgency = urgency_for(ticked)
    if urgency == URGENCIES[0]:
        return ()
    return tuple(
        term.code
        for term in reporter_tactics.terms
        if term.code in ticked and term.attributes["urgency"] == urgency
    )


def analytic_tactics_for(reporter_tactic_codes: Iterable[str]) -> frozenset[str]:
    """The analytic tactic codes (tactics.toml) that the ticked questionnaire answers suggest."""
    reporter_tactics = vocabulary("reporter_tactics")
    return frozenset(
        tactic
        for code in reporter_tactic_codes
        for tactic in _strings_attribute(reporter_tactics.get(code), "tactics", file="reporter_tactics.toml")
    )


def is_fh_physical(tactic_codes: Iterable[str]) -> bool:
    """Whether an incident with these tactics is in Freedom House's universe of direct physical incidents."""
    tactics = vocabulary("tactics")
    return any(tactics.get(code).attributes.get("fh_physical", False) is True for code in tactic_codes)


def oxus_stage(tactic_codes: Iterable[str]) -> int | None:
    """The highest Oxus/UHRP stage (1-3) among these tactics, or None if none of them is placed in a stage."""
    tactics = vocabulary("tactics")
    stages = [
        int(match.group(1))
        for code in tactic_codes
        for value in tactics.get(code).mappings.get("oxus_uhrp", ())
        if (match := _OXUS_STAGE.fullmatch(value))
    ]
    return max(stages, default=None)


def region_choices(country_code: str) -> list[tuple[str, str]]:
    """(region code, translated region name) for one host country; empty if it has no regions."""
    return [
        (region.code, gettext(region.label))
        for region in vocabulary("host_countries").get(country_code).children
    ]


# A <select>'s choices: (value, label) pairs, or (group label, pairs) for an <optgroup>.
GroupedChoices = list[tuple[str, str | list[tuple[str, str]]]]


def host_region_choices(country_code: str = "") -> GroupedChoices:
    """The regions a reporter may choose, for a form field whose choices depend on the chosen country.

    With a host country: that country's regions (empty if it has none, or if the code is unknown, so that a
    tampered country offers nothing). Without one: every region, in one <optgroup> per country named by the
    country, so that no option repeats it ("Tokyo" under "Japan", never "Japan — Japan — Tokyo"); the
    questionnaire's script narrows the list to the chosen country at once, and a server-side step can pass the
    country to offer only its regions.
    """
    host_countries = vocabulary("host_countries")
    if country_code:
        return list(region_choices(country_code)) if country_code in host_countries.codes() else []
    return [
        (gettext(country.label), region_choices(country.code))
        for country in host_countries.terms
        if country.children
    ]


def all_region_choices() -> list[tuple[str, str]]:
    """Every place a reporter can say they live, for one plain <select> that needs no JavaScript.

    A country with regions contributes one choice per region ("JP-13", "Japan — Tokyo"); a country without
    regions (and "other") contributes itself ("FR", "France").
    """
    # Built once per language: every questionnaire page and submission needs the whole list.
    return list(_all_region_choices(get_language() or ""))


@functools.lru_cache(maxsize=64)
def _all_region_choices(language: str) -> tuple[tuple[str, str], ...]:
    choices: list[tuple[str, str]] = []
    for country in vocabulary("host_countries").terms:
        country_label = gettext(country.label)
        if not country.children:
            choices.append((country.code, country_label))
        for region in country.children:
            # Translators: a place in a list of host countries and regions, e.g. "Japan — Tokyo".
            label = gettext("%(country)s — %(region)s") % {
                "country": country_label,
                "region": gettext(region.label),
            }
            choices.append((region.code, label))
    return tuple(choices)


def host_place(value: str) -> tuple[str, str]:
    """Split a value of ``all_region_choices`` into (country code, region code or "").

    Raises ``UnknownCodeError`` if the value is neither a host country nor one of its regions.
    """
    host_countries = vocabulary("host_countries")
    country_code = value.split("-", 1)[0]
    if country_code in host_countries.codes():
        country = host_countries.get(country_code)
        if value == country.code:
            return country.code, ""
        if any(region.code == value for region in country.children):
            return country.code, value
    raise UnknownCodeError(
        f"{value!r} is neither a host country nor a region of one in vocabulary 'host_countries'",
        vocabulary="host_countries",
        code=value,
    )

"""Organisations: the agencies that pressure people (a county public security bureau, its Domestic
Security Protection unit 国保, a United Front Work Department), named in Chinese or English, in full or
abbreviated.

A name is read as *place + administrative level + agency*: 疏附县公安局, "Shufu County Public Security
Bureau" and "Shufu County PSB" all become ``shufu|county|psb``. The agency names and abbreviations, the
level words and the English and Uyghur names of places that are not the pinyin of the Chinese name
(Kashgar = 喀什 kashi, Peyziwat = 伽师 jiashi) are data, in ``linking/data/organisations.toml``. Names in
Uyghur (Arabic script, transliterated to ULY, or Latin) are read like English ones, with the Uyghur
words for the levels and the police. The place is the pinyin of the Chinese place name
(or the English words), so the two languages meet; pypinyin misreads many place names (伽师 Jiashi as
gashi, 策勒 Cele as celei), so the readings with one character read otherwise are keys too. When several
places are named (喀什地区疏附县) the most local one counts, and when several agencies are named
(公安局国保大队) the most specific unit does.

A name without a level ("Shufu PSB") is expanded to every level, so it meets the county and the city
bureau of that place, while those two do not meet each other. A name in which no agency is recognised
keeps its folded text in the scheme ``organisation:text``, so it still matches itself. All keys are weak.
"""

import functools
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from longarm.linking.normalisers.han import HAN, reading_variants, to_simplified
from longarm.linking.normalisers.romanise import CYRILLIC, cyrillic_to_latin
from longarm.linking.normalisers.text import nfkc
from longarm.linking.normalisers.uyghur import fold_latin, has_arabic_script, uey_to_uly

_DATA = Path(__file__).resolve().parent.parent / "data" / "organisations.toml"
# From the most local to the most general; a name's place is the one with the most local level.
LEVELS = ("village", "town", "district", "county", "city", "prefecture", "region", "province")
_ENGLISH_WORD = re.compile(r"[a-z0-9']+")
_PLACE_READINGS = 4


@dataclass(frozen=True)
class _Vocabulary:
    agencies_zh: dict[str, tuple[str, int]]  # name -> (code, rank)
    agencies_en: list[tuple[tuple[str, ...], str, int]]
    levels_zh: list[tuple[str, str]]
    levels_en: list[tuple[tuple[str, ...], str]]
    ethnic_zh: tuple[str, ...]
    ethnic_en: frozenset[str]
    ignored_zh: tuple[str, ...]
    ignored_en: frozenset[str]
    places: dict[str, str]
    parents: dict[str, str]  # unit code -> the code of the bureau it belongs to (国保 -> psb)
    aliases_zh: dict[str, str]
    aliases_en: dict[str, tuple[str, ...]]
    countries: dict[str, str]
    cities: dict[str, str]
    agency_pattern_zh: re.Pattern[str]  # any Chinese agency name, the longest where several start
    level_pattern_zh: re.Pattern[str]  # a place name (two characters at least) and its level


def _words(phrase: str) -> tuple[str, ...]:
    return tuple(_ENGLISH_WORD.findall(phrase.replace("-", " ")))


@functools.cache
def _vocabulary() -> _Vocabulary:
    data: dict[str, Any] = tomllib.loads(_DATA.read_text(encoding="utf-8"))
    agencies_zh = [
        (to_simplified(name), agency["code"], agency["rank"])
        for agency in data["agency"]
        for name in agency["zh"]
    ]
    agencies_en = [
        (_words(name), agency["code"], agency["rank"]) for agency in data["agency"] for name in agency["en"]
    ]
    levels_zh = [(name, level) for level, names in data["levels"].items() for name in names["zh"]]
    levels_en = [(_words(name), level) for level, names in data["levels"].items() for name in names["en"]]
    words = data["words"]
    agencies_zh.sort(key=lambda item: -len(item[0]))
    levels_zh.sort(key=lambda item: -len(item[0]))
    level_names = "|".join(re.escape(name) for name, _ in levels_zh)
    return _Vocabulary(
        agencies_zh={name: (code, rank) for name, code, rank in agencies_zh},
        agencies_en=sorted(agencies_en, key=lambda item: -len(item[0])),
        levels_zh=levels_zh,
        levels_en=sorted(levels_en, key=lambda item: -len(item[0])),
        ethnic_zh=tuple(sorted(words["ethnic_zh"], key=len, reverse=True)),
        ethnic_en=frozenset(words["ethnic_en"]),
        ignored_zh=tuple(sorted(words["ignored_zh"], key=len, reverse=True)),
        ignored_en=frozenset(words["ignored_en"]),
        places={fold_latin(name): pinyin for name, pinyin in data["places"].items()},
        parents={agency["code"]: agency["parent"] for agency in data["agency"] if "parent" in agency},
        aliases_zh=dict(sorted(data["aliases"]["zh"].items(), key=lambda item: -len(item[0]))),
        aliases_en={name: _words(full) for name, full in data["aliases"]["en"].items()},
        countries=data["diplomatic"]["countries"],
        cities=data["diplomatic"]["cities"],
        agency_pattern_zh=re.compile("|".join(re.escape(name) for name, _, _ in agencies_zh)),
        # A place name has at least two characters (疏附县, 杭州市), which keeps 州 in 杭州 part of the name.
        level_pattern_zh=re.compile(rf"(.{{2,}}?)({level_names})"),
    )


@dataclass(frozen=True)
class _Reading:
    places: tuple[str, ...]  # the place's possible readings (pypinyin misreads many place names)
    level: str | None
    agency: str


def _chinese(text: str) -> _Reading | None:
    vocabulary = _vocabulary()
    found = [
        (match.start(), *vocabulary.agencies_zh[match.group()])
        for match in vocabulary.agency_pattern_zh.finditer(text)
    ]
    if not found:
        return None
    # The most specific unit named, at its last mention: in 吐鲁番市公安局托克逊县公安局 the county bureau,
    # in 乌鲁木齐市公安局国保支队 the Domestic Security unit of the city bureau.
    start, agency, _rank = max(found, key=lambda item: (item[2], item[0]))
    prefix = vocabulary.agency_pattern_zh.sub("", text[:start]).removesuffix("的")
    for word in vocabulary.ignored_zh:
        prefix = prefix.replace(word, "")
    for word in vocabulary.ethnic_zh:
        prefix = prefix.replace(word, "")
    level_of = dict(vocabulary.levels_zh)
    places: list[tuple[str, str | None]] = [
        (place, level_of[name]) for place, name in vocabulary.level_pattern_zh.findall(prefix)
    ]
    rest = vocabulary.level_pattern_zh.sub("", prefix)
    if rest:
        places.append((rest, None))
    if not places:
        return _Reading(places=("",), level=None, agency=agency)
    place, level = _most_local(places)
    return _Reading(places=tuple(reading_variants(place, limit=_PLACE_READINGS)), level=level, agency=agency)


def _most_local(places: list[tuple[str, str | None]]) -> tuple[str, str | None]:
    with_level = [item for item in places if item[1] is not None]
    if not with_level:
        return places[-1]
    return min(with_level, key=lambda item: LEVELS.index(item[1] or ""))


def _match_phrase(
    words: list[str], index: int, phrases: list[tuple[tuple[str, ...], str]]
) -> tuple[int, str]:
    for phrase, code in phrases:
        if tuple(words[index : index + len(phrase)]) == phrase:
            return len(phrase), code
    return 0, ""


def _place(words: list[str]) -> str:
    """The pinyin of a place named in English or Uyghur (Kashgar, Peyziwat), else its words run together."""
    joined = "".join(words)
    return _vocabulary().places.get(fold_latin(joined), joined)


def _english(text: str) -> _Reading | None:
    vocabulary = _vocabulary()
    folded = "".join(char for char in unicodedata.normalize("NFKD", text.casefold()) if ord(char) < 128)
    words = [word.replace("'", "") for word in _ENGLISH_WORD.findall(folded.replace("-", " "))]
    words = [part for word in words for part in vocabulary.aliases_en.get(word, (word,))]
    agency_phrases = [(phrase, code) for phrase, code, _ in vocabulary.agencies_en]
    rank_of = {code: rank for _, code, rank in vocabulary.agencies_en}
    agencies: list[str] = []
    places: list[tuple[str, str | None]] = []
    pending: list[str] = []
    index = 0
    while index < len(words):
        length, code = _match_phrase(words, index, agency_phrases)
        if length:
            agencies.append(code)
            index += length
            continue
        length, level_code = _match_phrase(words, index, vocabulary.levels_en)
        if length:
            if pending:
                places.append((_place(pending), level_code))
                pending = []
            index += length
            continue
        word = words[index]
        if word not in vocabulary.ignored_en and word not in vocabulary.ethnic_en:
            pending.append(word)
        index += 1
    if not agencies:
        return None
    if pending:
        places.append((_place(pending), None))
    agency = max(agencies, key=lambda code: rank_of[code])
    if not places:
        return _Reading(places=("",), level=None, agency=agency)
    place, level = _most_local(places)
    return _Reading(places=(place,), level=level, agency=agency)


def _text_form(text: str) -> str:
    folded = "".join(
        char for char in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(char)
    )
    return "".join(char for char in folded if char.isalnum())


def _expand_abbreviations(text: str) -> str:
    for short, full in _vocabulary().aliases_zh.items():
        if short in text and full not in text:
            text = text.replace(short, full)
    return text


def _diplomatic_place(agency: str, place: str) -> str:
    """An embassy's place as its country (Tokyo and 日本 are both JP), a consulate's as its city."""
    vocabulary = _vocabulary()
    if agency == "embassy" and place in vocabulary.countries:
        return vocabulary.countries[place]
    if agency == "consulate" and place in vocabulary.cities:
        return vocabulary.cities[place]
    return place


def organisation_forms(value: str) -> list[tuple[str, str]]:
    """The (scheme, form) pairs of an organisation's name; see the module docstring."""
    text = nfkc(value).strip()
    if CYRILLIC.search(text):
        text = cyrillic_to_latin(text)
    text = to_simplified(text)
    if HAN.search(text):
        reading = _chinese(_expand_abbreviations(re.sub(r"\s+", "", text)))
    else:
        if has_arabic_script(text):
            text = " ".join(uey_to_uly(word) if has_arabic_script(word) else word for word in text.split())
        reading = _english(text)
    if reading is None:
        form = _text_form(text)
        return [("organisation:text", form)] if form else []
    if reading.agency in ("embassy", "consulate"):
        # A mission is named by its country or city alone; the level of a foreign place means nothing.
        places = dict.fromkeys(_diplomatic_place(reading.agency, place) for place in reading.places)
        return [("organisation", f"{place}||{reading.agency}") for place in places]
    levels = (reading.level or "",) if reading.level is not None or reading.places == ("",) else LEVELS
    agencies = [reading.agency]
    parent = _vocabulary().parents.get(reading.agency)
    # Only at a known level: "Minfeng Guobao" must not reach every bureau of every level in Minfeng.
    if parent and reading.level is not None:
        # A unit (国保) and its own bureau meet weakly: the same parent, at the same place and level.
        agencies.append(parent)
    return [
        ("organisation", f"{place}|{level}|{agency}")
        for agency in agencies
        for place in reading.places
        for level in levels
    ]

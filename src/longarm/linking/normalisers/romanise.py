"""Romanisations of names that are not pinyin, each through the library that maintains it:

- Wade-Giles (张晓明 Chang Hsiao-ming): pypinyin's WADEGILES style both ways; its table cites the standard
  conversion charts (Wikipedia, UCLA, University of Chicago Library, zdic.net).
- Hong Kong Government Cantonese Romanisation (陳大文 Chan Tai-man): cantonese-romanisation (cantoroman)
  maps each character to the spellings in use (Chan; Tai, Dai, Daai).
- Cyrillic (Uyghur, Kazakh, Kyrgyz, Mongolian) through ICU's Cyrillic-Latin transform plus rules for the
  letters it leaves alone; Tibetan script to EWTS (Wylie) with pyewts, then to the phonetic spelling
  people write (bstan 'dzin → tan dzin ≈ Tenzin); traditional Mongolian script letter by letter.
"""

import functools
import itertools
import re
import tomllib
import unicodedata
from pathlib import Path
from typing import Any

_DATA = Path(__file__).resolve().parent.parent / "data" / "names.toml"
_MAX_FORMS = 8
# A character has up to three spellings in use (大 daai, dai, tai), so a three-character name up to 27.
_MAX_CANTONESE = 27
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
TIBETAN = re.compile(r"[\u0f00-\u0fff]")
MONGOLIAN = re.compile(r"[\u1800-\u18af]")


@functools.cache
def names_data() -> dict[str, Any]:
    return tomllib.loads(_DATA.read_text(encoding="utf-8"))


def _plain(syllable: str) -> str:
    """Lower-case ASCII letters only: tone marks, apostrophes (aspiration in Wade-Giles) and ü's dots go."""
    decomposed = unicodedata.normalize("NFD", syllable.casefold())
    return "".join(char for char in decomposed if "a" <= char <= "z")


@functools.cache
def pinyin_syllables() -> frozenset[str]:
    """Every toneless pinyin syllable pypinyin knows (ü written v)."""
    from pypinyin.pinyin_dict import pinyin_dict

    found: set[str] = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            found.add(_plain(reading.replace("ü", "v")))
    # Syllabic nasals (嗯 n, 呣 m) would let any consonant cluster pass for pinyin.
    return frozenset(syllable for syllable in found if re.search("[aeiouv]", syllable))


def _wade_giles_raw(syllable: str) -> str:
    from pypinyin.style.wadegiles import to_wade_glides

    # pypinyin writes Wade-Giles ü as v (hsv for xu); people write u.
    return str(to_wade_glides(syllable)).replace("v", "u")


def wade_giles(syllable: str) -> str:
    """A toneless pinyin syllable in Wade-Giles without apostrophes or diacritics (zhang → chang)."""
    return _plain(_wade_giles_raw(syllable))


@functools.cache
def _from_wade_giles() -> dict[str, tuple[tuple[str, bool], ...]]:
    """Wade-Giles without diacritics -> the pinyin syllables it writes, each with whether Wade-Giles marks
    it aspirated (ch'ang is chang, chang is zhang)."""
    table: dict[str, set[tuple[str, bool]]] = {}
    for syllable in pinyin_syllables():
        raw = _wade_giles_raw(syllable)
        table.setdefault(_plain(raw), set()).add((syllable, "'" in raw))
    return {key: tuple(sorted(values)) for key, values in table.items()}


def _segments(word: str, syllables: frozenset[str] | dict[str, tuple[str, ...]]) -> list[list[str]]:
    """The ways ``word`` splits into syllables of the set (longest first, at most a few)."""
    if not word:
        return [[]]
    found: list[list[str]] = []
    for end in range(min(len(word), 6), 0, -1):
        head = word[:end]
        if head in syllables:
            for rest in _segments(word[end:], syllables):
                found.append([head, *rest])
                if len(found) >= 4:
                    return found
    return found


def segments(word: str) -> list[list[str]]:
    """The ways a run of toneless pinyin splits into syllables (ouyang → ou yang), at most a few."""
    return _segments(word, pinyin_syllables())


def is_pinyin(word: str) -> bool:
    """Whether a Latin word (ASCII letters) is a run of pinyin syllables (xiaoming, zhang)."""
    return bool(segments(word))


def pinyin_of_wade_giles(pieces: list[str]) -> list[str]:
    """The pinyin a Wade-Giles word (its hyphen-separated pieces, apostrophes dropped) may stand for:
    hsiao-ming → xiaoming; chang → zhang and chang (the apostrophe of ch'ang is often left out)."""
    table = _from_wade_giles()
    options: list[tuple[str, ...]] = []
    for piece in pieces:
        plain = _plain(piece)
        if plain not in table:
            return []
        # The apostrophe is often left out, so without one both readings stay, unaspirated first.
        aspirated = "'" in piece or "\u2019" in piece
        entries = sorted(table[plain], key=lambda entry: entry[1] != aspirated)
        if aspirated:
            entries = [entry for entry in entries if entry[1]] or entries
        options.append(tuple(syllable for syllable, _ in entries))
    return ["".join(choice) for choice in itertools.islice(itertools.product(*options), _MAX_FORMS)]


def looks_wade_giles(raw_words: list[str]) -> bool:
    """A name that is written in Wade-Giles rather than pinyin: an apostrophe of aspiration, a hyphen in
    the given name (pinyin writes Xiaoming), or a syllable that is Wade-Giles but not pinyin (hsiao)."""
    table = _from_wade_giles()
    for word in raw_words:
        if "'" in word or "\u2019" in word or "-" in word:
            return True
        plain = _plain(word)
        if plain in table and plain not in pinyin_syllables():
            return True
    return False


@functools.cache
def _from_palladius() -> dict[str, str]:
    """Palladius (the Russian Cyrillic transcription of Chinese: Чжан Вэй) syllable -> pinyin, from
    pypinyin's CYRILLIC style."""
    from pypinyin.style.cyrillic import converter

    table: dict[str, str] = {}
    for syllable in sorted(pinyin_syllables()):
        cyrillic = re.sub(r"\d", "", str(converter.to_cyrillic(syllable + "1"))).casefold()
        table.setdefault(cyrillic, syllable)
    return table


def pinyin_of_palladius(word: str) -> str | None:
    """A Cyrillic word read as Palladius (Цзяньго → jianguo), or None when it is not Palladius."""
    table = _from_palladius()
    found = _segments(word.casefold().replace("ё", "е"), frozenset(table))
    return "".join(table[syllable] for syllable in found[0]) if found else None


@functools.cache
def _cantonese() -> Any:
    from cantoroman import Cantonese

    return Cantonese()


def hong_kong_spellings(han: str) -> list[str]:
    """陳大文 → chantaiman (and the other spellings in use of each character, at most a few), the
    syllables run together as the other name keys are. Characters it does not know are left out."""
    options = [readings for readings in _cantonese().getRoman(han) if readings]
    if not options:
        return []
    choices = [tuple(dict.fromkeys(readings)) for readings in options]
    spellings = ("".join(choice) for choice in itertools.product(*choices))
    return list(itertools.islice(spellings, _MAX_CANTONESE))


@functools.cache
def _cyrillic_transform() -> Any:
    import icu

    extra = icu.Transliterator.createFromRules(
        "longarm-cyrillic-extra", names_data()["cyrillic"]["rules"], icu.UTransDirection.FORWARD
    )
    chain = icu.Transliterator.createInstance("Cyrillic-Latin")
    return extra, chain


def cyrillic_to_latin(text: str) -> str:
    """Илһам Тохти → Ilham Tohti; Баатар → Baatar (ICU Cyrillic-Latin, after the letters of Turkic and
    Mongolian Cyrillic that it does not know)."""
    extra, chain = _cyrillic_transform()
    return str(chain.transliterate(extra.transliterate(text)))


def mongolian_script_to_latin(text: str) -> str:
    table: dict[str, str] = names_data()["mongolian_script"]
    return "".join(table.get(char, char if not MONGOLIAN.match(char) else "") for char in text)


@functools.cache
def _wylie() -> Any:
    import pyewts

    return pyewts.pyewts()


# Onsets of EWTS syllables as they are pronounced (Central Tibetan, as in the THL simplified phonetics
# that Tibetan names in English follow): prefixes (g d b m ') and superscripts (r l s) are silent, and
# some root + subscript clusters change the sound.
_ROOTS = (
    "tsh",
    "kh",
    "ng",
    "ch",
    "ny",
    "th",
    "ph",
    "ts",
    "dz",
    "zh",
    "sh",
    "k",
    "g",
    "c",
    "j",
    "t",
    "d",
    "n",
    "p",
    "b",
    "m",
    "w",
    "z",
    "y",
    "r",
    "l",
    "s",
    "h",
)
_CLUSTERS = {
    "db": "w",
    "zl": "d",
    "kr": "t",
    "tr": "t",
    "pr": "t",
    "gr": "d",
    "dr": "d",
    "br": "d",
    "sr": "s",
    "phy": "ch",
    "py": "ch",
    "by": "j",
    "my": "ny",
    "ky": "ky",
    "gy": "gy",
    "khy": "ky",
}


def _tibetan_onset(onset: str) -> str:
    if onset == "db":
        return "w"
    if onset == "lh":
        return "lh"
    for prefix in (0, 1):
        if prefix and onset[:1] not in "gdbm":
            continue
        for superscript in (0, 1):
            start = prefix + superscript
            if superscript and onset[prefix:start] not in ("r", "l", "s"):
                continue
            for root in _ROOTS:
                if onset.startswith(root, start):
                    sub = onset[start + len(root) :]
                    if sub in ("", "y", "r", "l", "w"):
                        return _CLUSTERS.get(root + sub, root)
    return onset


def _tibetan_syllable(syllable: str) -> str:
    syllable = syllable.replace("'", "").strip()
    match = re.search(r"[aeiou]", syllable)
    if match is None:
        return syllable
    rime = re.sub(r"[sd]$", "", syllable[match.start() :])
    return _tibetan_onset(syllable[: match.start()]) + rime


def tibetan_to_latin_words(word: str) -> list[str]:
    """One EWTS (Wylie) word typed in Latin letters as its phonetic syllables (sgrol → dol)."""
    return [_tibetan_syllable(part) for part in re.split(r"[-_]", word.casefold()) if part]


def tibetan_to_latin(text: str) -> str:
    """Tibetan script as the phonetic spelling of names: བསྟན་འཛིན → EWTS ``bstan 'dzin`` → tan dzin."""
    wylie = str(_wylie().toWylie(text))
    words = re.split(r"[\s/_]+", wylie)
    return " ".join(" ".join(_tibetan_syllable(part) for part in word.split("-")) for word in words if word)

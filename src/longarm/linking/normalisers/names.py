"""Person names. They only ever suggest a link: many people share a name and one person writes theirs
several ways, so every key here is weak. A name yields keys in three schemes:

``name:han``
    The Chinese characters in Simplified form (OpenCC t2s), without spaces or dots: 张伟 and 張偉 meet.
    Homophones (张伟 / 章伟) stay apart here.
``name:pinyin``
    The toneless pinyin, syllables run together, surname first (the Chinese order): 张伟 → ``zhangwei``.
    Han text is read with pypinyin in context; common surnames whose surname reading differs from the
    everyday one are read as surnames (单 shan, 曾 zeng, 解 xie, 仇 qiu, 区 ou, 朴 piao …), and a
    given-name character with several readings adds one key per alternative reading, so a Latin spelling
    made from either reading meets. Latin text is folded to the same alphabet: case, spaces, hyphens,
    apostrophes and tone marks go, ü (and passport ``yu`` after l) becomes ``v``. Because the order of
    Latin words says nothing certain (``Zhang Wei``, ``Wei Zhang``, ``ZHANG Wei``), the words are also
    read with the last one or the last two (a two-syllable surname written apart, ``Ou Yang``) moved to
    the front. Every form with ü (``v``) also gives a ``u`` key, as older passports and most people
    write 吕 ``Lu``; so 吕 and 卢 meet on that key, like any two homophones.
``name:uly``
    Uyghur names: Arabic-script Uyghur (UEY) transliterated to Uyghur Latin (ULY), and Latin text, both
    folded by :func:`longarm.linking.normalisers.uyghur.fold_latin`; words rotated as above, since a
    Uyghur name (given name, father's name) is written in either order.

``name:sound``
    For names that are not Chinese (a Han name that is a transcription: a middle dot, or no common
    Chinese surname in front; a Latin name that is not a run of pinyin syllables; Uyghur Arabic script)
    the consonant sound key of :mod:`longarm.linking.normalisers.sound`: 阿不都拉 meets Abdulla, 丹增
    meets Tenzin and Tenzing, 伊力哈木·土赫提 meets Ilham Tohti.

Other romanisations (see :mod:`longarm.linking.normalisers.romanise`): a Chinese name also yields its
Wade-Giles (张晓明 → changhsiaoming) and Hong Kong Cantonese spellings (陳大文 → chantaiman) as pinyin
keys, and a Latin name written in Wade-Giles (an apostrophe, a hyphenated given name, a syllable like
hsiao) also yields the pinyin it stands for, so "Chang Hsiao-ming" meets "Zhang Xiaoming". Cyrillic
(Uyghur, Kazakh, Mongolian), Tibetan script (through Wylie) and traditional Mongolian script are written
in Latin letters first. Titles and forms of address (王警官, 老王, "Officer Wang") are not part of a name.

Everything is NFKC-normalised first.
"""

import functools
import itertools
import re
import unicodedata

from longarm.linking.normalisers.han import HAN, reading_variants, readings, to_simplified, to_traditional
from longarm.linking.normalisers.romanise import (
    CYRILLIC,
    MONGOLIAN,
    TIBETAN,
    cyrillic_to_latin,
    hong_kong_spellings,
    looks_wade_giles,
    mongolian_script_to_latin,
    names_data,
    pinyin_of_palladius,
    pinyin_of_wade_giles,
    segments,
    tibetan_to_latin,
    tibetan_to_latin_words,
    wade_giles,
)
from longarm.linking.normalisers.sound import MIN_LENGTH, MIN_LENGTH_WORDS, latin_sounds, pinyin_sound
from longarm.linking.normalisers.text import MIDDLE_DOTS, nfkc
from longarm.linking.normalisers.uyghur import fold_latin, has_arabic_script, uey_to_uly

# Two-character surnames, with their surname reading.
_COMPOUND_SURNAMES: dict[str, list[str]] = {
    "欧阳": ["ouyang"],
    "司马": ["sima"],
    "上官": ["shangguan"],
    "诸葛": ["zhuge"],
    "东方": ["dongfang"],
    "皇甫": ["huangfu"],
    "尉迟": ["yuchi"],
    "公孙": ["gongsun"],
    "慕容": ["murong"],
    "长孙": ["zhangsun"],
    "宇文": ["yuwen"],
    "司徒": ["situ"],
    "司空": ["sikong"],
    "夏侯": ["xiahou"],
    "轩辕": ["xuanyuan"],
    "令狐": ["linghu"],
    "钟离": ["zhongli"],
    "闾丘": ["lvqiu"],
    "万俟": ["moqi"],
    "南宫": ["nangong"],
    "西门": ["ximen"],
    "端木": ["duanmu"],
    "独孤": ["dugu"],
    "澹台": ["tantai"],
    "申屠": ["shentu"],
    "呼延": ["huyan"],
    "赫连": ["helian"],
}
# One-character surnames read differently as surnames (several readings where both are surnames).
_SURNAME_READINGS: dict[str, list[str]] = {
    "单": ["shan"],
    "曾": ["zeng"],
    "解": ["xie"],
    "仇": ["qiu"],
    "区": ["ou"],
    "查": ["zha"],
    "朴": ["piao"],
    "盖": ["ge", "gai"],
    "覃": ["qin", "tan"],
    "乐": ["yue", "le"],
    "缪": ["miao"],
    "翟": ["zhai", "di"],
    "华": ["hua"],
    "任": ["ren"],
    "沈": ["shen"],
    "召": ["shao"],
    "宁": ["ning"],
    "薄": ["bo"],
    "秘": ["bi"],
    "种": ["chong"],
    "黑": ["he"],
    "相": ["xiang"],
    "纪": ["ji"],
    "那": ["na"],
    "尉": ["wei", "yu"],
    "长": ["chang"],
    "都": ["du"],
    "柏": ["bai", "bo"],
    "车": ["che"],
    "曲": ["qu"],
    "员": ["yun"],
    "繁": ["po"],
    "过": ["guo"],
    "贾": ["jia"],
    "卜": ["bu"],
    "冼": ["xian"],
    "隗": ["wei", "kui"],
    "莘": ["shen", "xin"],
}
# Apostrophes separate syllables (Xi'an) and mark ULY hamza (mes'ul); they do not take part in matching.
_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc\u02b9\u0060\u00b4]")
_WORD = re.compile(r"[^\W\d_]+")
# Harakat and hamza-above are not letters of their own (and would split a word); Uyghur does not write them.
_ARABIC_MARKS = re.compile(r"[\u064b-\u0652\u0654\u0670]")
_PINYIN_UMLAUT = str.maketrans({"ü": "v", "ǖ": "v", "ǘ": "v", "ǚ": "v", "ǜ": "v"})
_MAX_READINGS = 6
_MAX_WORDS = 6
_CAMEL_CASE = re.compile(r"(?<=[a-z\u00e0-\u024f])(?=[A-Z\u00c0-\u00de])")
TIBETAN_RUN = re.compile(r"[\u0f00-\u0fff]+(?:[\s\u0f0b-\u0f0d]+[\u0f00-\u0fff]+)*")


def _rotations(words: list[str]) -> list[str]:
    """The words run together as written, with the last word first, and with the last two first."""
    words = words[:_MAX_WORDS]
    forms = ["".join(words)]
    if len(words) >= 2:
        forms.append("".join(words[-1:] + words[:-1]))
    if len(words) >= 3:
        forms.append("".join(words[-2:] + words[:-2]))
    return list(dict.fromkeys(form for form in forms if form))


def _pinyin_latin(word: str) -> str:
    word = word.casefold().translate(_PINYIN_UMLAUT)
    word = "".join(char for char in unicodedata.normalize("NFD", word) if "a" <= char <= "z")
    # Chinese passports since 2012 write ü after l and n as "yu" (LYU); "lyu" cannot occur otherwise.
    word = word.replace("lyu", "lv")
    return "nv" + word[3:] if word.startswith("nyu") else word


def _surname_split(han: str) -> tuple[list[str], str]:
    if len(han) >= 3 and han[:2] in _COMPOUND_SURNAMES:
        return _COMPOUND_SURNAMES[han[:2]], han[2:]
    if len(han) >= 2 and han[:1] in _SURNAME_READINGS:
        return _SURNAME_READINGS[han[:1]], han[1:]
    return [], han


def _han_pinyin(han: str) -> list[str]:
    parts = [part for part in han.split("·") if part]
    if len(parts) > 1:
        # A dotted name (买买提·艾力) is a transliterated non-Chinese name: no surname, either order.
        return _rotations(["".join(readings(part)) for part in parts])
    surnames, given = _surname_split(han)
    if not surnames:
        if len(han) == 1:
            return reading_variants(han, limit=_MAX_READINGS)
        # Other readings of a surname character are not surname readings (丁 is never zheng as a name).
        surnames, given = readings(han[:1]), han[1:]
    return [surname + form for surname in surnames for form in reading_variants(given, limit=_MAX_READINGS)]


def _with_plain_u(forms: list[str]) -> list[str]:
    return list(dict.fromkeys([*forms, *(form.replace("v", "u") for form in forms if "v" in form)]))


def _without_titles(text: str) -> str:
    """The name without forms of address: 王警官 → 王, 老王 → 王, "Officer Wang" → Wang."""
    titles = names_data()["titles"]
    latin = set(titles["latin"])
    words = re.split(r"(\s+)", text)
    text = "".join(word for word in words if not word.strip() or word.strip(" .,:").casefold() not in latin)
    han = "".join(char for char in text if HAN.match(char))
    for suffix in sorted(titles["zh_after"], key=len, reverse=True):
        if han.endswith(suffix) and len(han) > len(suffix):
            text = text[: text.rindex(suffix)] + text[text.rindex(suffix) + len(suffix) :]
            break
    stripped = text.strip()
    if len(stripped) == 2 and stripped[0] in titles["zh_before"] and stripped[1] in _common_surnames():
        return stripped[1]
    return stripped


@functools.cache
def _common_surnames() -> frozenset[str]:
    return frozenset(names_data()["surnames"]["common"])


def _other_scripts_in_latin(text: str) -> str:
    """Cyrillic, Tibetan and traditional Mongolian script written in Latin letters (see ``romanise``)."""
    if CYRILLIC.search(text):
        words = re.findall(r"[\u0400-\u04ff]+", text)
        palladius = [pinyin_of_palladius(word) for word in words]
        if all(palladius):
            # A Chinese name in Russian transcription (Чжан Вэй): read back as pinyin.
            for word, pinyin in zip(words, palladius, strict=True):
                text = text.replace(word, pinyin or "", 1)
        else:
            text = cyrillic_to_latin(text)
    if TIBETAN.search(text):
        text = TIBETAN_RUN.sub(lambda match: " " + tibetan_to_latin(match.group()) + " ", text)
    if MONGOLIAN.search(text):
        text = mongolian_script_to_latin(text)
    return text


def _is_transcription(han: str) -> bool:
    """Chinese characters that write a Uyghur, Tibetan or Mongolian name by sound (买买提·艾力, 阿不都拉,
    丹增) rather than a Chinese name: a middle dot, or no common Chinese surname in front."""
    # Chinese names have two or three characters (four with a two-character surname).
    if "·" in han or len(han) >= 5 or (len(han) == 4 and han[:2] not in _COMPOUND_SURNAMES):
        return True
    return not any(han.startswith(surname) for surname in _common_surnames())


def _syllables(reading: str) -> list[str]:
    found = segments(reading)
    return found[0] if found else [reading]


def _han_other_romanisations(han: str) -> list[str]:
    """A Chinese name in Wade-Giles (张晓明 → changhsiaoming) and in Hong Kong Cantonese spelling
    (陳大文 → chantaiman), surname first."""
    surnames, given = _surname_split(han)
    surname_reading = surnames[0] if surnames else "".join(readings(han[:1]))
    if not surnames:
        given = han[1:]
    syllables = [*_syllables(surname_reading), *readings(given)]
    forms = ["".join(wade_giles(syllable) for syllable in syllables)]
    # The Cantonese table is of Traditional characters (陳, not 陈).
    forms.extend(hong_kong_spellings(to_traditional(han)))
    return forms


def _transcribed_pinyin(words: list[list[str]]) -> bool:
    """A pinyin name that spells a transcription (Abudula Tuerxun, Menghebayaer, Siqin) rather than a
    Chinese name: a word of three syllables or more, four syllables in all (Chinese names have two or
    three), or one word alone of two syllables (a Mongolian or Tibetan name without a surname)."""
    total = sum(len(word) for word in words)
    if any(len(word) >= 3 for word in words) or total >= 4:
        return True
    # One word of two syllables is a Chinese name run together (ZhangWei) when it starts with a surname.
    return len(words) == 1 and total == 2 and words[0][0] not in _surname_syllables()


@functools.cache
def _surname_syllables() -> frozenset[str]:
    return frozenset(readings(surname)[0] for surname in _common_surnames() if len(surname) == 1)


# EWTS (Wylie) words begin with consonant clusters that no phonetic spelling writes: a prefix letter
# before the root (bstan, dbyangs, mtsho, 'dzin, bkra) or a superscript r/s/l before it (rdo, sgrol, lha).
_WYLIE_ONSET = re.compile(r"^(?:'|[bdgm][bcdgjklmnprstwyz]|r[gjdnbmtkz]|s[gdbmnkt]|l[ctdjgnp])")


def _looks_wylie(words: list[str]) -> bool:
    return any(_WYLIE_ONSET.match(word.casefold()) and word.casefold() not in ("dr",) for word in words)


def _sound_forms(parts: list[str]) -> list[str]:
    minimum = MIN_LENGTH if len(parts) == 1 else MIN_LENGTH_WORDS
    return [form for form in _rotations(parts) if len(form) >= minimum]


def _latin_sound_forms(words: list[str]) -> list[str]:
    options = [latin_sounds(word) for word in words[:_MAX_WORDS]]
    forms: list[str] = []
    for choice in itertools.islice(itertools.product(*options), 8):
        forms.extend(_sound_forms(list(choice)))
    return list(dict.fromkeys(forms))


def name_forms(value: str) -> list[tuple[str, str]]:
    """The (scheme, form) pairs of a person's name; see the module docstring for the rules."""
    text = _without_titles(_other_scripts_in_latin(MIDDLE_DOTS.sub("·", nfkc(value))))
    # Names run together with capitals (ZhangWei, HeYongjia) are read as the words they are.
    text = _CAMEL_CASE.sub(" ", text)
    raw_words = [word for word in re.split(r"[\s,;/]+", HAN.sub(" ", text)) if _WORD.search(word)]
    text = _APOSTROPHES.sub("", text)
    forms: list[tuple[str, str]] = []
    han = to_simplified("".join(char for char in text if HAN.match(char) or char == "·")).strip("·")
    if HAN.search(han):
        forms.append(("name:han", han.replace("·", "")))
        forms.extend(("name:pinyin", form) for form in _with_plain_u(_han_pinyin(han)))
        if _is_transcription(han):
            sounds = [pinyin_sound(readings(part)) for part in han.split("·") if part]
            forms.extend(("name:sound", form) for form in _sound_forms(sounds))
        else:
            forms.extend(("name:pinyin", form) for form in _han_other_romanisations(han))
    words = _WORD.findall(HAN.sub(" ", _ARABIC_MARKS.sub("", text)))
    arabic = [uey_to_uly(word) for word in words if has_arabic_script(word)]
    latin = [word for word in words if not has_arabic_script(word)]
    latin_raw = [word for word in raw_words if not has_arabic_script(word)]
    if latin and _looks_wylie(latin):
        latin = [_pinyin_latin(syllable) for word in latin for syllable in tibetan_to_latin_words(word)]
        latin_raw = latin
    if latin:
        pinyin_words = [_pinyin_latin(word) for word in latin]
        forms.extend(("name:pinyin", form) for form in _with_plain_u(_rotations(pinyin_words)))
        forms.extend(("name:pinyin", form) for form in _chinese_core(latin_raw))
        if looks_wade_giles(latin_raw):
            for converted in _wade_giles_readings(latin_raw):
                forms.extend(("name:pinyin", form) for form in _rotations(converted))
        folded = [fold_latin(word) for word in latin]
        forms.extend(("name:uly", form) for form in _rotations(folded))
        syllables = [segments(word) for word in pinyin_words]
        if any("-" in word for word in latin_raw) or looks_wade_giles(latin_raw):
            # A hyphenated given name (Chan Tai-man, Chang Hsiao-ming) is a Chinese name: no sound key.
            pass
        elif not all(syllables):
            forms.extend(("name:sound", form) for form in _latin_sound_forms(folded))
        elif _transcribed_pinyin([found[0] for found in syllables]):
            sounds = [pinyin_sound(found[0]) for found in syllables]
            forms.extend(("name:sound", form) for form in _sound_forms(sounds))
    if arabic:
        folded = [fold_latin(word) for word in arabic]
        forms.extend(("name:uly", form) for form in _rotations(folded))
        forms.extend(("name:sound", form) for form in _latin_sound_forms(folded))
    return list(dict.fromkeys(form for form in forms if form[1]))


def _chinese_core(words: list[str]) -> list[str]:
    """A Hong Kong or Taiwan name with an English name beside it (Peter Chan Tai-man, Chan Tai-man
    Peter): the hyphenated given name and the surname next to it, in both orders."""
    forms: list[str] = []
    for index, word in enumerate(words[:_MAX_WORDS]):
        if "-" not in word or len(words) < 3:
            continue
        given = "".join(_pinyin_latin(piece) for piece in word.split("-"))
        for surname in words[index - 1 : index] + words[index + 1 : index + 2]:
            forms.extend((_pinyin_latin(surname) + given, given + _pinyin_latin(surname)))
    return forms


def _wade_giles_readings(words: list[str]) -> list[list[str]]:
    """The pinyin words a Wade-Giles name may stand for (Chang Hsiao-ming → zhang xiaoming, …), at most a
    few combinations; a word that is not Wade-Giles is kept as written."""
    options: list[list[str]] = []
    for word in words[:_MAX_WORDS]:
        pieces = [piece for piece in re.split(r"[-\u2010\u2011]", word) if piece]
        converted = pinyin_of_wade_giles(pieces)
        options.append(converted or [_pinyin_latin(word)])
    return [list(choice) for choice in itertools.islice(itertools.product(*options), _MAX_READINGS)]

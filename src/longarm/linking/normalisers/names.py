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

Everything is NFKC-normalised first. Not covered: Wade-Giles, Cantonese or other non-pinyin
romanisations of Chinese names (Chang Hsiao-ming, Cheung), and Han-character renderings of Uyghur names
(伊力哈木 for Ilham), which would need a dictionary.
"""

import re
import unicodedata

from longarm.linking.normalisers.han import HAN, reading_variants, readings, to_simplified
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


def name_forms(value: str) -> list[tuple[str, str]]:
    """The (scheme, form) pairs of a person's name; see the module docstring for the rules."""
    text = _APOSTROPHES.sub("", MIDDLE_DOTS.sub("·", nfkc(value)))
    forms: list[tuple[str, str]] = []
    han = to_simplified("".join(char for char in text if HAN.match(char) or char == "·")).strip("·")
    if HAN.search(han):
        forms.append(("name:han", han.replace("·", "")))
        forms.extend(("name:pinyin", form) for form in _with_plain_u(_han_pinyin(han)))
    words = _WORD.findall(HAN.sub(" ", _ARABIC_MARKS.sub("", text)))
    arabic = [uey_to_uly(word) for word in words if has_arabic_script(word)]
    latin = [word for word in words if not has_arabic_script(word)]
    if latin:
        pinyin_forms = _with_plain_u(_rotations([_pinyin_latin(word) for word in latin]))
        forms.extend(("name:pinyin", form) for form in pinyin_forms)
        forms.extend(("name:uly", form) for form in _rotations([fold_latin(word) for word in latin]))
    if arabic:
        forms.extend(("name:uly", form) for form in _rotations([fold_latin(word) for word in arabic]))
    return list(dict.fromkeys(form for form in forms if form[1]))

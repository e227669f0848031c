"""Chinese characters: Traditional to Simplified (OpenCC) and readings in pinyin (pypinyin)."""

import functools
import re

import opencc
from pypinyin import Style, lazy_pinyin, pinyin

# CJK Unified Ideographs with extensions A-H (NFKC has already mapped compatibility ideographs).
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U000323af]")


@functools.cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@functools.cache
def _s2t() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def to_traditional(text: str) -> str:
    """Simplified characters as Traditional (陈 → 陳), for readers that know Traditional text best."""
    return str(_s2t().convert(text)) if HAN.search(text) else text


def to_simplified(text: str) -> str:
    """Traditional characters as Simplified (張偉 → 张伟, 粵 → 粤); Simplified text is left unchanged.
    The conversion is many-to-one, so converting both sides to Simplified is what makes them meet."""
    if not HAN.search(text):
        return text
    return str(_t2s().convert(text))


def readings(text: str) -> list[str]:
    """The toneless pinyin of each character in context (``ü`` as ``v``, as pypinyin writes it)."""
    return [syllable for syllable in lazy_pinyin(text, style=Style.NORMAL, errors="ignore") if syllable]


def alternative_readings(char: str) -> list[str]:
    """Every toneless reading pypinyin knows for one character (heteronyms: 乐 le/yue)."""
    found = pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore")
    return list(dict.fromkeys(found[0])) if found else []


def reading_variants(text: str, *, limit: int = 6) -> list[str]:
    """The in-context pinyin of ``text`` run together, then one variant per other reading of a single
    character (at most ``limit`` in all): pypinyin's first choice is often wrong for names of people and
    places (伽师 is Jiashi, not Gashi; 策勒 is Cele), and one character off is the common case."""
    default = readings(text)
    if len(default) != len(text):
        return ["".join(default)] if default else []
    variants = ["".join(default)]
    for index, char in enumerate(text):
        for alternative in alternative_readings(char):
            if len(variants) >= limit:
                return variants
            variant = "".join([*default[:index], alternative, *default[index + 1 :]])
            if variant not in variants:
                variants.append(variant)
    return variants

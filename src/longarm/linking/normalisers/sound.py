"""A consonant sound key for names that cross writing systems by ear: a Uyghur, Tibetan or Mongolian name
written in Chinese characters meets its Latin spelling (阿不都拉 a-bu-du-la ≈ Abdulla, 丹增 dan-zeng ≈
Tenzin / Tenzing, 伊力哈木 ≈ Ilham), and the Wade-Giles or Cantonese spelling of a syllable meets pinyin
where the consonants agree.

Chinese transcription adds vowels (Abdulla → a-bu-du-la) and changes them freely, and drops or adds h,
r, y and w; the spellings in Latin script vary in vowels and in how a sound is written (ts / z / dz, sh /
x / s, v / w). So the key keeps only consonants, in classes that the transcription rules keep apart:
P (b p f), T (d t), K (g k q), C (j zh ch z c ts dz), S (s sh x-in-pinyin), L, N (m n ng: Mandarin ends
no syllable in m, so 强巴 qiang-ba writes Jampa), R; h, y, w and vowels are dropped. Chinese writes an r
next to a consonant with 尔 (Nurmemet 努尔买买提) or leaves it out (Dorje 多吉, Drolma 卓玛), and ends no
syllable in a stop (Phuntsok 平措), so a Latin word also gives the keys without those. It is lossy on
purpose and weak; a key of one class is not made, so a name of one consonant ("Ali") never rests on it,
and a name of several words needs three.
"""

import re

MIN_LENGTH = 2
# A name of several words needs a longer key: two classes over two words match far too much.
MIN_LENGTH_WORDS = 3

# Pinyin initials (the longest first) and what they sound like in the key.
_PINYIN_INITIALS = (
    ("zh", "C"),
    ("ch", "C"),
    ("sh", "S"),
    ("b", "P"),
    ("p", "P"),
    ("f", "P"),
    ("d", "T"),
    ("t", "T"),
    ("g", "K"),
    ("k", "K"),
    ("j", "C"),
    ("q", "C"),
    ("z", "C"),
    ("c", "C"),
    ("x", "S"),
    ("s", "S"),
    ("l", "L"),
    ("m", "N"),
    ("n", "N"),
    ("r", "R"),
)
# Latin spellings, the longest first; what is not listed (vowels, h, r, w, y) is dropped.
_LATIN = (
    ("tsh", "C"),
    ("ts", "C"),
    ("tz", "C"),
    ("dz", "C"),
    ("zh", "C"),
    ("ch", "C"),
    ("gy", "C"),
    ("sh", "S"),
    ("ng", "N"),
    ("ph", "P"),
    ("th", "T"),
    ("kh", ""),
    ("gh", "K"),
    ("b", "P"),
    ("p", "P"),
    ("f", "P"),
    ("d", "T"),
    ("t", "T"),
    ("g", "K"),
    ("k", "K"),
    ("q", "K"),
    ("c", "C"),
    ("j", "C"),
    ("z", "C"),
    ("s", "S"),
    ("l", "L"),
    ("m", "N"),
    ("n", "N"),
    ("r", "R"),
)
_LATIN_PATTERN = re.compile("|".join(spelling for spelling, _ in _LATIN) + "|.")
_LATIN_CLASS = dict(_LATIN)
# An r next to a consonant (Dorje, Drolma), which Chinese transcription often leaves out.
_UNSOUNDED_R = re.compile(r"r(?=[^aeiouy])|(?<=[^aeiouy])r")
# Mandarin syllables end in a vowel, n or ng: a k or p ending a Tibetan name (Phuntsok, Dhondup) is left
# out of its transcription (平措). A final t or d is kept as a syllable of its own (Memet 买买提).
_CODA_STOP = re.compile(r"(?<=[aeiou])[pkgb]$")


def pinyin_sound(syllables: list[str]) -> str:
    """The key of toneless pinyin syllables (a bu du la → PTL)."""
    key = []
    for syllable in syllables:
        for initial, sound in _PINYIN_INITIALS:
            if syllable.startswith(initial):
                key.append(sound)
                break
        if syllable == "er":
            key.append("R")
        if syllable.endswith("n") or syllable.endswith("ng"):
            key.append("N")
    return "".join(key)


def latin_sounds(word: str) -> list[str]:
    """The keys of a Latin word of lower-case ASCII letters, doubled letters already single (as
    :func:`longarm.linking.normalisers.uyghur.fold_latin` leaves them): tenzing → TNCN, abdula → PTL,
    dorje → TRC and TC."""
    plain = _UNSOUNDED_R.sub("", word)
    open_syllables = _CODA_STOP.sub("", plain)
    return list(dict.fromkeys([_latin_key(word), _latin_key(plain), _latin_key(open_syllables)]))


def _latin_key(word: str) -> str:
    return "".join(_LATIN_CLASS.get(part, "") for part in _LATIN_PATTERN.findall(word))

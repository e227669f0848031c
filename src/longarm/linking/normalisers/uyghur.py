"""Uyghur: the Arabic-script alphabet (UEY, Uyghur Ereb Yéziqi) to the Latin one (ULY, Uyghur Latin
Yéziqi, adopted at Xinjiang University in 2001 and as the BGN/PCGN romanisation in 2023).

UEY is a true alphabet: every vowel is written, so the mapping is letter by letter. The table below has
the 32 UEY letters and their ULY equivalents (8 vowels, 24 consonants; ULY writes five of them as
digraphs: ch, zh, sh, gh, ng). Sources compared: the ULY alphabet table (Wikipedia "Uyghur Latin
alphabet"), the Library of Congress Uighur romanisation table and the converter tables of
neouyghur/Uyghur-Multi-Script-Converter; they agree letter for letter (the LC table writes x as kh,
e as ă, é as e and w as v, which :func:`fold_latin` absorbs).

The hamza carrier ئ (U+0626) is not a sound of its own: before a word-initial vowel it is not written in
ULY (ئۇيغۇر → uyghur) and between two vowels ULY writes an apostrophe (سائەت → sa'et). Apostrophes do
not take part in matching, so ئ maps to nothing.

Letters of other Arabic-script keyboards that people use to type Uyghur are mapped to what they stand
for: Persian keheh ک → k, Arabic heh ه → e (older Uyghur typography and Arabic keyboards write the vowel
ە with it), Persian yeh ی → y inside a word and i at its end (where its glyph is the dotless ى).
"""

import re
import unicodedata

# UEY letter -> ULY, in the order of the Uyghur alphabet.
UEY_TO_ULY: dict[str, str] = {
    "\u0627": "a",  # ا
    "\u06d5": "e",  # ە
    "\u0628": "b",  # ب
    "\u067e": "p",  # پ
    "\u062a": "t",  # ت
    "\u062c": "j",  # ج
    "\u0686": "ch",  # چ
    "\u062e": "x",  # خ
    "\u062f": "d",  # د
    "\u0631": "r",  # ر
    "\u0632": "z",  # ز
    "\u0698": "zh",  # ژ
    "\u0633": "s",  # س
    "\u0634": "sh",  # ش
    "\u063a": "gh",  # غ
    "\u0641": "f",  # ف
    "\u0642": "q",  # ق
    "\u0643": "k",  # ك
    "\u06af": "g",  # گ
    "\u06ad": "ng",  # ڭ
    "\u0644": "l",  # ل
    "\u0645": "m",  # م
    "\u0646": "n",  # ن
    "\u06be": "h",  # ھ
    "\u0648": "o",  # و
    "\u06c7": "u",  # ۇ
    "\u06c6": "ö",  # ۆ
    "\u06c8": "ü",  # ۈ
    "\u06cb": "w",  # ۋ
    "\u06d0": "é",  # ې
    "\u0649": "i",  # ى
    "\u064a": "y",  # ي
    "\u0626": "",  # ئ hamza carrier: silent before an initial vowel, an apostrophe between vowels
}

# Look-alikes from Arabic and Persian keyboards.
_LOOKALIKES: dict[str, str] = {
    "\u06a9": "k",  # ک keheh
    "\u0647": "e",  # ه heh, written for ە
    "\u0621": "",  # ء bare hamza
    "\u0654": "",  # combining hamza above
}
_PERSIAN_YEH = "\u06cc"
_ARABIC_LETTER = re.compile(r"[\u0600-\u06ff\u0750-\u077f]")
# Tatweel (kashida) stretches a word; harakat are not written in Uyghur but may be pasted from Arabic.
_IGNORED = re.compile(r"[\u0640\u064b-\u0652\u0670]")

# Turkish-based Latin (used by the Uyghur diaspora in Turkey) and English-style spellings of ULY letters,
# in the order they are applied.
_SPELLINGS = (
    # Library romanisations (Library of Congress ă, Staatsbibliothek ä) write ە as a vowel of their own.
    ("ă", "e"),
    ("ä", "e"),
    ("ş", "sh"),
    ("ç", "ch"),
    ("ğ", "gh"),
    ("ñ", "ng"),
    ("kh", "h"),
    ("x", "h"),
    ("gh", "g"),
    ("q", "k"),
    ("v", "w"),
)
_DOUBLED = re.compile(r"([a-z])\1+")


def has_arabic_script(text: str) -> bool:
    return _ARABIC_LETTER.search(text) is not None


def uey_to_uly(word: str) -> str:
    """One word in UEY as ULY (lower case); characters outside the table are dropped."""
    word = _IGNORED.sub("", word)
    letters: list[str] = []
    for position, char in enumerate(word):
        if char == _PERSIAN_YEH:
            letters.append("i" if position == len(word) - 1 else "y")
        elif char in UEY_TO_ULY:
            letters.append(UEY_TO_ULY[char])
        else:
            letters.append(_LOOKALIKES.get(char, ""))
    return "".join(letters)


def fold_latin(word: str) -> str:
    """A Latin-script Uyghur word reduced to the letters every common spelling of it shares.

    Names of Uyghurs appear in ULY, in Turkish-based spellings and in English-style spellings (passports,
    news, NGO reports): Ilham Toxti / Tohti, Qurban / Kurban, Ghulja / Gulja, Abduweli / Abduveli,
    Muhemmet / Muhemet. So: the ULY letters lose their diacritics (ö → o, ü → u, é/ë → e); Turkish ş, ç,
    ğ, ñ become the ULY digraphs; x (خ) and its English ``kh`` become h, q becomes k, gh becomes g, v
    becomes w (ULY has no v); doubled letters count once. This merges some distinct words, acceptable
    for a key that only ever suggests a link."""
    word = word.casefold()
    for source, target in _SPELLINGS:
        word = word.replace(source, target)
    decomposed = unicodedata.normalize("NFD", word)
    return _DOUBLED.sub(r"\1", "".join(char for char in decomposed if "a" <= char <= "z"))

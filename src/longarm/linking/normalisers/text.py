"""Text clean-up shared by every normaliser, and the pieces the strong-identifier normalisers use to take
an identifier out of the sentence a reporter wrote it in."""

import re
import unicodedata

# Spaces and every dash a keyboard, an IME or a phone's autocorrect produces (hyphen, en/em dash, minus,
# the katakana prolonged sound mark that Japanese IMEs put in for "-").
SPACES = re.compile(r"\s+")
DASHES = re.compile(r"[\-\u2010-\u2015\u2212\u30fc\ufe58\ufe63]")
SPACES_AND_DASHES = re.compile(r"[\s\-\u2010-\u2015\u2212\u30fc\ufe58\ufe63]+")
# Middle dots separate the parts of plates and of transliterated names (U+00B7, U+2022, U+2027, U+30FB,
# U+FF65 after NFKC is U+30FB).
MIDDLE_DOTS = re.compile(r"[\u00b7\u2022\u2027\u2219\u30fb\u318d]")
# Labels people type in front of an ID: "No.", "ID:", "#", "号码：" and the colon itself.
COLON = re.compile(r"[:：]")
# Quotes, brackets and sentence punctuation around an identifier ("“…”", "（…）", "【…】", a final "。").
# NFKC has already made the full-width ones ASCII; these are the ones it leaves alone.
WRAPPING = "\"'`“”‘’„‟«»‹›「」『』【】〔〕〖〗〈〉《》()[]{}<>.,;:!?。、，；：！？…"
# Chinese numerals as identifiers are read out, digit by digit (一三九 = 139, never "one hundred …"), plus
# the spoken forms used for digits in phone numbers: 幺 for 1, 两 for 2, 拐 for 7, 洞 for 0.
_SPOKEN_DIGITS = {"幺": "1", "两": "2", "兩": "2", "拐": "7", "洞": "0"}
_CHINESE_DIGIT = "〇零一二三四五六七八九壹贰貳叁參肆伍陆陸柒捌玖" + "".join(_SPOKEN_DIGITS)
_CHINESE_DIGIT_RUN = re.compile(rf"[{_CHINESE_DIGIT}]{{3,}}")


def without_invisibles(value: str) -> str:
    """Without format characters (Unicode category Cf): zero-width space and joiners, the directional marks
    LRM/RLM/ALM and embeddings/isolates that Uyghur and Arabic-script text carries around Latin runs and
    digits, word joiner, soft hyphen, byte-order mark. Copy-paste brings them along unseen."""
    return "".join(char for char in value if unicodedata.category(char) != "Cf")


def nfkc(value: str) -> str:
    """NFKC, without invisible characters: full-width digits, letters and punctuation become ASCII,
    compatibility forms (Arabic presentation forms, circled digits, half-width katakana) become their
    ordinary characters."""
    return unicodedata.normalize("NFKC", without_invisibles(value))


def fold(value: str) -> str:
    """NFKC, case-folded, without surrounding spaces: the base of every normal form."""
    return nfkc(value).casefold().strip()


def without_spaces_and_dashes(value: str) -> str:
    return SPACES_AND_DASHES.sub("", value)


def unwrapped(value: str) -> str:
    """Without the quotes, brackets and punctuation around it (not inside it)."""
    return value.strip().strip(WRAPPING).strip()


def arabic_digits(value: str) -> str:
    """Runs of three or more Chinese numerals as ASCII digits, digit by digit (``〇八六七二一`` →
    ``086721``), by their Unicode numeric value; shorter runs (dates such as 五月二日, names) stay."""

    def convert(match: re.Match[str]) -> str:
        return "".join(
            _SPOKEN_DIGITS.get(char) or str(int(unicodedata.numeric(char))) for char in match.group(0)
        )

    return _CHINESE_DIGIT_RUN.sub(convert, value)


# Dates and times that sit next to an identifier in a sentence ("2023年5月12日 21:30 139 …",
# "On 12/05/2023 at 9:30pm …", Uyghur "2023-يىلى 11-ئاينىڭ"): removed before digits are looked for.
_DATES_AND_TIMES = re.compile(
    r"(?<!\d)\d{2,4}\s*年(?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号號])?)?"
    r"|(?<!\d)\d{1,2}\s*月\s*\d{1,2}\s*[日号號]"
    r"|(?<!\d)\d{1,2}\s*[:：]\s*\d{2}(?!\d)(?:\s*[:：]\s*\d{2})?(?:\s*[ap]\.?\s?m\b\.?)?"
    r"|(?<!\d)\d{1,2}\s*[ap]\.?\s?m\b\.?"
    r"|(?<!\d)\d{1,2}\s*[点點]\s*(?:\d{1,2}\s*分)?"
    r"|(?<![\d.])\d{1,4}\s*[/.]\s*\d{1,2}\s*[/.]\s*\d{1,4}(?![\d.])"
    r"|(?<!\d)(?:19|20)\d{2}-\d{1,2}-\d{1,2}(?![\d-])"
    # Uyghur dates: the number joined by a hyphen to its Arabic-script suffix (2023-يىلى, 11-ئاينىڭ).
    r"|\d+-(?=[\u0600-\u06ff])",
    re.IGNORECASE,
)


def without_dates_and_times(value: str) -> str:
    """The text with dates and clock times blanked out, so their digits are not taken for a number."""
    return _DATES_AND_TIMES.sub(" ", value)

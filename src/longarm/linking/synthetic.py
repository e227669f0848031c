"""Labelled synthetic identifiers for tests and ``benchmarks/linking.py``.

:func:`generate` makes, per identifier type, a number of distinct *entities* (one phone number, one
officer's badge, one person's name …). Each entity is written in the variants its normaliser claims to
cover (``+86 138 …``, ``0086-138-…``, full-width digits, the number without country code typed in Japan
…), all labelled with the entity. Each entity also gets *near-misses*: one digit off, another surname,
another plate province, another county … Every near-miss is an entity of its own, so any link between it
and the original is a false link.

Deterministic for a seed: the same seed gives the same samples in the same order (``random.Random`` with
the seed, no global state, no hashing of strings).
"""

import random
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import opencc
import phonenumbers
from pypinyin import Style, lazy_pinyin, pinyin

from longarm.linking.normalisers.uyghur import UEY_TO_ULY, fold_latin

# The identifier types measured; the benchmark reports one set of figures for each.
FAMILIES = ("phone", "wechat", "qq", "line", "email", "badge", "plate", "name", "organisation")


@dataclass(frozen=True)
class Sample:
    family: str  # the identifier type measured (a QQ Mail address is measured with the QQ numbers)
    kind: str  # the IdentifierKind it is stored as
    value: str
    region: str | None  # the reporter's host country, for phone numbers
    entity: str  # samples of the same entity must link; of different entities must not
    variant: str  # which spelling this is, e.g. "e164-spaces" or "near-miss:digit"


def _full_width(text: str) -> str:
    return "".join(
        chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else "\u3000" if char == " " else char for char in text
    )


def _random_case(rng: random.Random, text: str) -> str:
    return "".join(char.upper() if rng.random() < 0.5 else char.lower() for char in text)


class _Unique:
    """Canonical forms already used, so that two entities never are the same thing by accident."""

    def __init__(self) -> None:
        self.seen: set[object] = set()

    def claim(self, canonical: object) -> bool:
        if canonical in self.seen:
            return False
        self.seen.add(canonical)
        return True


def _draw[T](rng: random.Random, unique: _Unique, make: Callable[[random.Random], T | None]) -> T:
    for _ in range(1000):
        candidate = make(rng)
        if candidate is not None and unique.claim(candidate):
            return candidate
    raise RuntimeError("the generator ran out of distinct values")  # pragma: no cover - tiny tables only


# --- phone numbers ---------------------------------------------------------------------------------

# Mobile prefixes allocated by MIIT to China Mobile, Unicom and Telecom.
_CN_MOBILE_PREFIXES = (
    *(f"13{digit}" for digit in "012356789"),
    *(f"15{digit}" for digit in "0123456789" if digit != "4"),
    *("166", "176", "177", "180", "181", "185", "186", "187", "188", "189", "198", "199"),
)


def _valid(region: str, national: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(national, region))
    except phonenumbers.NumberParseException:  # pragma: no cover - digits only
        return False


def _phone_number(rng: random.Random) -> tuple[str, str] | None:
    """(region, national significant number) of a valid CN, JP or GB mobile."""
    roll = rng.random()
    if roll < 0.7:
        region, national = "CN", rng.choice(_CN_MOBILE_PREFIXES) + "".join(rng.choices("0123456789", k=8))
    elif roll < 0.85:
        region, national = "JP", rng.choice(("90", "80", "70")) + "".join(rng.choices("0123456789", k=8))
    else:
        region, national = "GB", "7" + rng.choice("45789") + "".join(rng.choices("0123456789", k=8))
    return (region, national) if _valid(region, national) else None


def _cn_phone_variants(national: str) -> list[tuple[str, str | None, str]]:
    a, b, c = national[:3], national[3:7], national[7:]
    return [
        (f"+86 {a} {b} {c}", None, "e164-spaces"),
        (f"+86-{a}-{b}-{c}", "GB", "e164-dashes"),
        (f"+86{national}", None, "e164-compact"),
        (f"0086 {a} {b} {c}", "JP", "00-prefix"),
        (f"(+86) {a}-{b}-{c}", None, "parentheses"),
        (_full_width(f"+86 {a} {b} {c}"), None, "full-width"),
        (f"+86 ({a}) {b}.{c}", "DE", "dots-and-parentheses"),
        (f"{a} {b} {c}", "JP", "national-typed-in-JP"),
        (f"{national}", "GB", "national-typed-in-GB"),
        (f"{a}-{b}-{c}", None, "national-no-region"),
        (f"{a} {b} {c}", "US", "national-typed-in-US"),
        (f"010 86 {a} {b} {c}", "JP", "host-idd-JP"),
        (_full_width(f"{a}{b}{c}"), "JP", "national-full-width"),
        (f"86 {a} {b} {c}", "GB", "86-without-plus"),
        (f"+86 {a} {b} {c} ext. 12", None, "extension"),
        (f"手机\uff1a+86 {a}-{b}-{c}", None, "label-zh"),
    ]


def _host_phone_variants(region: str, national: str) -> list[tuple[str, str | None, str]]:
    code = phonenumbers.country_code_for_region(region)
    if region == "JP":
        local, grouped = f"0{national}", f"{national[:2]} {national[2:6]} {national[6:]}"
        local_typed = f"0{national[:2]}-{national[2:6]}-{national[6:]}"
    else:
        local, grouped = f"0{national}", f"{national[:4]} {national[4:]}"
        local_typed = f"0{national[:4]} {national[4:]}"
    return [
        (f"+{code} {grouped}", None, "e164-spaces"),
        (f"+{code}{national}", "JP", "e164-compact"),
        (f"00{code} {grouped}", None, "00-prefix"),
        (f"+{code} (0){grouped}", None, "trunk-in-parentheses"),
        (local_typed, region, "local-typed-at-home"),
        (_full_width(local), region, "local-full-width"),
    ]


def _phone_near_misses(
    rng: random.Random, unique: _Unique, region: str, national: str
) -> Iterator[tuple[str, str]]:
    code = phonenumbers.country_code_for_region(region)
    for label in ("digit", "transposition"):
        for _ in range(50):
            digits = list(national)
            position = rng.randrange(3, len(digits) - 1)
            if label == "digit":
                digits[position] = rng.choice([d for d in "0123456789" if d != digits[position]])
            else:
                digits[position], digits[position + 1] = digits[position + 1], digits[position]
            other = "".join(digits)
            if other != national and _valid(region, other) and unique.claim((region, other)):
                yield f"+{code} {other}", f"near-miss:{label}"
                break
    # The same digits under another country code are another number.
    other_region = rng.choice([r for r in ("CN", "JP", "GB", "US", "DE") if r != region])
    if unique.claim((other_region, national)):
        yield f"+{phonenumbers.country_code_for_region(other_region)} {national}", "near-miss:country"


def _phones(rng: random.Random, count: int) -> Iterator[Sample]:
    unique = _Unique()
    for index in range(count):
        region, national = _draw(rng, unique, _phone_number)
        entity = f"phone:{index}"
        variants = _cn_phone_variants(national) if region == "CN" else _host_phone_variants(region, national)
        for value, host, label in variants:
            yield Sample("phone", "phone", value, host, entity, label)
        for number, (value, label) in enumerate(_phone_near_misses(rng, unique, region, national)):
            yield Sample("phone", "phone", value, None, f"{entity}~{number}", label)


# --- WeChat, QQ, e-mail ----------------------------------------------------------------------------

_ID_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_ID_CHARS = _ID_LETTERS + "0123456789" + "_-"
_PINYIN_WORDS = ("zhang", "wang", "li", "liu", "chen", "yang", "xiao", "ming", "hong", "lei", "jun", "fang")


def _wechat_id(rng: random.Random) -> str:
    if rng.random() < 0.3:
        return "wxid_" + "".join(rng.choices(_ID_LETTERS + "0123456789", k=14))
    stem = rng.choice(_PINYIN_WORDS) + rng.choice(("", "_", "-")) + rng.choice(_PINYIN_WORDS)
    return (stem + "".join(rng.choices(_ID_CHARS, k=rng.randint(0, 6))) + str(rng.randint(1, 9999)))[:20]


def _wechats(rng: random.Random, count: int) -> Iterator[Sample]:
    unique = _Unique()
    for index in range(count):
        wechat = _draw(rng, unique, _wechat_id)
        entity = f"wechat:{index}"
        for value, label in (
            (wechat, "as-registered"),
            (wechat.upper(), "upper-case"),
            (_random_case(rng, wechat), "mixed-case"),
            (_full_width(wechat), "full-width"),
            (f"  {wechat} ", "spaces"),
            (f"微信号\uff1a{wechat}", "label-zh"),
            (f"WeChat ID: {wechat}", "label-en"),
            (f"@{wechat}", "at-sign"),
        ):
            yield Sample("wechat", "wechat", value, None, entity, label)
        for number, (other, label) in enumerate(_id_near_misses(rng, unique, wechat)):
            yield Sample("wechat", "wechat", other, None, f"{entity}~{number}", label)


def _id_near_misses(rng: random.Random, unique: _Unique, value: str) -> Iterator[tuple[str, str]]:
    position = rng.randrange(1, len(value))
    replacement = rng.choice([char for char in _ID_LETTERS + "0123456789" if char != value[position].lower()])
    candidates = [(value[:position] + replacement + value[position + 1 :], "near-miss:character")]
    candidates.append((value[:position] + value[position + 1 :], "near-miss:dropped"))
    for separator, swapped in (("_", "-"), ("-", "_")):
        if separator in value:
            candidates.append((value.replace(separator, swapped, 1), "near-miss:separator"))
            candidates.append((value.replace(separator, "", 1), "near-miss:no-separator"))
            break
    for other, label in candidates:
        if len(other) >= 6 and unique.claim(other.lower()):
            yield other, label


def _qq_number(rng: random.Random) -> str:
    return str(rng.randint(1, 9)) + "".join(rng.choices("0123456789", k=rng.randint(5, 9)))


def _qqs(rng: random.Random, count: int) -> Iterator[Sample]:
    unique = _Unique()
    for index in range(count):
        number = _draw(rng, unique, _qq_number)
        entity = f"qq:{index}"
        grouped = " ".join(number[i : i + 4] for i in range(0, len(number), 4))
        for kind, value, label in (
            ("qq", number, "digits"),
            ("qq", f"QQ: {number}", "label-en"),
            ("qq", f"QQ号\uff1a{number}", "label-zh"),
            ("qq", _full_width(number), "full-width"),
            ("qq", grouped, "grouped"),
            ("email", f"{number}@qq.com", "qq-mail"),
            ("email", f"{number}@QQ.COM", "qq-mail-upper"),
        ):
            yield Sample("qq", kind, value, None, entity, label)
        near = [
            (number[:-1] + str((int(number[-1]) + 1) % 10), "near-miss:digit"),
            (number + rng.choice("0123456789"), "near-miss:extra-digit"),
        ]
        for number_index, (other, label) in enumerate(near):
            if unique.claim(other):
                yield Sample("qq", "qq", other, None, f"{entity}~{number_index}", label)


# Romanised Japanese words and Taiwanese names people build LINE IDs from.
_LINE_WORDS = ("taro", "hanako", "yuki", "sakura", "kenji", "haruka", "ming", "yating", "chen", "lin", "wei")


def _line_id(rng: random.Random) -> str | None:
    """A LINE user ID (4-20 of a-z, 0-9, ".", "_", "-") or, one time in five, an official account's
    ``@`` + 3-18 characters."""
    stem = rng.choice(_LINE_WORDS) + rng.choice(("", ".", "_", "-")) + rng.choice(_LINE_WORDS)
    value = (stem + str(rng.randint(1, 9999)))[:20]
    if rng.random() < 0.2:
        return "@" + value[:18]
    return value if len(value) >= 4 else None


def _lines(rng: random.Random, count: int) -> Iterator[Sample]:
    unique = _Unique()
    for index in range(count):
        line_id = _draw(rng, unique, _line_id)
        entity = f"line:{index}"
        variants = [
            (line_id, "as-registered"),
            (line_id.upper(), "upper-case"),
            (_random_case(rng, line_id), "mixed-case"),
            (_full_width(line_id), "full-width"),
            (f"  {line_id} ", "spaces"),
            (f"LINE ID: {line_id}", "label-en"),
            (f"ID\uff1a{line_id}", "label-id"),
            (f"ライン ID\uff1a{line_id}", "label-ja"),
            (f"LINEのIDは{line_id}です。", "sentence-ja"),
            (f"我的LINE ID是{line_id}\uff0c請加我", "sentence-zh-hant"),
            (f"賴\uff1a{line_id}", "label-lai"),
            (f"「{line_id}」", "brackets"),
        ]
        if "-" in line_id or "." in line_id:
            # A Japanese IME in full-width mode types "ー" for "-" and "。" for ".".
            variants.append((line_id.replace("-", "ー").replace(".", "。"), "ime-punctuation"))
        variants.append((f"Add me on LINE: {line_id}.", "sentence-en"))
        if line_id.startswith("@"):
            variants.append((f"https://line.me/R/ti/p/{line_id}", "link-official"))
            variants.append((f"https://line.me/R/ti/p/%40{line_id[1:]}", "link-official-encoded"))
        else:
            variants.append((f"https://line.me/ti/p/~{line_id}", "link-user"))
            variants.append((f"~{line_id}", "tilde-from-link"))
        for value, label in variants:
            yield Sample("line", "line", value, None, entity, label)
        for number, (other, label) in enumerate(_line_near_misses(rng, unique, line_id)):
            yield Sample("line", "line", other, None, f"{entity}~{number}", label)


def _line_near_misses(rng: random.Random, unique: _Unique, value: str) -> Iterator[tuple[str, str]]:
    """One character changed or dropped, a separator swapped or dropped ("taro.1234" and "taro_1234" are
    two accounts), and the user ID against the official account of the same name."""
    start = 2 if value.startswith("@") else 1
    position = rng.randrange(start, len(value))
    replacement = rng.choice([char for char in _ID_LETTERS + "0123456789" if char != value[position].lower()])
    candidates = [
        (value[:position] + replacement + value[position + 1 :], "near-miss:character"),
        (value[:position] + value[position + 1 :], "near-miss:dropped"),
    ]
    for separator in (".", "_", "-"):
        if separator in value:
            swapped = "_" if separator != "_" else "."
            candidates.append((value.replace(separator, swapped, 1), "near-miss:separator"))
            candidates.append((value.replace(separator, "", 1), "near-miss:no-separator"))
            break
    other_kind = value[1:] if value.startswith("@") else "@" + value[:18]
    candidates.append((other_kind, "near-miss:official-or-user"))
    for other, label in candidates:
        body = other.removeprefix("@")
        if len(body) >= (3 if other.startswith("@") else 4) and unique.claim(other.lower()):
            yield other, label


_EMAIL_DOMAINS = ("163.com", "126.com", "qq.com", "gmail.com", "outlook.com", "sina.com", "yahoo.co.jp")


def _email(rng: random.Random) -> tuple[str, str]:
    local = rng.choice(_PINYIN_WORDS) + "." + rng.choice(_PINYIN_WORDS) + str(rng.randint(1, 999))
    return local, rng.choice(_EMAIL_DOMAINS)


def _emails(rng: random.Random, count: int) -> Iterator[Sample]:
    unique = _Unique()
    for index in range(count):
        local, domain = _draw(rng, unique, _email)
        entity = f"email:{index}"
        address = f"{local}@{domain}"
        variants = [
            (address, "as-given"),
            (address.upper(), "upper-case"),
            (f"{local.title()}@{domain.upper()}", "mixed-case"),
            (_full_width(address), "full-width"),
            (f"mailto:{address}", "mailto"),
            (f"<{address}> ", "angle-brackets"),
            (f"{local}@{domain.replace('.', '\u3002')}", "ideographic-full-stop"),
        ]
        if domain == "gmail.com":
            variants += [
                (f"{local.replace('.', '')}@gmail.com", "gmail-without-dots"),
                (f"{local}+police@gmail.com", "gmail-plus-tag"),
                (f"{local}@googlemail.com", "googlemail"),
            ]
        for value, label in variants:
            yield Sample("email", "email", value, None, entity, label)
        other_domain = rng.choice([d for d in _EMAIL_DOMAINS if d != domain])
        near = [(f"{local}@{other_domain}", "near-miss:domain")]
        changed = local[:-1] + str((int(local[-1]) + 1) % 10)
        near.append((f"{changed}@{domain}", "near-miss:character"))
        if domain != "gmail.com":
            near.append((f"{local.replace('.', '')}@{domain}", "near-miss:dots-outside-gmail"))
        for number, (other, label) in enumerate(near):
            other_local, _, other_domain_name = other.partition("@")
            if unique.claim((other_local, other_domain_name)):
                yield Sample("email", "email", other, None, f"{entity}~{number}", label)


# --- badges and plates -----------------------------------------------------------------------------


def _badge(rng: random.Random) -> str:
    return "".join(rng.choices("0123456789", k=6))


def _badges(rng: random.Random, count: int) -> Iterator[Sample]:
    unique = _Unique()
    for index in range(count):
        badge = _draw(rng, unique, _badge)
        entity = f"badge:{index}"
        for value, label in (
            (badge, "digits"),
            (f"警号\uff1a{badge}", "label-zh"),
            (f"警號 {badge}", "label-zh-traditional"),
            (f"警员编号{badge}", "label-zh-long"),
            (f"No. {badge}", "label-no"),
            (f"#{badge}", "hash"),
            (_full_width(badge), "full-width"),
            (f"{badge[:3]} {badge[3:]}", "grouped"),
            (f"{badge[:3]}-{badge[3:]}", "dashed"),
            (f"ID: {badge}", "label-id"),
        ):
            yield Sample("badge", "badge", value, None, entity, label)
        position = rng.randrange(len(badge))
        near = [
            (
                badge[:position] + str((int(badge[position]) + 1) % 10) + badge[position + 1 :],
                "near-miss:digit",
            ),
            (badge[:2] + badge[3] + badge[2] + badge[4:], "near-miss:transposition"),
            (badge[1:] if badge.startswith("0") else badge + "0", "near-miss:length"),
        ]
        for number, (other, label) in enumerate(near):
            if other != badge and unique.claim(other):
                yield Sample("badge", "badge", other, None, f"{entity}~{number}", label)


_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # I and O are not used on plates


def _plate(rng: random.Random) -> tuple[str, str, str]:
    province, authority = rng.choice(_PROVINCES), rng.choice(_PLATE_LETTERS[:16])
    if rng.random() < 0.15:
        serial = rng.choice("DF") + "".join(rng.choices("0123456789", k=5))
    else:
        serial = "".join(rng.choices("0123456789", k=5 - (letters := rng.randint(0, 2))))
        for _ in range(letters):
            position = rng.randrange(len(serial) + 1)
            serial = serial[:position] + rng.choice(_PLATE_LETTERS) + serial[position:]
    return province, authority, serial


def _to_traditional() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def _plates(rng: random.Random, count: int) -> Iterator[Sample]:
    unique = _Unique()
    traditional = _to_traditional()
    for index in range(count):
        province, authority, serial = _draw(rng, unique, _plate)
        entity = f"plate:{index}"
        plate = f"{province}{authority}{serial}"
        variants = [
            (plate, "compact"),
            (f"{province}{authority}·{serial}", "middle-dot"),
            (f"{province}{authority} {serial}", "space"),
            (f"{province} {authority.lower()} {serial.lower()}", "lower-case"),
            (f"{province}{authority}-{serial}", "dash"),
            (f"{province}{_full_width(authority + serial)}", "full-width"),
            (f"{traditional.convert(province)}{authority}{serial}", "traditional-province"),
            (f"车牌\uff1a{province}{authority}・{serial}", "label-and-katakana-dot"),
        ]
        if "0" in serial or "1" in serial:
            misread = serial.replace("0", "O", 1) if "0" in serial else serial.replace("1", "I", 1)
            variants.append((f"{province}{authority}{misread}", "serial-letter-for-digit"))
        for value, label in variants:
            yield Sample("plate", "plate", value, None, entity, label)
        other_province = rng.choice([p for p in _PROVINCES if p != province])
        other_letter = rng.choice([letter for letter in _PLATE_LETTERS if letter != authority])
        position = rng.randrange(len(serial))
        changed = serial[:position] + ("8" if serial[position] != "8" else "3") + serial[position + 1 :]
        near = [
            ((other_province, authority, serial), "near-miss:province"),
            ((province, other_letter, serial), "near-miss:authority"),
            ((province, authority, changed), "near-miss:serial"),
        ]
        for number, (parts, label) in enumerate(near):
            if unique.claim(parts):
                yield Sample("plate", "plate", "".join(parts), None, f"{entity}~{number}", label)


# --- person names ----------------------------------------------------------------------------------

_SURNAMES = "张王李刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐韩冯邓曹彭曾萧田董潘袁蔡蒋杜叶程魏苏吕丁沈单"
_COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官")
_SURNAME_PINYIN = {
    "曾": "zeng",
    "单": "shan",
    "欧阳": "ouyang",
    "司马": "sima",
    "诸葛": "zhuge",
    "上官": "shangguan",
}
_GIVEN = "晓丽军敏静芳勇杰涛斌磊鹏辉霞燕玲桂秀兰峰建国志文海云龙飞春梅雪婷慧"
_GIVEN += "宇凯博欣怡琳颖佳豪轩睿瑞雨嘉子梓晨阳泽铭天一诚安"


def _single_reading(char: str) -> bool:
    return len(pinyin(char, style=Style.NORMAL, heteronym=True)[0]) == 1


def _surname_pinyin(surname: str) -> str:
    return _SURNAME_PINYIN.get(surname) or "".join(lazy_pinyin(surname, style=Style.NORMAL))


def _given_chars() -> str:
    surname_readings = {_surname_pinyin(surname) for surname in _SURNAMES}
    return "".join(
        char
        for char in _GIVEN
        if _single_reading(char) and lazy_pinyin(char, style=Style.NORMAL)[0] not in surname_readings
    )


def _chinese_name(rng: random.Random, given_chars: str) -> tuple[str, str] | None:
    surname = rng.choice(_COMPOUND_SURNAMES) if rng.random() < 0.05 else rng.choice(_SURNAMES)
    given = "".join(rng.choices(given_chars, k=rng.choice((1, 2, 2))))
    return surname, given


def _toned(text: str) -> str:
    return "".join(lazy_pinyin(text, style=Style.TONE))


def _chinese_name_variants(surname: str, given: str, traditional: opencc.OpenCC) -> list[tuple[str, str]]:
    family = _surname_pinyin(surname)
    syllables = lazy_pinyin(given, style=Style.NORMAL)
    given_latin = "".join(syllables)
    family_title, given_title = family.replace("v", "ü").title(), given_latin.title()
    variants = [
        (surname + given, "simplified"),
        (traditional.convert(surname + given), "traditional"),
        (f"{surname} {given}", "characters-spaced"),
        (f"{family_title} {given_title}", "pinyin-surname-first"),
        (f"{given_title} {family_title}", "pinyin-given-first"),
        (f"{family_title.upper()} {given_title}", "pinyin-upper-surname"),
        (f"{given_title} {family_title.upper()}", "pinyin-given-first-upper-surname"),
        (f"{family} {given_latin}", "pinyin-lower"),
        (f"{family_title}{given_title}", "pinyin-run-together"),
        (f"{family_title} {_toned(given).title()}", "pinyin-tone-marks"),
    ]
    if len(syllables) == 2:
        hyphenated = "-".join(syllable.title() for syllable in syllables).replace("V", "Ü").replace("v", "ü")
        variants.append((f"{family_title} {hyphenated}", "pinyin-given-hyphenated"))
        variants.append((f"{hyphenated} {family_title}", "pinyin-given-hyphenated-first"))
    if "v" in family:
        variants.append((f"{family.replace('v', 'yu').title()} {given_title}", "passport-yu"))
        variants.append((f"{family.replace('v', 'u').title()} {given_title}", "plain-u"))
    return [(value.replace("v", "ü") if "pinyin" in label else value, label) for value, label in variants]


_UYGHUR_NAMES = (
    "ilham",
    "abduweli",
    "muhemmet",
    "tursun",
    "erkin",
    "ömer",
    "gülnar",
    "meryem",
    "aygül",
    "exmet",
    "qurban",
    "osman",
    "yüsüp",
    "perhat",
    "adil",
    "rehime",
    "shöhret",
    "gheyret",
    "imin",
    "salamet",
    "jewlan",
    "nurbiye",
    "dilnur",
    "memet",
    "abliz",
    "rahile",
    "zulpiye",
    "mutellip",
    "ekber",
    "toxti",
)
_ULY_TO_UEY = {latin: arabic for arabic, latin in UEY_TO_ULY.items() if latin}
_ULY_VOWELS = frozenset("aeéiouöü")


def _uly_to_uey(word: str) -> str:
    """ULY to Arabic script: digraphs first, hamza carrier before a word-initial vowel and between vowels."""
    letters: list[str] = []
    index = 0
    previous_vowel = True  # a vowel at the start of a word takes the hamza carrier, as after a vowel
    while index < len(word):
        pair = word[index : index + 2]
        latin = pair if pair in _ULY_TO_UEY and len(pair) == 2 else word[index]
        vowel = latin in _ULY_VOWELS
        if vowel and previous_vowel:
            letters.append("\u0626")
        letters.append(_ULY_TO_UEY[latin])
        previous_vowel = vowel
        index += len(latin)
    return "".join(letters)


def _english_style(word: str) -> str:
    for uly, english in (("x", "kh"), ("q", "k"), ("ö", "o"), ("ü", "u"), ("é", "e")):
        word = word.replace(uly, english)
    return word


def _turkish_style(word: str) -> str:
    for uly, turkish in (("sh", "ş"), ("ch", "ç"), ("gh", "ğ"), ("w", "v"), ("x", "h")):
        word = word.replace(uly, turkish)
    return word


def _uyghur_name(rng: random.Random) -> tuple[str, str] | None:
    given, father = rng.sample(_UYGHUR_NAMES, 2)
    return given, father


def _uyghur_name_variants(given: str, father: str) -> list[tuple[str, str]]:
    return [
        (f"{_uly_to_uey(given)} {_uly_to_uey(father)}", "arabic-script"),
        (f"{given.title()} {father.title()}", "uly"),
        (f"{father.title()} {given.title()}", "uly-father-first"),
        (f"{given.upper()} {father.upper()}", "uly-upper"),
        (f"{_english_style(given).title()} {_english_style(father).title()}", "english-style"),
        (f"{_turkish_style(given).title()} {_turkish_style(father).title()}", "turkish-style"),
        (f"{_uly_to_uey(father)} {_uly_to_uey(given)}", "arabic-script-father-first"),
    ]


def _names(rng: random.Random, count: int) -> Iterator[Sample]:
    unique = _Unique()
    traditional = _to_traditional()
    given_chars = _given_chars()

    def pinyin_identity(surname: str, given: str) -> tuple[str, str]:
        return _surname_pinyin(surname), "".join(lazy_pinyin(given, style=Style.NORMAL))

    def claim_chinese(surname: str, given: str) -> bool:
        family, given_latin = pinyin_identity(surname, given)
        # Either order of the same two parts is the same Latin name.
        return unique.claim(frozenset({family, given_latin}) | {family + given_latin})

    def claim_uyghur(given: str, father: str) -> bool:
        return unique.claim(frozenset({fold_latin(given), fold_latin(father)}))

    for index in range(count):
        entity = f"name:{index}"
        if rng.random() < 0.75:
            while True:
                name = _chinese_name(rng, given_chars)
                if name is not None and claim_chinese(*name):
                    break
            surname, given = name
            for value, label in _chinese_name_variants(surname, given, traditional):
                yield Sample("name", "name", value, None, entity, label)
            other_surname = rng.choice(
                [s for s in _SURNAMES if _surname_pinyin(s) != _surname_pinyin(surname)]
            )
            position = rng.randrange(len(given))
            other_given = given[:position] + rng.choice(given_chars) + given[position + 1 :]
            near = [
                ((other_surname, given), "near-miss:surname"),
                ((surname, other_given), "near-miss:given"),
            ]
            for number, ((near_surname, near_given), label) in enumerate(near):
                if claim_chinese(near_surname, near_given):
                    yield Sample("name", "name", near_surname + near_given, None, f"{entity}~{number}", label)
                    family, given_latin = pinyin_identity(near_surname, near_given)
                    latin = f"{family.title()} {given_latin.title()}"
                    yield Sample("name", "name", latin, None, f"{entity}~{number}", label + "-latin")
        else:
            while True:
                uyghur = _uyghur_name(rng)
                if uyghur is not None and claim_uyghur(*uyghur):
                    break
            given, father = uyghur
            for value, label in _uyghur_name_variants(given, father):
                yield Sample("name", "name", value, None, entity, "uyghur-" + label)
            other = rng.choice([name for name in _UYGHUR_NAMES if name not in {given, father}])
            near = [((given, other), "near-miss:father"), ((other, father), "near-miss:given")]
            for number, ((near_given, near_father), label) in enumerate(near):
                if claim_uyghur(near_given, near_father):
                    value = f"{_uly_to_uey(near_given)} {_uly_to_uey(near_father)}"
                    yield Sample("name", "name", value, None, f"{entity}~{number}", "uyghur-" + label)


# --- organisations ---------------------------------------------------------------------------------

# (Chinese place, its pinyin as English texts write it, its Uyghur name in ULY for places in Xinjiang).
_PLACES = (
    ("疏附", "Shufu", "Kona sheher"),
    ("疏勒", "Shule", "Yéngisheher"),
    ("伽师", "Jiashi", "Peyziwat"),
    ("莎车", "Shache", "Yeken"),
    ("叶城", "Yecheng", "Qaghiliq"),
    ("墨玉", "Moyu", "Qaraqash"),
    ("洛浦", "Luopu", "Lop"),
    ("策勒", "Cele", "Chira"),
    ("于田", "Yutian", "Keriye"),
    ("民丰", "Minfeng", "Niye"),
    ("皮山", "Pishan", "Guma"),
    ("岳普湖", "Yuepuhu", "Yopurgha"),
    ("英吉沙", "Yingjisha", "Yéngisar"),
    ("麦盖提", "Maigaiti", "Mekit"),
    ("巴楚", "Bachu", "Maralbéshi"),
    ("阿瓦提", "Awati", "Awat"),
    ("柯坪", "Keping", "Kelpin"),
    ("温宿", "Wensu", "Onsu"),
    ("沙雅", "Shaya", "Shayar"),
    ("拜城", "Baicheng", "Bay"),
    ("福清", "Fuqing", ""),
    ("长乐", "Changle", ""),
    ("温州", "Wenzhou", ""),
    ("青田", "Qingtian", ""),
    ("莆田", "Putian", ""),
)
# (Chinese, English, Uyghur in ULY)
_LEVELS = (("县", "County", "nahiyisi"), ("市", "City", "shehiri"), ("区", "District", "rayoni"))
# (agency code, Chinese full, Chinese abbreviated, English full, English abbreviated, Uyghur in ULY or "")
_AGENCIES = (
    ("psb", "公安局", "公安局", "Public Security Bureau", "PSB", "jamaet xewpsizlik idarisi"),
    ("guobao", "公安局国内安全保卫大队", "国保", "PSB Domestic Security Protection Brigade", "Guobao", ""),
    (
        "state-security",
        "国家安全局",
        "国安局",
        "State Security Bureau",
        "State Security",
        "dölet bixeterlik idarisi",
    ),
    ("united-front", "委统一战线工作部", "统战部", "United Front Work Department", "UFWD", ""),
    (
        "religious-affairs",
        "民族宗教事务局",
        "民宗局",
        "Ethnic and Religious Affairs Bureau",
        "Religious Affairs",
        "",
    ),
    ("police-station", "公安局城关派出所", "派出所", "Police Station", "Police Station", "saqchixana"),
)


def _organisation(rng: random.Random) -> tuple[int, int]:
    return rng.randrange(len(_PLACES)), rng.randrange(len(_AGENCIES))


def _organisation_variants(
    place: int, level: int, agency: int, traditional: opencc.OpenCC
) -> list[tuple[str, str]]:
    place_zh, place_en, place_ug = _PLACES[place]
    level_zh, level_en, level_ug = _LEVELS[level]
    _, full_zh, short_zh, full_en, short_en, agency_ug = _AGENCIES[agency]
    uyghur: list[tuple[str, str]] = []
    if place_ug:
        uyghur.append((f"{place_ug} {level_en} {short_en}", "uyghur-place-in-english"))
        if agency_ug:
            uly = f"{place_ug} {level_ug} {agency_ug}"
            uyghur.append((uly.title(), "uyghur-latin"))
            uyghur.append(
                (" ".join(_uly_to_uey(word) for word in uly.lower().split()), "uyghur-arabic-script")
            )
    return [
        (f"{place_zh}{level_zh}{full_zh}", "chinese-full"),
        (traditional.convert(f"{place_zh}{level_zh}{full_zh}"), "chinese-traditional"),
        (f"{place_zh}{level_zh}{short_zh}", "chinese-abbreviated"),
        (f"{place_en} {level_en} {full_en}", "english-full"),
        (f"{place_en} {level_en} {short_en}", "english-abbreviated"),
        (f"{full_en} of {place_en} {level_en}", "english-of"),
        (f"{place_en.lower()} {level_en.lower()} {short_en.lower()}", "english-lower"),
        (f"{place_en} {short_en}", "english-without-level"),
        *uyghur,
    ]


def _organisations(rng: random.Random, count: int) -> Iterator[Sample]:
    unique = _Unique()
    traditional = _to_traditional()
    # Entities differ in place or agency, never only in level: "Shufu PSB" names either level, so two
    # bureaus of one place at two levels would be linked by design.
    count = min(count, len(_PLACES) * len(_AGENCIES) // 2)
    for index in range(count):
        place, agency = _draw(rng, unique, _organisation)
        level = rng.randrange(len(_LEVELS))
        entity = f"organisation:{index}"
        for value, label in _organisation_variants(place, level, agency, traditional):
            yield Sample("organisation", "organisation", value, None, entity, label)
        other_place = rng.choice([p for p in range(len(_PLACES)) if p != place])
        other_agency = rng.choice([a for a in range(len(_AGENCIES)) if a != agency])
        near = [((other_place, agency), "near-miss:place"), ((place, other_agency), "near-miss:agency")]
        for number, (parts, label) in enumerate(near):
            if unique.claim(parts):
                variants = _organisation_variants(parts[0], level, parts[1], traditional)
                value, _ = variants[number % 2 * 3]  # Chinese for one near-miss, English for the other
                yield Sample("organisation", "organisation", value, None, f"{entity}~{number}", label)


_GENERATORS: dict[str, Callable[[random.Random, int], Iterator[Sample]]] = {
    "phone": _phones,
    "wechat": _wechats,
    "qq": _qqs,
    "line": _lines,
    "email": _emails,
    "badge": _badges,
    "plate": _plates,
    "name": _names,
    "organisation": _organisations,
}


def generate(seed: int, *, entities: int = 100, families: tuple[str, ...] = FAMILIES) -> list[Sample]:
    """Samples for ``entities`` entities of each family (fewer for organisations, whose table is small),
    each in all its covered variants, plus their near-misses. Deterministic for ``seed``."""
    samples: list[Sample] = []
    for family in families:
        # A separate stream per family, so that adding a family does not change the others' samples.
        rng = random.Random(f"{seed}:{family}")  # noqa: S311 - synthetic test data, not secrets
        samples.extend(_GENERATORS[family](rng, entities))
    return [
        Sample(s.family, s.kind, unicodedata.normalize("NFC", s.value), s.region, s.entity, s.variant)
        for s in samples
    ]

"""Online accounts: WeChat IDs, QQ numbers and e-mail addresses.

Each normal form follows the rule the service itself applies when it looks an account up, so that two
spellings meet only when the service would take them for the same account.

Reporters rarely type a bare ID. The account is taken out of what surrounds it: invisible and directional
characters (see :func:`~longarm.linking.normalisers.text.without_invisibles`), quotes and brackets, a final
``。`` or ``.``, a label and its slang (``VX``, ``V信``, ``薇信``, ``威信``, Uyghur ``ئۈندىدار``; ``扣扣``,
``企鹅号``, ``Q号``), a sentence around it (``他的微信号是…，让我加他``), a note after it (``（刘警官）``),
Chinese numerals (``QQ 二八三七…``) and obfuscated e-mail (``[at]``, ``(at)``, ``AT … DOT``, ``#`` for
``@``). Only the identifier's own characters decide; nothing fuzzy is ever added, so a one-character
near miss stays apart.
"""

import re

from longarm.linking.normalisers.phone import phone_readings
from longarm.linking.normalisers.text import (
    COLON,
    DASHES,
    SPACES,
    arabic_digits,
    fold,
    unwrapped,
    without_dates_and_times,
)

_WECHAT_LABEL = re.compile(
    r"^(?:(?:wechat\s*id|wechat|weixin)[\s:]+|wx\s*:\s*|(?:微信号|微信號|微信)\s*:?\s*)"
)
_QQ_LABEL = re.compile(r"^(?:qq号码|qq號碼|qq号|qq號|qq)\s*[:]?\s*")
_EMAIL_LABEL = re.compile(r"^(?:mailto|e-?mail|邮箱|郵箱|电邮|電郵)\s*[:]?\s*")
_DIGITS = re.compile(r"\d+")
# A character an account name is made of; a value without any ("不知道") gives no key.
_IDENTIFIER_CHARACTER = re.compile(r"[a-z0-9]")
# The fewest digits a phone number given as a WeChat ID has.
_PHONE_DIGITS = 7
# Labels anywhere in a line, with the slang used to get past keyword filters (VX, V信, 薇信, 威信 for 微信;
# 扣扣, 企鹅 "penguin", Q号 for QQ) and the Uyghur word for WeChat (ئۈندىدار, "caller"). Latin labels must
# stand alone so that an ID containing "wx" or "qq" is not cut.
_WECHAT_LABEL_IN_TEXT = re.compile(
    r"(?:微信号|微信號|微信|威信号|威信號|威信|薇信号|薇信號|薇信|v信|wei信|ئۈندىدار\s*نومۇرى|ئۈندىدار"
    r"|(?<![a-z0-9_])(?:wechat\s*id|wechat|weixin|vx|wx)(?![a-z0-9_]))"
)
_QQ_LABEL_IN_TEXT = re.compile(
    r"(?:扣扣号|扣扣號|扣扣|企鹅号|企鵝號|企鹅|企鵝|(?<![a-z0-9_])q[号號]|(?<![a-z0-9_])qq(?:号码|號碼|号|號)?(?![a-z]))"
)
# A WeChat ID: 6-20 letters, digits, "_" and "-", starting with a letter (WeChat's own rule), taken as a
# whole token so that Chinese text or punctuation around it is not part of it.
_WECHAT_ID_IN_TEXT = re.compile(r"(?<![a-z0-9_\-])[a-z_][a-z0-9_\-]{5,39}(?![a-z0-9_\-])")
_ID_MARK = re.compile(r"[0-9_\-]")
# Words of an English sentence around an account ID that are shaped like one (WeChat's, LINE's, …).
SENTENCE_WORDS_SHAPED_LIKE_IDS = frozenset(
    {
        "please",
        "account",
        "called",
        "contact",
        "contacted",
        "friend",
        "friends",
        "handle",
        "message",
        "messages",
        "number",
        "police",
        "officer",
        "request",
        "search",
        "username",
        "through",
        "another",
        "someone",
        "sent",
        "added",
        "asked",
        "threatened",
    }
)
_NOT_AN_ID = SENTENCE_WORDS_SHAPED_LIKE_IDS | {"accounts", "wechat", "weixin"}
# A QQ number: 5-11 digits, never from 0, possibly grouped by spaces or dashes.
_QQ_NUMBER_IN_TEXT = re.compile(r"(?<!\d)[1-9](?:[\s\-]?\d){4,10}(?!\d)")
# Obfuscated e-mail: "[at]", "(at)", "{at}", "（at）", "-at-", " at " and the same for dot; "#" for "@".
_OBFUSCATED_AT = re.compile(r"\s*(?:[\[({<]\s*(?:at|@|艾特)\s*[\])}>]|-at-)\s*")
_OBFUSCATED_DOT = re.compile(r"\s*(?:[\[({<]\s*(?:dot|点|點)\s*[\])}>]|-dot-)\s*")
_WORD_AT = re.compile(r"\s+at\s+")
_WORD_DOT = re.compile(r"\s+dot\s+")
_SPACED_AT = re.compile(r"\s*@\s*")
_SPACED_DOT = re.compile(r"(?<=[a-z0-9])\s+\.\s*(?=[a-z0-9])|(?<=[a-z0-9])\s*\.\s+(?=[a-z0-9])")
_HASH_AT = re.compile(r"(?<=[a-z0-9_.\-])#(?=[a-z0-9\-]+(?:\.[a-z0-9\-]+)+)")
# An address inside a sentence: the ASCII local part and domain (Chinese text around it is not part of it).
_EMAIL_IN_TEXT = re.compile(r"[a-z0-9_.+\-%']+@[a-z0-9\-]+(?:\.[a-z0-9\-]+)+")
_LONE_ADDRESS = re.compile(r"[^\s@]+@[^\s@]+")
# Providers that deliver "name+tag@" to "name@" (plus addressing) without ignoring dots: Outlook.com and
# its older domains, iCloud, Proton, Fastmail.
_PLUS_ADDRESSING_DOMAINS = frozenset(
    {
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "proton.me",
        "protonmail.com",
        "pm.me",
        "fastmail.com",
    }
)
_BRACKETED = re.compile(r"<([^<>]*@[^<>]*)>")
# Full stops an IME types in a domain: IDNA (RFC 3490 §3.1) treats the ideographic full stop and its
# half-width form as dots too (NFKC has already turned the full-width one into ".").
_IDEOGRAPHIC_STOPS = re.compile(r"[\u3002\uff61]")
_GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
# QQ Mail gives every QQ number the mailbox <number>@qq.com, so the address is the account.
_QQ_MAIL_DOMAIN = "qq.com"


def wechat_form(value: str, *, region: str | None = None) -> str:
    """A WeChat ID (微信号): 6-20 letters, digits, ``_`` and ``-``, starting with a letter (or ``_``);
    WeChat looks IDs up without regard to case (不区分大小写), so the form is case-folded. Hyphens and
    underscores are part of the ID (``ab-cd`` and ``abcd`` are two accounts) and are kept; every dash
    variant becomes ``-``. Spaces, full-width characters, a leading ``@``, labels such as ``微信号：`` and
    their slang, and the sentence around the ID are dropped. A phone number given as the WeChat ID
    (``微信同号 139…``: WeChat finds accounts by phone number) becomes its strong E.164 form."""
    return wechat_forms(value, region=region)[0]


def wechat_forms(value: str, *, region: str | None = None) -> tuple[str, str | None]:
    """(WeChat form, E.164 phone number or None): the second is set when the ID is a phone number."""
    text = COLON.sub(":", fold(value))
    label = _WECHAT_LABEL_IN_TEXT.search(text)
    rest = text[label.end() :] if label else text
    found = _wechat_id_in(rest)
    # Only text with the digits of a phone number can be one (parsing phone numbers is the costly part).
    enough_digits = sum(char.isdigit() for char in rest) >= _PHONE_DIGITS
    phones = [
        form
        for form, strength in (phone_readings(rest, region=region) if enough_digits else [])
        if strength == "strong"
    ]
    phone_at = _first_digit(rest)
    if (
        phones
        and phones[0].startswith("+")
        and (found is None or (phone_at is not None and phone_at < found.start()))
    ):
        return phones[0], phones[0]
    if found is not None:
        return found.group(0), None
    text = _WECHAT_LABEL.sub("", unwrapped(text)).lstrip("@")
    if not _IDENTIFIER_CHARACTER.search(text):
        # "不知道", "他没有微信": no character a WeChat ID is made of, nothing to match on.
        return "", None
    return DASHES.sub("-", SPACES.sub("", text)), None


def _wechat_id_in(text: str) -> re.Match[str] | None:
    """The first ID-shaped token; one with a digit, "_" or "-" (as most IDs have) before a plain word, and
    never an English word of the sentence around it ("please add …")."""
    tokens = [token for token in _WECHAT_ID_IN_TEXT.finditer(text) if token.group(0) not in _NOT_AN_ID]
    for token in tokens:
        if _ID_MARK.search(token.group(0)):
            return token
    return tokens[0] if tokens else None


def _first_digit(text: str) -> int | None:
    match = re.search(r"\d", text)
    return match.start() if match else None


def qq_form(value: str) -> str:
    """A QQ number (QQ号): an integer account number, 5 to 11 digits, never starting with 0. Only the
    digits count: labels (``QQ:``, ``扣扣``, ``企鹅号``, ``Q号``), the sentence around the number, dates in
    it, spaces, dashes, full-width digits and Chinese numerals are dropped; a QQ Mail address
    ``<number>@qq.com`` is that number. A value without such a number keeps its folded text, so it still
    links with itself."""
    text = COLON.sub(":", fold(value))
    if "@" in text:
        qq_mail = email_form(text)
        local, _, domain = qq_mail.partition("@")
        if domain == _QQ_MAIL_DOMAIN and _DIGITS.fullmatch(local):
            return local
        if not any(char.isdigit() for char in text):
            # An English alias of a QQ Mail account ("abc@qq.com"): the address links with itself.
            return qq_mail
    numbers = without_dates_and_times(arabic_digits(text))
    label = _QQ_LABEL_IN_TEXT.search(numbers)
    found = _QQ_NUMBER_IN_TEXT.search(numbers[label.end() :] if label else numbers)
    if found is not None:
        return SPACES.sub("", DASHES.sub("", found.group(0)))
    text = _QQ_LABEL.sub("", unwrapped(text))
    if not any(char.isdigit() for char in text):
        # "不记得了": a QQ account is a number; without a digit there is nothing to match on.
        return ""
    return SPACES.sub("", DASHES.sub("", text))


def email_form(value: str) -> str:
    """An e-mail address, lower-cased as a whole.

    RFC 5321 makes the domain case-insensitive and leaves the local part to the provider; the providers
    reporters and their harassers use (QQ Mail, NetEase 163/126, Gmail, Outlook, Yahoo) all ignore its
    case, so it is folded too. Gmail also ignores dots in the local part and everything after a ``+``
    (and googlemail.com is gmail.com): only for those two domains are dots removed — elsewhere ``a.b``
    and ``ab`` are different mailboxes. Providers with plus addressing (Outlook.com, iCloud, Proton,
    Fastmail) deliver ``name+tag`` to ``name``, so the tag is dropped there. Full-width ``＠`` and
    ideographic full stops in the domain become ``@`` and ``.``; IDN domains become their ASCII
    (punycode) form; a display name before ``<address>``, a label, quotes, a note in brackets and the
    sentence around the address are dropped, and obfuscations (``[at]``, ``(at)``, ``-at-``, ``AT … DOT``,
    ``#`` for ``@``) are undone."""
    text = _EMAIL_LABEL.sub("", COLON.sub(":", fold(value)))
    text = _IDEOGRAPHIC_STOPS.sub(".", text)
    # "Wang Li <wang.li@163.com>": the address is what is inside the angle brackets.
    bracketed = _BRACKETED.search(text)
    if bracketed:
        text = bracketed.group(1)
    text = _address_in(text)
    local, at, domain = text.rpartition("@")
    if not at:
        # Without "@" it is no address; kept (so it links with itself) only if it has what one is made of.
        return text if _IDENTIFIER_CHARACTER.search(text) else ""
    domain = domain.strip(".")
    domain = _ascii_domain(domain)
    if domain in _GMAIL_DOMAINS:
        domain = "gmail.com"
        local = local.partition("+")[0].replace(".", "")
    elif domain in _PLUS_ADDRESSING_DOMAINS:
        local = local.partition("+")[0]
    return f"{local}@{domain}"


def _address_in(text: str) -> str:
    """The address in a line: the first address-shaped run, as typed or else after undoing the usual
    obfuscations; an internationalised address typed alone; the line without spaces if there is none."""
    found = _EMAIL_IN_TEXT.search(text)
    if found is not None:
        return found.group(0).strip(".")
    lone = unwrapped(text)
    if _LONE_ADDRESS.fullmatch(lone):
        # Not ASCII: an internationalised domain (or local part), kept whole.
        return lone
    clear = _OBFUSCATED_DOT.sub(".", _OBFUSCATED_AT.sub("@", text))
    for candidate in (
        clear,
        _SPACED_DOT.sub(".", _SPACED_AT.sub("@", clear)),
        _WORD_DOT.sub(".", _WORD_AT.sub("@", clear)),
        _HASH_AT.sub("@", clear),
    ):
        found = _EMAIL_IN_TEXT.search(candidate)
        if found is not None:
            return found.group(0).strip(".")
    return SPACES.sub("", lone)


def _ascii_domain(domain: str) -> str:
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        # Not a valid IDN label: the folded text is still a stable form that matches itself.
        return domain


def qq_number_of_email(form: str) -> str | None:
    """The QQ number behind a QQ Mail address in normal form (``12345678@qq.com`` → ``12345678``)."""
    local, _, domain = form.rpartition("@")
    if domain == _QQ_MAIL_DOMAIN and _DIGITS.fullmatch(local) and not local.startswith("0"):
        return local
    return None

"""Online accounts: WeChat IDs, QQ numbers and e-mail addresses.

Each normal form follows the rule the service itself applies when it looks an account up, so that two
spellings meet only when the service would take them for the same account.
"""

import re

from longarm.linking.normalisers.text import COLON, DASHES, SPACES, fold

_WECHAT_LABEL = re.compile(
    r"^(?:(?:wechat\s*id|wechat|weixin)[\s:]+|wx\s*:\s*|(?:微信号|微信號|微信)\s*:?\s*)"
)
_QQ_LABEL = re.compile(r"^(?:qq号码|qq號碼|qq号|qq號|qq)\s*[:]?\s*")
_EMAIL_LABEL = re.compile(r"^(?:mailto|e-?mail|邮箱|郵箱|电邮|電郵)\s*[:]?\s*")
_DIGITS = re.compile(r"\d+")
_BRACKETED = re.compile(r"<([^<>]*@[^<>]*)>")
# Full stops an IME types in a domain: IDNA (RFC 3490 §3.1) treats the ideographic full stop and its
# half-width form as dots too (NFKC has already turned the full-width one into ".").
_IDEOGRAPHIC_STOPS = re.compile(r"[\u3002\uff61]")
_GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
# QQ Mail gives every QQ number the mailbox <number>@qq.com, so the address is the account.
_QQ_MAIL_DOMAIN = "qq.com"


def wechat_form(value: str) -> str:
    """A WeChat ID (微信号): 6-20 letters, digits, ``_`` and ``-``, starting with a letter (or ``_``);
    WeChat looks IDs up without regard to case (不区分大小写), so the form is case-folded. Hyphens and
    underscores are part of the ID (``ab-cd`` and ``abcd`` are two accounts) and are kept; every dash
    variant becomes ``-``. Spaces, full-width characters, a leading ``@`` and labels such as ``微信号：``
    are dropped."""
    text = COLON.sub(":", fold(value))
    text = _WECHAT_LABEL.sub("", text).lstrip("@")
    return DASHES.sub("-", SPACES.sub("", text))


def qq_form(value: str) -> str:
    """A QQ number (QQ号): an integer account number, 5 to 11 digits, never starting with 0. Only the
    digits count: labels (``QQ:``), spaces, dashes and full-width digits are dropped. A value that is
    not a run of digits keeps its folded text, so it still links with itself."""
    text = _QQ_LABEL.sub("", COLON.sub(":", fold(value)))
    compact = SPACES.sub("", DASHES.sub("", text))
    if _DIGITS.fullmatch(compact):
        return compact
    qq_mail = email_form(compact)
    local, _, domain = qq_mail.partition("@")
    if domain == _QQ_MAIL_DOMAIN and _DIGITS.fullmatch(local):
        return local
    return compact


def email_form(value: str) -> str:
    """An e-mail address, lower-cased as a whole.

    RFC 5321 makes the domain case-insensitive and leaves the local part to the provider; the providers
    reporters and their harassers use (QQ Mail, NetEase 163/126, Gmail, Outlook, Yahoo) all ignore its
    case, so it is folded too. Gmail also ignores dots in the local part and everything after a ``+``
    (and googlemail.com is gmail.com): only for those two domains are dots and ``+tags`` removed —
    elsewhere ``a.b`` and ``ab`` are different mailboxes. Full-width ``＠`` and ideographic full stops in
    the domain become ``@`` and ``.``; IDN domains become their ASCII (punycode) form; a display name
    before ``<address>`` is dropped."""
    text = _EMAIL_LABEL.sub("", COLON.sub(":", fold(value)))
    # "Wang Li <wang.li@163.com>": the address is what is inside the angle brackets.
    bracketed = _BRACKETED.search(text)
    text = SPACES.sub("", bracketed.group(1) if bracketed else text)
    local, at, domain = text.rpartition("@")
    if not at:
        return text
    domain = _IDEOGRAPHIC_STOPS.sub(".", domain).strip(".")
    domain = _ascii_domain(domain)
    if domain in _GMAIL_DOMAINS:
        domain = "gmail.com"
        local = local.partition("+")[0].replace(".", "")
    return f"{local}@{domain}"


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

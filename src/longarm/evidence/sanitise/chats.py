"""Chat exports: which app wrote a text or HTML export, told from its content, and the phone numbers and
messenger IDs in it, offered to the caseworker as identifiers to add to the case (nothing is added by
itself: ``evidence.views.offer_add``).

- **WhatsApp** writes one line per message, in the phone's locale: ``[01/05/2024, 10:15:30] Name: text``
  (iPhone) or ``01/05/2024, 10:15 - Name: text`` (Android), with dots, slashes or dashes in the date, a
  12-hour clock (``AM``/``PM``, ``上午``/``下午``, ``午前``/``午後``) or not, and narrow spaces around them.
- **LINE** starts with ``[LINE] Chat history with …`` (``…とのトーク履歴``, ``與…的聊天記錄``), has a line per
  day (``2024/01/05(Fri)``, ``2024/01/05(金)``) and one per message, tab-separated: ``10:15	Name	text``.
- **WeChat** has no export of its own; the tools people use write HTML pages naming ``wxid_…`` accounts or
  titled 微信/WeChat. Its text is read by the HTML parser in ``text.py``, never by patterns over markup.

Phone numbers written without a country code are read as numbers of the country the export points to
(WeChat: China; a Japanese LINE: Japan; a Traditional Chinese LINE: Taiwan); others only in international
form. Only what a case can hold as an identifier is offered: phone numbers, WeChat IDs, QQ numbers and
LINE IDs.

LINE IDs are offered only where an export names them as such, since a bare word cannot be told from one: a
labelled ID (``LINE ID: …``, ``ライン ID\uff1a…``, ``LINEのIDは…``, Taiwanese ``賴\uff1a…``), a profile link
(``line.me/ti/p/~…``, ``line.me/R/ti/p/@…``), and, in a LINE export only, a plain ``ID: …``.
"""

import re
from dataclasses import dataclass

from longarm.linking.normalisers.line import is_line_id
from longarm.linking.normalisers.text import nfkc

_SPACE = r"[ \u00a0\u202f]"
_DATE = r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}"
_HALF_DAY = r"(?:上午|下午|午前|午後)"
_CLOCK = (
    rf"(?:{_HALF_DAY}{_SPACE}?)?\d{{1,2}}[:.]\d{{2}}(?:[:.]\d{{2}})?"
    rf"(?:{_SPACE}?(?:[AaPp]\.?{_SPACE}?[Mm]\.?))?"
)
_WHATSAPP = (
    re.compile(rf"^\u200e?\[{_DATE},?{_SPACE}+{_CLOCK}\]{_SPACE}[^:\n]{{1,80}}:{_SPACE}"),
    re.compile(rf"^\u200e?{_DATE},?{_SPACE}+{_CLOCK}{_SPACE}[-\u2013]{_SPACE}[^:\n]{{1,80}}:{_SPACE}"),
)
_LINE_HEADER = re.compile(r"^\ufeff?\[LINE\]")
# The day's name in ASCII or full-width parentheses (U+FF08, U+FF09).
_LINE_DAY = re.compile(
    r"^\d{4}[/.]\d{2}[/.]\d{2}\s*[(\uff08][^)\uff09]{1,12}[)\uff09]\s*$|^\w{3}, \d{2}/\d{2}/\d{4}\s*$"
)
_LINE_MESSAGE = re.compile(rf"^(?:{_HALF_DAY}?\d{{1,2}}:\d{{2}}(?: ?[AP]M)?)\t[^\t]{{1,80}}\t")
_JAPANESE = re.compile(r"[\u3040-\u30ff]")
_TRADITIONAL = ("與", "聊天記錄", "儲存日期")
_SAMPLE_LINES = 60
_WECHAT_MARKS = ("wxid_", "微信", "WeChat")

# WeChat's internal IDs, and "WeChat ID: …" / "微信号: …" and "QQ: …" lines of exports and contact cards.
_WECHAT_ID = re.compile(r"\bwxid_[A-Za-z0-9_-]{4,40}\b")
_LABELLED_WECHAT = re.compile(
    r"(?:WeChat ID|WeChat|微信号|微信號|微信)\s*[:\uff1a]\s*([A-Za-z][A-Za-z0-9_-]{5,19})(?![A-Za-z0-9_-])"
)
_LABELLED_QQ = re.compile(r"(?:QQ号?|QQ number)\s*[:\uff1a]\s*([1-9]\d{4,11})(?!\d)")
# LINE: profile links, labelled IDs (upper-case "LINE" only: "line" is an English word), and a bare "ID:"
# in a LINE export, unless another messenger's name stands before it.
_LINE_ID_CHARACTERS = r"@?[A-Za-z0-9._-]+"
_LINE_PROFILE_LINK = re.compile(r"line\.me/(?:R/)?ti/p/(~|@|%40)([A-Za-z0-9._-]+)", re.IGNORECASE)
# An ID label may be followed by ":" or by "は"/"是"/"為" ("LINEのIDは…", "我的LINE ID是…"); the app's name
# alone only by ":", since "LINEは…" goes on with a sentence, not an ID.
_LABELLED_LINE = re.compile(
    r"(?:(?:LINE|Line|ライン|らいん|賴)\s*(?:の\s*)?(?:ID|帳號|账号|アカウント)\s*(?::|は|是|為|为)"
    r"|(?:LINE|ライン|賴)\s*:)"
    rf"\s*({_LINE_ID_CHARACTERS})"
)
_LABELLED_ID = re.compile(
    r"(?<![\w])(?<!WeChat )(?<!Telegram )(?<!Skype )(?<!QQ )(?<!Kakao )"
    rf"ID\s*(?::|は|是|為)\s*({_LINE_ID_CHARACTERS})"
)
OFFER_LIMIT = 50


@dataclass(frozen=True)
class ChatExport:
    app: str
    # Where phone numbers without a country code are from, as an ISO 3166 code; None: international only.
    region: str | None


def recognise(text: str, *, html: bool) -> ChatExport | None:
    """The app that wrote this export, from its first lines (or, for HTML, its text), or None."""
    if html:
        return ChatExport("wechat", "CN") if any(mark in text[:65536] for mark in _WECHAT_MARKS) else None
    lines = text.splitlines()[:_SAMPLE_LINES]
    if lines and _LINE_HEADER.match(lines[0]):
        return ChatExport("line", _line_region(lines[0] + "".join(lines[1:3])))
    if sum(1 for line in lines if _LINE_DAY.match(line)) >= 1 and (
        sum(1 for line in lines if _LINE_MESSAGE.match(line)) >= 2
    ):
        return ChatExport("line", _line_region("".join(lines[:3])))
    if sum(1 for line in lines if any(pattern.match(line) for pattern in _WHATSAPP)) >= 2:
        return ChatExport("whatsapp", None)
    return None


def _line_region(header: str) -> str | None:
    if _JAPANESE.search(header):
        return "JP"
    if any(mark in header for mark in _TRADITIONAL):
        return "TW"
    return None


def offers_in(text: str, *, region: str | None, app: str | None = None) -> list[dict[str, str]]:
    """Phone numbers (E.164), WeChat IDs, QQ numbers and LINE IDs in ``text``, each once, at most
    ``OFFER_LIMIT``; ``app`` is the app that wrote the export (``recognise``), if any."""
    import phonenumbers

    found: dict[tuple[str, str], dict[str, str]] = {}
    for phone in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
        number = phonenumbers.format_number(phone.number, phonenumbers.PhoneNumberFormat.E164)
        found.setdefault(("phone", number), {"kind": "phone", "value": number})
        if len(found) >= OFFER_LIMIT:
            return list(found.values())
    for kind, pattern in (("wechat", _WECHAT_ID), ("wechat", _LABELLED_WECHAT), ("qq", _LABELLED_QQ)):
        for match in pattern.finditer(text):
            value = match.group(match.lastindex or 0)
            found.setdefault((kind, value), {"kind": kind, "value": value})
    for value in line_ids_in(text, in_line_export=app == "line"):
        if not any(offered.lower() == value for _, offered in found):
            found.setdefault(("line", value), {"kind": "line", "value": value})
    return list(found.values())[:OFFER_LIMIT]


def line_ids_in(text: str, *, in_line_export: bool) -> list[str]:
    """The LINE IDs ``text`` names as such, lower-cased (LINE regards no case), each once, in order."""
    text = nfkc(text)
    found: dict[str, None] = {}
    for link in _LINE_PROFILE_LINK.finditer(text):
        mark, name = link.groups()
        found[("" if mark == "~" else "@") + name.rstrip(".").lower()] = None
    patterns = (_LABELLED_LINE, _LABELLED_ID) if in_line_export else (_LABELLED_LINE,)
    for pattern in patterns:
        for match in pattern.finditer(text):
            found[match.group(1).rstrip(".").lower()] = None
    return [value for value in found if is_line_id(value)]

"""LINE IDs: the messenger of Japan and Taiwan (LINE Corporation, now LY Corporation).

A LINE account is found by its ID (``ID検索`` / ``ID搜尋``), under LINE's own rules:

- a **user ID** is 4 to 20 characters: lower-case letters, digits, ``.``, ``_`` and ``-``. LINE turns
  letters typed in upper case into lower case, so search does not regard case;
- an **official account** ID (LINE Official Account, ``公式アカウント`` / ``官方帳號``) is ``@`` followed by
  3 to 18 characters of the same set (``@abc1234d`` basic IDs, ``@shop.tokyo`` premium IDs). ``@abc`` and
  ``abc`` are two accounts: the ``@`` is kept.

A profile's share link names the ID after ``line.me/ti/p/~`` (user) or ``line.me/R/ti/p/@`` (official
account, ``%40`` when URL-encoded). Other LINE links (``lin.ee/…``, ``line.me/ti/p/<QR token>``, group
invitations) carry a random, case-sensitive token, not an ID: the link without its scheme is the form (only
the host folded), so the same link typed twice still links.

Reporters rarely type a bare ID. The ID is taken out of what surrounds it: full-width forms (NFKC), invisible
characters, quotes and brackets, a final ``。`` or ``.``, a label (``ID:``, ``LINE ID：``, ``ライン ID``,
``LINEのID``, Taiwanese ``賴``/``LINE帳號``), a sentence around it (``我的LINE ID是taro_1234，請加我``) and a
note after it. A dash typed by a Japanese IME inside an ID (``ー``, ``－``) is the ``-`` it stands for, an
ideographic full stop between its letters the ``.``. Only the ID's own characters decide; nothing fuzzy is
added, so ``taro.1234`` and ``taro_1234`` (two accounts) stay apart.
"""

import re

from longarm.linking.normalisers.accounts import SENTENCE_WORDS_SHAPED_LIKE_IDS
from longarm.linking.normalisers.text import (
    COLON,
    DASHES,
    fold,
    nfkc,
    unwrapped,
    without_dates_and_times,
)

_ID_CHARACTERS = "a-z0-9._\\-"
USER_ID_LENGTH = (4, 20)
OFFICIAL_ID_LENGTH = (3, 18)
# A profile link: "~" before a user ID, "@" (or "%40") before an official account's.
_PROFILE_LINK = re.compile(rf"line\.me/(?:r/)?ti/p/(~|@|%40)([{_ID_CHARACTERS}]+)")
_OTHER_LINK = re.compile(r"(line\.me|lin\.ee)(/[^\s]+)", re.IGNORECASE)
# Labels, longest first; Latin ones must stand alone so that an ID containing "line" or "id" is not cut.
# 賴 ("lai") is what Taiwanese speakers call LINE ("加賴" = add on LINE).
_LABEL = re.compile(
    rf"(?<![{_ID_CHARACTERS}@])"
    r"(?:(?:line|ライン|らいん|賴)\s*(?:の\s*)?(?:id|帳號|账号|帳户|號|号|アカウント)"
    r"|line|ライン|らいん|賴|id|ユーザー\s*id|帳號|账号)"
    rf"(?![{_ID_CHARACTERS}])"
)
# A "~" before a user ID (copied from a profile link) is not part of it.
_TOKEN = re.compile(rf"(?<![{_ID_CHARACTERS}@])@?[{_ID_CHARACTERS}]+")
# An IME's dashes and full stops between the characters of an ID.
_DASH_IN_ID = re.compile(rf"(?<=[{_ID_CHARACTERS}]){DASHES.pattern}(?=[{_ID_CHARACTERS}])")
_STOP_IN_ID = re.compile(rf"(?<=[{_ID_CHARACTERS}])[\u3002\uff61](?=[{_ID_CHARACTERS}])")
_ID_MARK = re.compile(r"[0-9._\-]")
_IDENTIFIER_CHARACTER = re.compile(r"[a-z0-9]")
# Words of an English sentence around an ID that are shaped like one, and those a LINE ID's length admits.
_NOT_AN_ID = SENTENCE_WORDS_SHAPED_LIKE_IDS | frozenset(
    {
        "line",
        "official",
        "user",
        "this",
        "that",
        "they",
        "their",
        "them",
        "with",
        "from",
        "said",
        "told",
        "here",
        "http",
        "https",
    }
)


def is_line_id(value: str) -> bool:
    """Whether ``value`` (folded) is shaped like a LINE user ID or official account ID."""
    return _shaped(value)


def _shaped(token: str) -> bool:
    if token.startswith("@"):
        low, high = OFFICIAL_ID_LENGTH
        body = token[1:]
    else:
        low, high = USER_ID_LENGTH
        body = token
    return low <= len(body) <= high and re.fullmatch(f"[{_ID_CHARACTERS}]+", body) is not None


def _tokens(text: str) -> list[str]:
    """The ID-shaped tokens of ``text``, in order, without a sentence's final full stop and never an
    English word of the sentence around them."""
    found = []
    for match in _TOKEN.finditer(text):
        token = match.group(0).rstrip(".")
        if _shaped(token) and token not in _NOT_AN_ID:
            found.append(token)
    return found


def line_form(value: str) -> str:
    """The LINE ID in ``value``, lower-cased (``@`` kept for an official account), or ``""`` when there is
    nothing an ID is made of ("知らない"). A value with ID characters but no valid ID (too short, too long)
    keeps its folded text without spaces, so that it still links with itself."""
    text = COLON.sub(":", fold(value))
    text = _STOP_IN_ID.sub(".", _DASH_IN_ID.sub("-", text))
    link = _PROFILE_LINK.search(text)
    if link is not None:
        mark, name = link.groups()
        name = name.rstrip(".")
        return name if mark == "~" else "@" + name
    # The token of a short or QR link is case-sensitive; only the host is folded.
    other_link = _OTHER_LINK.search(nfkc(value))
    if other_link is not None:
        host, path = other_link.groups()
        return host.lower() + path.rstrip(".")
    bare = unwrapped(text)
    if _shaped(bare):
        return bare
    for label in _LABEL.finditer(text):
        after = _tokens(text[label.end() :])
        if after:
            return after[0]
    tokens = _tokens(without_dates_and_times(text))
    # Without a label, an ID usually carries a digit, "." "_" or "-"; a plain word comes second.
    for token in tokens:
        if _ID_MARK.search(token):
            return token
    if tokens:
        return tokens[0]
    rest = re.sub(r"\s+", "", _LABEL.sub("", bare))
    return rest if _IDENTIFIER_CHARACTER.search(rest) else ""

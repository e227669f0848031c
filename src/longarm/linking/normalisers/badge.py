"""Badge and police ID numbers (警号).

A People's Police badge number is a fixed-width string of digits (six in most provinces; auxiliary
police and other forces use other widths and sometimes a letter). It is an opaque code: every digit,
including leading zeros, counts, so ``012345`` and ``12345`` stay apart. What people add around it does
not count: labels (``警号``, ``警員編號``, ``No.``, ``ID``, ``#``), spaces, dashes, full-width digits,
invisible and directional marks, quotes and brackets, and the sentence around the number (``警号为086721的
民警``, ``刘警官，警号086721，说是…``, ``his badge number was 086721``), including a date in it. Chinese
numerals are read digit by digit (``警号〇八六七二一`` is ``086721``, leading zero kept).
"""

import re

from longarm.linking.normalisers.text import (
    COLON,
    arabic_digits,
    fold,
    unwrapped,
    without_dates_and_times,
    without_spaces_and_dashes,
)

_LABEL = re.compile(
    r"^(?:警号|警號|警员编号|警員編號|警察编号|警察編號|编号|編號|工号|工號|"
    r"police\s*id|badge\s*(?:no\.?|number|#)?|id|no\.?|number|nr\.?|#)[\s.:#]*"
)


# The same labels anywhere in a sentence, with "为/是/was/is" after them; Latin ones standing alone.
_LABEL_IN_TEXT = re.compile(
    r"(?:警号|警號|警员编号|警員編號|警察编号|警察編號|工号|工號|编号|編號"
    r"|(?<![a-z0-9])(?:police\s*id|badge\s*(?:no\.?|number|#)?|no\.|number|nr\.)(?![a-z0-9]))"
    r"\s*(?:为|為|是|was|is)?"
)
# A badge number in running text: digits (possibly grouped by single spaces or dashes) with at most one
# letter before or after, standing alone.
_BADGE_IN_TEXT = re.compile(r"(?<![a-z0-9])[a-z]?\d(?:[\s\-]?\d){3,9}[a-z]?(?![a-z0-9])")


def badge_form(value: str) -> str:
    """The badge number without labels, spaces or dashes, case-folded, taken out of the text around it."""
    text = COLON.sub(":", fold(value))
    numbers = without_dates_and_times(arabic_digits(text))
    label = _LABEL_IN_TEXT.search(numbers)
    found = _BADGE_IN_TEXT.search(numbers[label.end() :] if label else numbers)
    if found is not None:
        return without_spaces_and_dashes(found.group(0))
    text = unwrapped(text)
    if not any(char.isdigit() for char in numbers):
        # "没看清" ("didn't see it"): a badge number has digits; without one there is nothing to match on.
        return ""
    while (stripped := _LABEL.sub("", text, count=1)) != text:
        text = stripped
    return without_spaces_and_dashes(text).strip(".:#")

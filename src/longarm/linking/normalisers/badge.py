"""Badge and police ID numbers (警号).

A People's Police badge number is a fixed-width string of digits (six in most provinces; auxiliary
police and other forces use other widths and sometimes a letter). It is an opaque code: every digit,
including leading zeros, counts, so ``012345`` and ``12345`` stay apart. What people add around it does
not count: labels (``警号``, ``警員編號``, ``No.``, ``ID``, ``#``), spaces, dashes, full-width digits.
"""

import re

from longarm.linking.normalisers.text import COLON, fold, without_spaces_and_dashes

_LABEL = re.compile(
    r"^(?:警号|警號|警员编号|警員編號|警察编号|警察編號|编号|編號|工号|工號|"
    r"police\s*id|badge\s*(?:no\.?|number|#)?|id|no\.?|number|nr\.?|#)[\s.:#]*"
)


def badge_form(value: str) -> str:
    """The badge number without labels, spaces or dashes, case-folded."""
    text = COLON.sub(":", fold(value))
    while (stripped := _LABEL.sub("", text, count=1)) != text:
        text = stripped
    return without_spaces_and_dashes(text).strip(".:#")

"""Chinese vehicle plates (GA 36-2018).

A plate is the one-character abbreviation of the province (粤, 京, 新 …), the letter of the issuing
authority, then a serial of five characters (six on green new-energy plates), optionally followed by a
special character (警 police, 学 driving school, 挂 trailer, 领/使 consular and diplomatic, 港/澳).
What meets:

- full-width and half-width letters and digits, case (NFKC, upper case);
- spaces, dashes, dots and the middle dot printed between the authority letter and the serial
  (``粤B·12345``);
- Traditional province characters (粵 → 粤, 滬 → 沪) through OpenCC;
- in the serial only, ``O`` and ``I`` typed for ``0`` and ``1``: the standard leaves the letters I and O
  out of serials precisely because they look like the digits, so a serial ``O`` or ``I`` can only be a
  misread digit. (The authority letter is left alone: ``O`` there is a real police/government code.)

The plate is taken out of what surrounds it: a label (``车牌号：``), quotes and brackets, invisible and
directional marks, a description of the car after it (``新A·12345 白色丰田越野车``, ``(white Toyota …)``) or a
sentence around it.

Two plates that differ in any remaining character (another province, another letter) stay apart.
"""

import re

from longarm.linking.normalisers.han import to_simplified
from longarm.linking.normalisers.text import MIDDLE_DOTS, nfkc, unwrapped, without_spaces_and_dashes

_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE = re.compile(rf"^([{_PROVINCES}])([A-Z])([A-Z0-9]{{5,6}})(.*)$")
_SERIAL_LOOKALIKES = str.maketrans({"O": "0", "I": "1"})
_LABEL = re.compile(
    r"^(?:车牌号?|車牌號?|车牌号码|車牌號碼|plate\s*(?:no\.?|number)?)[\s.:：]*", re.IGNORECASE
)


# A plate inside text: province, authority letter, then the serial (four characters before a suffix such as
# 警, otherwise five or six), with the separators people type between the parts, standing alone.
_SEPARATOR = r"[\s.\-\u00b7]{0,2}"
_PLATE_IN_TEXT = re.compile(
    rf"([{_PROVINCES}]){_SEPARATOR}([A-Z]){_SEPARATOR}"
    r"([A-Z0-9]{4}[警学挂领使港澳试超]|[A-Z0-9]{5,6}(?![A-Z0-9])[警学挂领使港澳试超]?)"
)


def plate_form(value: str) -> str:
    """The plate in upper case without separators, Simplified province, serial look-alikes as digits."""
    found = _PLATE_IN_TEXT.search(to_simplified(MIDDLE_DOTS.sub("\u00b7", nfkc(value).upper())))
    if found is not None:
        province, authority, serial = found.groups()
        return _canonical(f"{province}{authority}{serial}")
    text = _LABEL.sub("", unwrapped(nfkc(value)))
    if not any(char.isdigit() for char in text):
        # "白色丰田" (a description, no plate): every plate serial has a digit, so nothing to match on.
        return ""
    text = without_spaces_and_dashes(MIDDLE_DOTS.sub("", text)).replace(".", "").upper()
    return _canonical(to_simplified(text))


def _canonical(text: str) -> str:
    match = _PLATE.match(text)
    if match is None:
        return text
    province, authority, serial, suffix = match.groups()
    return f"{province}{authority}{serial.translate(_SERIAL_LOOKALIKES)}{suffix}"

"""The printed letter: its language and the QR code that opens the public verify page."""

import io

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language


def letter_language(asked: str | None) -> str:
    """``asked`` if Longarm speaks it (the letter's strings are complete in every reporter language), else the
    current language."""
    known = {code for code, _name in settings.LANGUAGES}
    if asked in known:
        return str(asked)
    current = get_language()
    return current if current in known else settings.LANGUAGE_CODE


def qr_svg(url: str) -> SafeString:
    """An inline SVG QR code of ``url`` (drawn here: a letter page loads nothing from elsewhere)."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, border=2, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    # The XML declaration is not allowed inside HTML; the SVG itself comes from qrcode, not from input.
    return mark_safe(svg[svg.index("<svg") :])  # noqa: S308

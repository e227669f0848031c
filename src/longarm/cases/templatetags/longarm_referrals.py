import unicodedata
from dataclasses import dataclass
from typing import Any

from django import template

from longarm.accounts.models import Role
from longarm.cases.dossier.requests import open_dossier_requests
from longarm.cases.referrals.choices import SupportType
from longarm.cases.referrals.provisions import JURISDICTION_NAMES, Provision, provision

register = template.Library()


@register.filter
def provision_of(value: str) -> Provision | None:
    """The provision a stored value names, or None for one no longer in the data files."""
    try:
        return provision(value)
    except KeyError:
        return None


@register.filter
def jurisdiction_name(code: str) -> str:
    return str(JURISDICTION_NAMES.get(code, code))


@register.filter
def support_type_label(code: str) -> str:
    return str(SupportType(code).label) if code in SupportType.values else code


def _in(char: str, *ranges: tuple[int, int]) -> bool:
    return any(start <= ord(char) <= end for start, end in ranges)


@register.filter
def script_lang(text: str) -> str:
    """A language tag for free text whose script tells it, so that the PDF picks the right font: kana mean
    Japanese (whose Han characters are drawn differently from Chinese), Arabic script here means Uyghur."""
    if any(_in(char, (0x3040, 0x30FF), (0x31F0, 0x31FF)) for char in text):
        return "ja"
    if any(_in(char, (0x0600, 0x06FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF)) for char in text):
        return "ug"
    return ""


@dataclass(frozen=True)
class Paragraph:
    text: str
    dir: str
    lang: str


def _direction(text: str) -> str:
    """The direction of the paragraph's first strong character (rule P2 of the Unicode bidi algorithm)."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in {"R", "AL"}:
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


@register.filter
def paragraphs(text: str) -> list[Paragraph]:
    """Free text split into paragraphs, each with its own base direction and language tag. A PDF renderer
    takes one direction for a whole block, so a Uyghur paragraph after a Chinese one would end with its full
    stop on the wrong side; the bidi algorithm wants the direction decided paragraph by paragraph."""
    found = []
    for line in str(text).splitlines():
        if line.strip():
            found.append(Paragraph(line, _direction(line), script_lang(line)))
    return found


@register.inclusion_tag("cases/dossier/_requests.html", takes_context=True)
def dossier_requests(context: dict[str, Any]) -> dict[str, Any]:
    """The dossiers caseworkers asked of the investigator viewing the page, oldest first."""
    user = context["user"]
    if getattr(user, "role", "") != Role.INVESTIGATOR:
        return {"requests": []}
    return {"requests": list(open_dossier_requests(investigator=user))}

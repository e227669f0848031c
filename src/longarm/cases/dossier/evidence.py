"""The evidence list of a dossier. The evidence app is optional here: when ``longarm.evidence`` is installed
and its items carry a SHA-256 and a size, they are listed; otherwise the list is empty."""

from dataclasses import dataclass
from datetime import date, datetime
from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.apps import apps

from longarm.cases.models import Case


@dataclass(frozen=True)
class EvidenceEntry:
    public_id: str
    sha256: str
    size: int
    kind: str
    received_on: str


def _item_model() -> Any | None:
    if find_spec("longarm.evidence") is None or not apps.is_installed("longarm.evidence"):
        return None
    model = getattr(import_module("longarm.evidence.models"), "EvidenceItem", None)
    fields = {field.name for field in model._meta.get_fields()} if model is not None else set()
    if not {"sha256", "size", "report"} <= fields:
        return None
    return model


def _hex(value: object) -> str:
    return bytes(value).hex() if isinstance(value, bytes | memoryview) else str(value)


def _day(value: object) -> str:
    return f"{value:%Y-%m-%d}" if isinstance(value, date | datetime) else ""


def evidence_for_case(case: Case) -> list[EvidenceEntry]:
    """The evidence items of the reports ``case`` groups, oldest first; hashes and sizes only, no content."""
    model = _item_model()
    if model is None:
        return []
    items = model.objects.filter(report__case_link__case=case).order_by("pk")
    return [
        EvidenceEntry(
            public_id=str(getattr(item, "public_id", item.pk)),
            sha256=_hex(item.sha256),
            size=int(item.size),
            kind=str(getattr(item, "content_type", "") or getattr(item, "kind", "")),
            received_on=_day(getattr(item, "received_at", None)),
        )
        for item in items
    ]

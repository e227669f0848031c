"""The evidence list of a dossier. The evidence app is optional here: when ``longarm.evidence`` is installed,
the items of the case's reports are listed with the SHA-256 and size kept in their encrypted records, as far
as the reader's keys open them; otherwise the list is empty."""

from dataclasses import dataclass
from datetime import date, datetime
from importlib.util import find_spec

from django.apps import apps

from longarm.accounts.models import StaffUser
from longarm.cases.models import Case
from longarm.crypto.errors import DecryptionError
from longarm.intake.models import KeyKind, RecipientKind, SealedKey
from longarm.intake.selectors import staff_data_key


@dataclass(frozen=True)
class EvidenceEntry:
    public_id: str
    sha256: str
    size: int
    kind: str
    received_on: str


def _day(value: object) -> str:
    return f"{value:%Y-%m-%d}" if isinstance(value, date | datetime) else ""


def evidence_for_case(case: Case, *, user: StaffUser, private_key: bytes) -> list[EvidenceEntry]:
    """The evidence items of the reports ``case`` groups, oldest first, with hashes and sizes and no
    content. Only items of reports whose data key is sealed to ``user`` and whose record opens are listed:
    a hash that cannot be read cannot be vouched for."""
    if find_spec("longarm.evidence") is None or not apps.is_installed("longarm.evidence"):
        return []
    from longarm.evidence.models import EvidenceItem
    from longarm.evidence.selectors import item_record

    data_keys: dict[int, bytes] = {}
    for sealed in SealedKey.objects.filter(
        report__case_link__case=case, kind=KeyKind.DATA, recipient_kind=RecipientKind.STAFF, staff=user
    ):
        try:
            data_keys[sealed.report_id] = staff_data_key(sealed=sealed, private_key=private_key)
        except DecryptionError:
            continue
    entries = []
    for item in EvidenceItem.objects.filter(report_id__in=data_keys).select_related("report").order_by("pk"):
        record = item_record(item=item, report=item.report, data_key=data_keys[item.report_id])
        if record is None:
            continue
        entries.append(
            EvidenceEntry(
                public_id=str(item.public_id),
                sha256=record.sha256,
                size=record.size,
                kind=record.content_type,
                received_on=_day(item.received_on),
            )
        )
    return entries

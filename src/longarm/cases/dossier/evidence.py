"""The evidence list of a dossier. The evidence app is optional here: when ``longarm.evidence`` is installed,
the items of the case's reports are listed with the SHA-256 and size kept in their encrypted records, as far
as the reader's keys open them; otherwise the list is empty."""

from dataclasses import dataclass, replace
from datetime import date, datetime
from importlib.util import find_spec

from django.apps import apps

from longarm.accounts.models import StaffUser
from longarm.cases.models import Case
from longarm.crypto.errors import DecryptionError
from longarm.intake.models import REFERRAL_CONSENTS, KeyKind, RecipientKind, SealedKey
from longarm.intake.selectors import staff_data_key


@dataclass(frozen=True)
class EvidenceEntry:
    public_id: str
    sha256: str
    size: int
    kind: str
    received_on: str
    # The name the sender's device gave the file, and when the device says it was made (from the original's
    # metadata, which only a holder of the original's key reads; "" otherwise).
    name: str = ""
    captured: str = ""
    # Other items of the list with the same SHA-256: the same file sent twice, perhaps by two reporters.
    same_as: tuple[str, ...] = ()


# Capture-time fields as exiftool, Pillow, PDF and ffmpeg name them, most telling first.
_CAPTURE_FIELDS = (
    "DateTimeOriginal",
    "CreateDate",
    "DateTimeDigitized",
    "CreationDate",
    "creation_time",
    "DateTime",
)


def _captured(metadata: dict[str, object]) -> str:
    for name in _CAPTURE_FIELDS:
        value = metadata.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()[:40]
    return ""


def _with_duplicates(entries: list[EvidenceEntry]) -> list[EvidenceEntry]:
    by_hash: dict[str, list[str]] = {}
    for entry in entries:
        by_hash.setdefault(entry.sha256, []).append(entry.public_id)
    return [
        replace(entry, same_as=tuple(other for other in by_hash[entry.sha256] if other != entry.public_id))
        for entry in entries
    ]


def _day(value: object) -> str:
    return f"{value:%Y-%m-%d}" if isinstance(value, date | datetime) else ""


def evidence_for_case(case: Case, *, user: StaffUser, private_key: bytes) -> list[EvidenceEntry]:
    """The evidence items of the reports ``case`` groups, oldest first, with hashes and sizes and no
    content. Only items of reports whose data key is sealed to ``user`` and whose record opens are listed:
    a hash that cannot be read cannot be vouched for; and only of reports whose reporter consented to a
    referral (``content.reports_kept_out``)."""
    if find_spec("longarm.evidence") is None or not apps.is_installed("longarm.evidence"):
        return []
    from longarm.evidence.exceptions import KeyNotHeld
    from longarm.evidence.keys import blob_key_for_staff
    from longarm.evidence.models import EvidenceItem, Variant
    from longarm.evidence.selectors import item_metadata, item_name, item_record

    data_keys: dict[int, bytes] = {}
    for sealed in SealedKey.objects.filter(
        report__case_link__case=case,
        report__consent__in=REFERRAL_CONSENTS,
        kind=KeyKind.DATA,
        recipient_kind=RecipientKind.STAFF,
        staff=user,
    ):
        try:
            data_keys[sealed.report_id] = staff_data_key(sealed=sealed, private_key=private_key)
        except DecryptionError:
            continue
    entries = []
    items = (
        EvidenceItem.objects.filter(report_id__in=data_keys)
        .select_related("report")
        .prefetch_related("blobs")
    )
    for item in items.order_by("report_id", "position"):
        data_key = data_keys[item.report_id]
        record = item_record(item=item, report=item.report, data_key=data_key)
        if record is None:
            continue
        captured = ""
        original = next((blob for blob in item.blobs.all() if blob.variant == Variant.ORIGINAL), None)
        if original is not None and item.metadata_ciphertext:
            try:
                key = blob_key_for_staff(blob=original, staff=user, private_key=private_key)
                captured = _captured(item_metadata(item=item, original_key=key))
            except (KeyNotHeld, DecryptionError):
                captured = ""
        entries.append(
            EvidenceEntry(
                public_id=str(item.public_id),
                sha256=record.sha256,
                size=record.size,
                kind=record.content_type,
                received_on=_day(item.received_on),
                name=item_name(item=item, report=item.report, data_key=data_key),
                captured=captured,
            )
        )
    return _with_duplicates(entries)

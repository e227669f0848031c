"""Who holds each evidence file's key (DESIGN §3): the report's recipients — reporter, recovery key and the
staff its data key is sealed to — and, until processing finishes, the keyring's processing key."""

from collections.abc import Iterable
from dataclasses import dataclass

from longarm.accounts.models import StaffUser
from longarm.core.keyring import current_keyring
from longarm.crypto.envelopes import seal, unseal
from longarm.crypto.errors import DecryptionError
from longarm.evidence.exceptions import KeyNotHeld
from longarm.evidence.models import EvidenceBlob, EvidenceKey, EvidenceKind, KeyHolder, Variant
from longarm.intake.models import KeyKind, RecipientKind, Report


@dataclass(frozen=True)
class Recipients:
    reporter_public_key: bytes
    recovery_public_key: bytes
    staff: tuple[StaffUser, ...]


def report_recipients(report: Report) -> Recipients:
    """The holders of the report's data key: a file is readable by exactly those who read the report
    (active accounts only: one that can no longer log in is never sealed anything new)."""
    staff = tuple(
        sealed.staff
        for sealed in report.sealed_keys.filter(
            kind=KeyKind.DATA, recipient_kind=RecipientKind.STAFF, staff__is_active=True
        )
        .select_related("staff")
        .order_by("staff_id")
        if sealed.staff is not None
    )
    return Recipients(
        reporter_public_key=bytes(report.reporter_public_key),
        recovery_public_key=current_keyring().recovery_public_key,
        staff=staff,
    )


def seal_blob_key(*, blob: EvidenceBlob, key: bytes, recipients: Recipients, for_processing: bool) -> None:
    rows = [
        EvidenceKey(blob=blob, holder=KeyHolder.REPORTER, sealed=seal(recipients.reporter_public_key, key)),
        EvidenceKey(blob=blob, holder=KeyHolder.RECOVERY, sealed=seal(recipients.recovery_public_key, key)),
        *(
            EvidenceKey(
                blob=blob, holder=KeyHolder.STAFF, staff=member, sealed=seal(bytes(member.public_key), key)
            )
            for member in recipients.staff
        ),
    ]
    if for_processing:
        rows.append(
            EvidenceKey(
                blob=blob,
                holder=KeyHolder.PROCESSING,
                sealed=seal(current_keyring().processing_public_key, key),
            )
        )
    EvidenceKey.objects.bulk_create(rows)


def _open(sealed: EvidenceKey | None, private_key: bytes) -> bytes:
    if sealed is None:
        raise KeyNotHeld
    try:
        return unseal(private_key, bytes(sealed.sealed))
    except DecryptionError as error:
        raise KeyNotHeld from error


def blob_key_for_staff(*, blob: EvidenceBlob, staff: StaffUser, private_key: bytes) -> bytes:
    """The blob's key, opened with ``staff``'s private key; raises ``KeyNotHeld`` if none is theirs."""
    return _open(blob.keys.filter(holder=KeyHolder.STAFF, staff=staff).first(), private_key)


def blob_key_for_processing(blob: EvidenceBlob) -> bytes:
    """The blob's key through the processing key; raises ``KeyNotHeld`` once processing dropped it."""
    return _open(
        blob.keys.filter(holder=KeyHolder.PROCESSING).first(), current_keyring().processing_private_key
    )


def evidence_keys_share(*, report: Report, holder: StaffUser, private_key: bytes, grantee: StaffUser) -> int:
    """Re-seal to ``grantee`` the key of every evidence file of ``report`` that is sealed to ``holder``.

    Call it, in the same transaction, wherever a report's data key is re-sealed to a colleague, so that
    whoever reads a report also reads its files. Returns how many keys were sealed.
    """
    already = set(
        EvidenceKey.objects.filter(
            blob__item__report=report, holder=KeyHolder.STAFF, staff=grantee
        ).values_list("blob_id", flat=True)
    )
    rows = [
        EvidenceKey(
            blob_id=sealed.blob_id,
            holder=KeyHolder.STAFF,
            staff=grantee,
            sealed=seal(bytes(grantee.public_key), _open(sealed, private_key)),
        )
        for sealed in EvidenceKey.objects.filter(
            blob__item__report=report, holder=KeyHolder.STAFF, staff=holder
        )
        if sealed.blob_id not in already
    ]
    EvidenceKey.objects.bulk_create(rows)
    return len(rows)


def evidence_keys_revoke(*, reports: Iterable[Report], staff: StaffUser) -> None:
    """Delete ``staff``'s keys to the files of ``reports`` (with their report keys, on revoking access)."""
    EvidenceKey.objects.filter(
        blob__item__report__in=list(reports), holder=KeyHolder.STAFF, staff=staff
    ).delete()


def text_copy_keys_for_staff(*, report: Report, staff: StaffUser, private_key: bytes) -> dict[int, bytes]:
    """The keys of the report's text copies that ``staff`` holds, by blob id, in one query: their records
    hold the identifiers a chat export offers (``records``). A key that does not open is left out."""
    keys: dict[int, bytes] = {}
    for sealed in EvidenceKey.objects.filter(
        blob__item__report=report,
        blob__item__kind=EvidenceKind.TEXT,
        blob__variant=Variant.DERIVATIVE,
        holder=KeyHolder.STAFF,
        staff=staff,
    ):
        try:
            keys[sealed.blob_id] = _open(sealed, private_key)
        except KeyNotHeld:
            continue
    return keys

"""Opening and sealing the keys of cases and of the reports they group (DESIGN §3: access is a seal)."""

import json
from typing import Any
from uuid import UUID

from longarm.accounts.models import Role, StaffUser
from longarm.cases.exceptions import NoAccess
from longarm.cases.models import Case, CaseKey, CaseKeyKind
from longarm.core.keyring import current_keyring
from longarm.crypto.envelopes import decrypt, encrypt, seal, unseal
from longarm.intake.models import KeyKind, RecipientKind, Report, SealedKey
from longarm.intake.sealing import refuse_statistics_only


def case_context(case_id: UUID, item: str) -> bytes:
    return f"longarm case {case_id} {item}".encode()


def encrypt_json(key: bytes, value: Any, *, context: bytes) -> bytes:
    return encrypt(
        key, json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode(), context=context
    )


def decrypt_json(key: bytes, ciphertext: bytes | memoryview, *, context: bytes) -> Any:
    return json.loads(decrypt(key, bytes(ciphertext), context=context))


def open_case_key(*, case: Case, kind: CaseKeyKind, staff: StaffUser, private_key: bytes) -> bytes:
    """The case key of ``kind`` sealed to ``staff``; raises ``NoAccess`` when none is."""
    sealed = CaseKey.objects.filter(case=case, kind=kind, staff=staff).first()
    if sealed is None:
        raise NoAccess
    return unseal(private_key, bytes(sealed.sealed))


def has_case_key(*, case: Case, kind: CaseKeyKind, staff: StaffUser) -> bool:
    return CaseKey.objects.filter(case=case, kind=kind, staff=staff).exists()


def seal_case_key(*, case: Case, kind: CaseKeyKind, key: bytes, staff: StaffUser | None) -> None:
    """Seal to ``staff``, or to the recovery key when ``staff`` is None; sealing twice is a no-op."""
    public_key = bytes(staff.public_key) if staff else current_keyring().recovery_public_key
    CaseKey.objects.get_or_create(
        case=case, kind=kind, staff=staff, defaults={"sealed": seal(public_key, key)}
    )


def open_report_key(*, report: Report, kind: KeyKind, staff: StaffUser, private_key: bytes) -> bytes:
    sealed = SealedKey.objects.filter(
        report=report, kind=kind, recipient_kind=RecipientKind.STAFF, staff=staff
    ).first()
    if sealed is None:
        raise NoAccess
    return unseal(private_key, bytes(sealed.sealed))


def seal_report_key(*, report: Report, kind: KeyKind, key: bytes, staff: StaffUser) -> None:
    """Re-seal one of ``report``'s keys to ``staff``; raises ``ValueError`` for the data key of a
    statistics-only report, which no staff member may hold."""
    refuse_statistics_only(report=report, kind=kind)
    SealedKey.objects.get_or_create(
        report=report,
        kind=kind,
        recipient_kind=RecipientKind.STAFF,
        staff=staff,
        defaults={"sealed": seal(bytes(staff.public_key), key)},
    )


def custodians() -> list[StaffUser]:
    return list(StaffUser.objects.filter(is_active=True, role=Role.CUSTODIAN))

"""Who a new report's keys are sealed to (DESIGN §3)."""

from collections.abc import Iterable

from django.db.models import Q

from longarm.accounts.models import CONTENT_ROLES, Role, StaffUser
from longarm.crypto.envelopes import seal
from longarm.intake.models import REVIEWABLE_CONSENTS, KeyKind, RecipientKind, Report, SealedKey


def new_report_recipients() -> tuple[list[StaffUser], list[StaffUser]]:
    """Whom a new report is sealed to, in one query: the active caseworkers and investigators an
    administrator chose to receive new reports (its data key), and the active custodians (its identity
    key)."""
    readers: list[StaffUser] = []
    holders: list[StaffUser] = []
    for member in StaffUser.objects.filter(
        Q(receives_new_reports=True, role__in=CONTENT_ROLES) | Q(role=Role.CUSTODIAN), is_active=True
    ):
        if member.receives_new_reports and member.role in CONTENT_ROLES:
            readers.append(member)
        if member.role == Role.CUSTODIAN:
            holders.append(member)
    return readers, holders


def staff_seals(*, report: Report, kind: KeyKind, key: bytes, staff: Iterable[StaffUser]) -> list[SealedKey]:
    """``key`` sealed to each of ``staff``, unsaved (``seal_to_staff`` saves them).

    Raises ``ValueError`` for the data key of a report whose reporter chose statistics only: no staff member
    reads it (threat model G2).
    """
    refuse_statistics_only(report=report, kind=kind)
    return [
        SealedKey(
            report=report,
            kind=kind,
            recipient_kind=RecipientKind.STAFF,
            staff=member,
            sealed=seal(bytes(member.public_key), key),
        )
        for member in staff
    ]


def seal_to_staff(
    *, report: Report, kind: KeyKind, key: bytes, staff: Iterable[StaffUser]
) -> list[SealedKey]:
    """Seal ``key`` to each of ``staff``.

    Raises ``ValueError`` for the data key of a report whose reporter chose statistics only: no staff member
    reads it (threat model G2).
    """
    return SealedKey.objects.bulk_create(staff_seals(report=report, kind=kind, key=key, staff=staff))


def refuse_statistics_only(*, report: Report, kind: KeyKind) -> None:
    """Raise ``ValueError`` if ``kind`` is the data key of a statistics-only report (see ``seal_to_staff``);
    every path that seals a report's key to a staff member calls this first."""
    if kind == KeyKind.DATA and report.consent not in REVIEWABLE_CONSENTS:
        raise ValueError("a statistics-only report is sealed to no staff member")


def holder_seal(
    *, report: Report, kind: KeyKind, key: bytes, holder: RecipientKind, public_key: bytes
) -> SealedKey:
    """``key`` sealed to the reporter's or the recovery ``public_key``, unsaved."""
    return SealedKey(report=report, kind=kind, recipient_kind=holder, sealed=seal(public_key, key))

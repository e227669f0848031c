"""Who a new report's keys are sealed to (DESIGN §3)."""

from collections.abc import Iterable

from longarm.accounts.models import CONTENT_ROLES, Role, StaffUser
from longarm.crypto.envelopes import seal
from longarm.intake.models import REVIEWABLE_CONSENTS, KeyKind, RecipientKind, Report, SealedKey


def new_report_readers() -> list[StaffUser]:
    """Active caseworkers and investigators an administrator chose to receive new reports."""
    return list(StaffUser.objects.filter(is_active=True, receives_new_reports=True, role__in=CONTENT_ROLES))


def custodians() -> list[StaffUser]:
    return list(StaffUser.objects.filter(is_active=True, role=Role.CUSTODIAN))


def seal_to_staff(
    *, report: Report, kind: KeyKind, key: bytes, staff: Iterable[StaffUser]
) -> list[SealedKey]:
    """Seal ``key`` to each of ``staff``.

    Raises ``ValueError`` for the data key of a report whose reporter chose statistics only: no staff member
    reads it (threat model G2).
    """
    refuse_statistics_only(report=report, kind=kind)
    return SealedKey.objects.bulk_create(
        SealedKey(
            report=report,
            kind=kind,
            recipient_kind=RecipientKind.STAFF,
            staff=member,
            sealed=seal(bytes(member.public_key), key),
        )
        for member in staff
    )


def refuse_statistics_only(*, report: Report, kind: KeyKind) -> None:
    """Raise ``ValueError`` if ``kind`` is the data key of a statistics-only report (see ``seal_to_staff``);
    every path that seals a report's key to a staff member calls this first."""
    if kind == KeyKind.DATA and report.consent not in REVIEWABLE_CONSENTS:
        raise ValueError("a statistics-only report is sealed to no staff member")


def seal_to_holder(
    *, report: Report, kind: KeyKind, key: bytes, holder: RecipientKind, public_key: bytes
) -> SealedKey:
    return SealedKey.objects.create(
        report=report, kind=kind, recipient_kind=holder, sealed=seal(public_key, key)
    )

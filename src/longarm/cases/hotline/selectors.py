import json
from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404

from longarm.accounts.models import StaffUser
from longarm.crypto.envelopes import decrypt
from longarm.intake.contexts import calls_context
from longarm.intake.models import IntakeChannel, KeyKind, RecipientKind, Report, SealedKey


def reports_entered_by(*, operator: StaffUser) -> QuerySet[Report]:
    """Hotline reports ``operator`` entered and still holds the key of, newest first."""
    return Report.objects.filter(
        intake_channel=IntakeChannel.HOTLINE,
        consent_read_out_by=operator,
        sealed_keys__kind=KeyKind.DATA,
        sealed_keys__recipient_kind=RecipientKind.STAFF,
        sealed_keys__staff=operator,
    ).order_by("-id")


def entered_report_for_operator(*, operator: StaffUser, public_id: UUID) -> tuple[Report, SealedKey]:
    """A report ``operator`` entered with its key sealed to them; 404 otherwise."""
    sealed = (
        SealedKey.objects.select_related("report")
        .filter(
            report__public_id=public_id,
            report__consent_read_out_by=operator,
            kind=KeyKind.DATA,
            recipient_kind=RecipientKind.STAFF,
            staff=operator,
        )
        .first()
    )
    if sealed is None:
        raise Http404
    return sealed.report, sealed


def report_calls(*, report: Report, data_key: bytes) -> list[dict[str, Any]]:
    """The hotline calls recorded on ``report``, first call first; empty for a web report."""
    if not bytes(report.calls_ciphertext):
        return []
    calls: list[dict[str, Any]] = json.loads(
        decrypt(data_key, bytes(report.calls_ciphertext), context=calls_context(report.public_id))
    )
    return calls

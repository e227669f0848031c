import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from longarm.accounts.models import StaffUser
from longarm.crypto.envelopes import decrypt, unseal
from longarm.intake.contexts import answers_context, identity_context, message_context
from longarm.intake.models import KeyKind, MessageAuthor, RecipientKind, Report, SealedKey


@dataclass(frozen=True)
class ThreadMessage:
    author_kind: MessageAuthor
    created_at: datetime
    text: str


def inbox_for_staff(*, user: StaffUser) -> QuerySet[Report]:
    """Reports whose content key is sealed to ``user``, most urgent and newest first."""
    sealed = SealedKey.objects.filter(
        report=OuterRef("pk"), kind=KeyKind.DATA, recipient_kind=RecipientKind.STAFF, staff=user
    )
    # The urgency codes sort alphabetically in priority order (critical, high, normal; a test keeps it so).
    # Ordering by the stored code lets the database walk the (urgency, -id) index and stop after the first
    # page, checking the seal of each report it passes; ranking urgencies with a CASE expression made it
    # sort every report sealed to the user (a third of a second at 100k reports).
    return Report.objects.filter(Exists(sealed)).order_by("urgency", "-id")


def report_for_staff(*, user: StaffUser, public_id: UUID) -> tuple[Report, SealedKey]:
    """The report and the content key sealed to ``user``; 404 when no such key exists."""
    sealed = (
        SealedKey.objects.select_related("report")
        .filter(
            report__public_id=public_id, kind=KeyKind.DATA, recipient_kind=RecipientKind.STAFF, staff=user
        )
        .first()
    )
    if sealed is None:
        raise Http404
    return sealed.report, sealed


def staff_data_key(*, sealed: SealedKey, private_key: bytes) -> bytes:
    return unseal(private_key, bytes(sealed.sealed))


def report_content(*, report: Report, data_key: bytes) -> dict[str, Any]:
    """The decrypted answers; raises ``DecryptionError`` if the ciphertext or key was tampered with."""
    content: dict[str, Any] = json.loads(
        decrypt(data_key, bytes(report.answers_ciphertext), context=answers_context(report.public_id))
    )
    return content


def report_identity(*, report: Report, identity_key: bytes) -> dict[str, Any]:
    identity: dict[str, Any] = json.loads(
        decrypt(identity_key, bytes(report.identity_ciphertext), context=identity_context(report.public_id))
    )
    return identity


def report_thread(*, report: Report, data_key: bytes) -> list[ThreadMessage]:
    return [
        ThreadMessage(
            author_kind=MessageAuthor(message.author_kind),
            created_at=message.created_at,
            text=decrypt(
                data_key,
                bytes(message.ciphertext),
                context=message_context(report.public_id, message.public_id),
            ).decode(),
        )
        for message in report.messages.all()
    ]

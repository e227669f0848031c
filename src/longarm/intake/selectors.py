import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.http import Http404

from longarm.accounts.models import StaffUser
from longarm.crypto.envelopes import decrypt, unseal
from longarm.intake.contexts import answers_context, identity_context, message_context
from longarm.intake.models import (
    KeyKind,
    MessageAuthor,
    ReadMark,
    RecipientKind,
    Report,
    SealedKey,
)


@dataclass(frozen=True)
class ThreadMessage:
    author_kind: MessageAuthor
    created_at: datetime
    text: str
    # A reporter's message that came after the reader last opened the report.
    new: bool = False


def caught_up(user: StaffUser) -> Exists:
    """Whether ``user`` has opened the report (the outer query's row) since its reporter last wrote."""
    return Exists(
        ReadMark.objects.filter(
            report=OuterRef("pk"), staff=user, seen_up_to__gte=OuterRef("last_reporter_message")
        )
    )


def unread_by(user: StaffUser) -> Q:
    """Whether the report (the outer query's row) has a message from its reporter that came after ``user``
    last opened it, or that ``user`` never opened it since it came (the report's kept thread state against
    the reader's read mark)."""
    return Q(last_reporter_message__isnull=False) & ~Q(caught_up(user))


def sealed_to(user: StaffUser) -> QuerySet[Report]:
    """Reports whose content key is sealed to ``user``, in no particular order."""
    sealed = SealedKey.objects.filter(
        report=OuterRef("pk"), kind=KeyKind.DATA, recipient_kind=RecipientKind.STAFF, staff=user
    )
    return Report.objects.filter(Exists(sealed))


def unread_report_count(*, user: StaffUser, up_to: int | None = None) -> int:
    """How many reports sealed to ``user`` have a reporter's message ``user`` has not seen; with ``up_to``,
    counted no further than that (two queries).

    Every console page asks it, so it walks the two indexes of the reports' kept thread state (those whose
    reporter wrote last, then those answered since) and, with ``up_to``, stops there: an exact count would
    look at every thread the reader holds on every page (a third of a second at 100k reports)."""
    unread = sealed_to(user).filter(unread_by(user))
    counted = 0
    for part in (unread.filter(awaiting_reply=True), unread.filter(awaiting_reply=False)):
        rows = part.order_by("urgency", "-id").values("pk")
        if up_to is None:
            counted += rows.count()
            continue
        counted += rows[: up_to - counted].count()
        if counted >= up_to:
            break
    return counted


def inbox_for_staff(*, user: StaffUser) -> QuerySet[Report]:
    """Reports whose content key is sealed to ``user``, most urgent and newest first. Each report carries
    ``unread`` and ``waiting`` (booleans); ``waiting_segments`` orders them "waiting for us" first."""
    reports = sealed_to(user).annotate(
        unread=ExpressionWrapper(unread_by(user), output_field=BooleanField()),
        waiting=F("awaiting_reply"),
    )
    # The urgency codes sort alphabetically in priority order (critical, high, normal; a test keeps it so).
    # Ordering by the stored code lets the database walk the (urgency, -id) index and stop after the first
    # page, checking the seal of each report it passes; ranking urgencies with a CASE expression made it
    # sort every report sealed to the user (a third of a second at 100k reports).
    return reports.order_by("urgency", "-id")


def waiting_segments(*, reports: QuerySet[Report], user: StaffUser) -> list[QuerySet[Report]]:
    """``reports`` (some of the reports sealed to ``user``) "waiting for us" first, in four consecutive
    parts, each in the inbox order: the reporter wrote last and ``user`` has not read it; the reporter wrote
    last and ``user`` has read it; a caseworker answered, but ``user`` has not read the reporter's newest
    message; all the rest. That is ordering by (waiting, unread) descending, then urgency and newest; but
    each part is a walk of an index of the report's kept thread state (``report_waiting_order``,
    ``report_answered_order``, ``report_inbox_order``) that stops after a page, where sorting on the two
    computed columns read every report the reader holds on every view (a quarter of a second at 100k)."""
    order = ("urgency", "-id")
    unread, read = unread_by(user), Q(caught_up(user))
    return [
        reports.filter(unread, awaiting_reply=True).order_by(*order),
        reports.filter(read, awaiting_reply=True).order_by(*order),
        reports.filter(unread, awaiting_reply=False).order_by(*order),
        reports.filter(Q(last_reporter_message__isnull=True) | read, awaiting_reply=False).order_by(*order),
    ]


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


def report_thread(*, report: Report, data_key: bytes, seen_up_to: int | None = None) -> list[ThreadMessage]:
    """The decrypted messages, oldest first; with ``seen_up_to`` (a reader's mark before this reading), the
    reporter's messages after it are ``new``."""
    return [
        ThreadMessage(
            author_kind=MessageAuthor(message.author_kind),
            created_at=message.created_at,
            new=(
                seen_up_to is not None
                and message.author_kind == MessageAuthor.REPORTER
                and message.position > seen_up_to
            ),
            text=decrypt(
                data_key,
                bytes(message.ciphertext),
                context=message_context(report.public_id, message.public_id),
            ).decode(),
        )
        for message in report.messages.all()
    ]

"""A report's thread state, kept on the report whenever a message is written or removed: whether the reporter
wrote last (``awaiting_reply``) and the place in the thread (``Message.position``) of their newest message
(``last_reporter_message``). Both say only what the messages' rows already say; kept on the report, they let
the inbox's "waiting for us first" order walk an index (``intake.waiting``) instead of looking at every
report's messages on every view."""

from django.db import transaction
from django.db.models import Max

from longarm.intake.models import Message, MessageAuthor, Report


def thread_state(report_id: int) -> tuple[bool, int | None]:
    """Whether the reporter wrote last, and the place in the thread of their newest message (None when they
    never wrote)."""
    newest = dict(
        Message.objects.filter(report_id=report_id)
        .order_by()
        .values("author_kind")
        .annotate(newest=Max("position"))
        .values_list("author_kind", "newest")
    )
    reporter, staff = newest.get(MessageAuthor.REPORTER), newest.get(MessageAuthor.STAFF)
    return reporter is not None and reporter > (staff or 0), reporter


def thread_changed(*, report_id: int) -> None:
    """Bring the report's thread state up to date with its messages, in the writer's transaction. The
    report's row is locked first: on PostgreSQL two messages written at once (the reporter's and a
    caseworker's) would otherwise each compute the state without the other's, and the later write could say
    nobody is waiting while the reporter's message sits unread."""
    with transaction.atomic():
        if (
            not Report.objects.select_for_update(no_key=True)
            .filter(pk=report_id)
            .values_list("pk", flat=True)
        ):
            return
        awaiting_reply, last_reporter_message = thread_state(report_id)
        Report.objects.filter(pk=report_id).update(
            awaiting_reply=awaiting_reply, last_reporter_message=last_reporter_message
        )

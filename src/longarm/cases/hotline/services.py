import json
from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from longarm.accounts.models import StaffUser
from longarm.audit.models import ActorKind
from longarm.audit.services import audit_append
from longarm.cases.hotline.selectors import report_calls
from longarm.crypto.envelopes import encrypt
from longarm.intake.contexts import calls_context
from longarm.intake.models import Message, Report
from longarm.intake.services import message_post


@transaction.atomic
def hotline_record_read(*, operator: StaffUser, report: Report) -> None:
    """Audit that the operator re-read a report they entered. Unlike a caseworker's reading, it does not
    mark the report read: nobody has acted on it yet."""
    audit_append(
        actor=operator,
        actor_kind=ActorKind.STAFF,
        action="report.read:hotline",
        object_type="report",
        object_id=str(report.public_id),
    )


@transaction.atomic
def hotline_follow_up(
    *, operator: StaffUser, report: Report, data_key: bytes, text: str, call: Mapping[str, object]
) -> Message:
    """Record a caller's new call about their report: what they add becomes their message in the thread
    (entered by ``operator``), and the call joins the report's encrypted list of calls.

    Returns the message."""
    calls = [
        *report_calls(report=report, data_key=data_key),
        {**call, "date": timezone.now().date().isoformat()},
    ]
    report.calls_ciphertext = encrypt(
        data_key, json.dumps(calls, separators=(",", ":")).encode(), context=calls_context(report.public_id)
    )
    report.save(update_fields=["calls_ciphertext"])
    return message_post(report=report, data_key=data_key, text=text, author=None, relayed_by=operator)

"""Recomputing the urgency of reports stored under an earlier urgency rule (issue 15).

A report's urgency is computed from the reporter's ticked answers when it is stored, and kept in clear for
triage. When the rule changes (``taxonomy/data/reporter_tactics.toml``), reports stored before keep the old
rating. The answers are sealed (in clear only with consent to statistics, and then coarsened), so the
recomputation reads them with the offline recovery key, in memory, for the run only.

A report whose urgency a caseworker set by judgement (``urgency_set_by``) is never touched: that decision and
its encrypted reason stand whatever the rule says. Why a recomputed report is rated so is not stored: the
report page derives it from the answers, under the same rule.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import transaction

from longarm.audit.models import ActorKind
from longarm.audit.services import audit_append
from longarm.core.keyring import check_recovery_key
from longarm.crypto.envelopes import unseal
from longarm.intake.models import KeyKind, RecipientKind, Report, SealedKey
from longarm.intake.selectors import report_content
from longarm.taxonomy.vocabularies import urgency_for

BATCH = 200


@dataclass(frozen=True)
class UrgencyRecount:
    """Counts only: how many reports were read, how many changed, and how many a caseworker had rated."""

    checked: int
    changed: int
    overridden: int


def _batches() -> Iterator[list[int]]:
    last = 0
    while True:
        batch = list(
            Report.objects.filter(pk__gt=last, urgency_set_by__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        if not batch:
            return
        last = batch[-1]
        yield batch


def _recovery_data_key(report: Report, recovery_private_key: bytes) -> bytes:
    sealed = SealedKey.objects.get(report=report, kind=KeyKind.DATA, recipient_kind=RecipientKind.RECOVERY)
    return unseal(recovery_private_key, bytes(sealed.sealed))


@transaction.atomic
def _recompute_one(pk: int, recovery_private_key: bytes) -> bool:
    """Recompute one report's urgency under a row lock; True when it changed. A caseworker's rating made
    since the batch was listed is respected."""
    report = Report.objects.select_for_update().get(pk=pk)
    if report.urgency_set_by_id is not None:
        return False
    content = report_content(report=report, data_key=_recovery_data_key(report, recovery_private_key))
    urgency = urgency_for(content.get("tactics") or ())
    if urgency == report.urgency:
        return False
    report.urgency = urgency
    report.save(update_fields=["urgency"])
    audit_append(
        actor=None,
        actor_kind=ActorKind.SYSTEM,
        action=f"report.urgency.recomputed:{urgency}",
        object_type="report",
        object_id=str(report.public_id),
    )
    return True


def reports_recompute_urgency(
    *, recovery_private_key: bytes, progress: Callable[[str], None] | None = None
) -> UrgencyRecount:
    """Give every report not rated by a caseworker the urgency the current rule gives its answers.

    Each report is changed in its own transaction with its audit event, so an interrupted run keeps what it
    did and a second run finishes the rest. Returns counts only. Raises ``KeyringError`` for a key that is
    not this installation's recovery key, and ``DecryptionError`` for tampered answers.
    """
    check_recovery_key(recovery_private_key)
    checked = changed = 0
    for batch in _batches():
        for pk in batch:
            checked += 1
            changed += _recompute_one(pk, recovery_private_key)
        if progress is not None:
            progress(f"{checked} reports read, {changed} changed.")
    overridden = Report.objects.filter(urgency_set_by__isnull=False).count()
    return UrgencyRecount(checked=checked, changed=changed, overridden=overridden)

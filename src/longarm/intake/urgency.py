"""Recomputing the urgency of reports stored under an earlier urgency rule (issue 15).

A report's urgency is computed from the reporter's ticked answers when it is stored, and kept in clear for
triage. When the rule changes (``taxonomy/data/reporter_tactics.toml``), reports stored before keep the old
rating. The answers are sealed (in clear only with consent to statistics, and then coarsened), so the
recomputation reads them with the offline recovery key, in memory, for the run only.

A report whose urgency a caseworker set by judgement (``urgency_set_by``) is never touched: that decision and
its encrypted reason stand whatever the rule says. Why a recomputed report is rated so is not stored: the
report page derives it from the answers, under the same rule.
"""

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from django.db import transaction

from longarm.audit.models import ActorKind
from longarm.audit.services import audit_append
from longarm.core.keyring import check_recovery_key
from longarm.crypto.envelopes import unseal
from longarm.crypto.errors import DecryptionError
from longarm.intake.models import KeyKind, RecipientKind, Report, SealedKey
from longarm.intake.selectors import report_content
from longarm.taxonomy.exceptions import UnknownCodeError
from longarm.taxonomy.vocabularies import urgency_for

BATCH = 200


class Skip(StrEnum):
    """Why a report could not be re-rated: a class of failure, never anything of the report."""

    # No data key sealed to the recovery key (a report stored without one, or its seal removed).
    NO_RECOVERY_SEAL = "no recovery seal"
    # The data key does not open with this recovery key: a recovery-key rotation is under way and this
    # report's seal has not yet been moved to the current key (run again once it has), or the seal was
    # altered.
    SEALED_TO_ANOTHER_KEY = "sealed to another recovery key"
    # The answers do not open with the report's data key (altered or truncated ciphertext).
    ANSWERS_UNREADABLE = "answers do not open"
    # The answers name a tactic the current vocabulary no longer has, so the current rule cannot rate them.
    REMOVED_CODE = "answers use a removed code"


class _Skipped(Exception):
    def __init__(self, reason: Skip) -> None:
        super().__init__(reason.value)
        self.reason = reason


@dataclass(frozen=True)
class UrgencyRecount:
    """Counts only: how many reports were read, how many changed, how many a caseworker had rated, and how
    many could not be re-rated, by the class of reason (``Skip``)."""

    checked: int
    changed: int
    overridden: int
    skipped: dict[Skip, int] = field(default_factory=dict)

    @property
    def unchanged(self) -> int:
        return self.checked - self.changed - sum(self.skipped.values())


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
    sealed = SealedKey.objects.filter(
        report=report, kind=KeyKind.DATA, recipient_kind=RecipientKind.RECOVERY
    ).first()
    if sealed is None:
        raise _Skipped(Skip.NO_RECOVERY_SEAL)
    try:
        return unseal(recovery_private_key, bytes(sealed.sealed))
    except DecryptionError:
        raise _Skipped(Skip.SEALED_TO_ANOTHER_KEY) from None


def _rated(report: Report, data_key: bytes) -> str:
    try:
        content = report_content(report=report, data_key=data_key)
    except DecryptionError:
        raise _Skipped(Skip.ANSWERS_UNREADABLE) from None
    try:
        return urgency_for(content.get("tactics") or ())
    except UnknownCodeError:
        raise _Skipped(Skip.REMOVED_CODE) from None


@transaction.atomic
def _recompute_one(pk: int, recovery_private_key: bytes) -> bool:
    """Recompute one report's urgency under a row lock; True when it changed. A caseworker's rating made
    since the batch was listed is respected. Raises ``_Skipped`` for a report it cannot re-rate, before
    writing anything."""
    report = Report.objects.select_for_update(no_key=True).get(pk=pk)
    if report.urgency_set_by_id is not None:
        return False
    urgency = _rated(report, _recovery_data_key(report, recovery_private_key))
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
    did and a second run finishes the rest. A report it cannot re-rate (no recovery seal, a seal to another
    recovery key while a rotation is under way, answers that do not open, a tactic code the vocabulary no
    longer has) is left as it is and counted by the class of reason, and the run goes on: one such report
    must not keep every later one under the old rule. Returns counts only. Raises ``KeyringError`` for a key
    that is not this installation's recovery key.
    """
    check_recovery_key(recovery_private_key)
    checked = changed = 0
    skipped: Counter[Skip] = Counter()
    for batch in _batches():
        for pk in batch:
            checked += 1
            try:
                changed += _recompute_one(pk, recovery_private_key)
            except _Skipped as skip:
                skipped[skip.reason] += 1
        if progress is not None:
            progress(f"{checked} reports read, {changed} changed, {skipped.total()} skipped.")
    overridden = Report.objects.filter(urgency_set_by__isnull=False).count()
    return UrgencyRecount(checked=checked, changed=changed, overridden=overridden, skipped=dict(skipped))

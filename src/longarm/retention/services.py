"""Retention by crypto-shredding (DESIGN §7, host-state overreach): when a report or case has stayed in a
status longer than configured, every key sealed for it and every ciphertext and file of it is destroyed, in
one transaction with an audit event that names only its public identifier.

Keys go first: once no sealed copy of a data key exists — not for staff, custodians, the reporter, nor the
organisation's recovery key — any copy of the ciphertext left in a backup is noise.
"""

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from longarm.accounts.models import StaffUser
from longarm.analytics.services import facts_forget_case, facts_forget_report
from longarm.audit.models import ActorKind
from longarm.audit.services import audit_append
from longarm.cases.models import Case, CaseKey, CaseReport
from longarm.core.database import release_freed_pages
from longarm.evidence.models import EvidenceBlob, EvidenceKey
from longarm.evidence.storage import delete_blobs_or_leave_to_sweep
from longarm.intake.models import Report, SealedKey, ShreddedReceipt
from longarm.linking.services import case_removed, linked_cases
from longarm.retention.exceptions import HoldRefused
from longarm.retention.models import HoldReason, RetentionHold

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetentionResult:
    reports: int
    cases: int


def _expired(field: str, days_by_status: dict[str, int], today: date) -> Q | None:
    rules = [
        Q(status=status, **{f"{field}__lte": today - timedelta(days=days)})
        for status, days in days_by_status.items()
        if days > 0
    ]
    if not rules:
        return None
    combined = rules[0]
    for rule in rules[1:]:
        combined |= rule
    return combined


def expired_reports(*, today: date) -> QuerySet[Report]:
    """Reports in no case whose status has a retention period that has run out since they arrived, and that
    no staff member has put on hold past today."""
    rule = _expired("received_on", settings.LONGARM_RETENTION_DAYS["report"], today)
    if rule is None:
        return Report.objects.none()
    held = RetentionHold.objects.filter(report__isnull=False, until__gte=today).values("report_id")
    return Report.objects.filter(rule, case_link__isnull=True).exclude(pk__in=held)


def expired_cases(*, today: date) -> QuerySet[Case]:
    """Cases whose status has a retention period that has run out since the status last changed. A case
    flagged "do not remove" is kept: its record may be what protects the person from removal."""
    rule = _expired("status_changed_on", settings.LONGARM_RETENTION_DAYS["case"], today)
    if rule is None:
        return Case.objects.none()
    held = RetentionHold.objects.filter(case__isnull=False, until__gte=today).values("case_id")
    return Case.objects.filter(rule, do_not_remove=False).exclude(pk__in=held)


def _shred_evidence(report: Report) -> None:
    blobs = EvidenceBlob.objects.filter(item__report=report)
    names = list(blobs.values_list("storage_name", flat=True))
    EvidenceKey.objects.filter(blob__in=blobs).delete()
    # Files go once the keys are gone for good; a rolled-back shred must leave them readable. Storage out
    # of reach leaves them to the orphan sweep: no row names them any more, and without their keys they
    # are noise already.
    transaction.on_commit(lambda: delete_blobs_or_leave_to_sweep(names))


@transaction.atomic
def report_shred(*, report: Report) -> None:
    """Destroy a report's keys, ciphertexts, messages and evidence files, leaving one audit event."""
    public_id = str(report.public_id)
    _shred_evidence(report)
    facts_forget_report(report=report)
    SealedKey.objects.filter(report=report).delete()
    if settings.LONGARM_RETENTION_NOTICE_DAYS > 0:
        ShreddedReceipt.objects.get_or_create(
            receipt_lookup_hash=bytes(report.receipt_lookup_hash),
            defaults={"shredded_in": timezone.now().date().replace(day=1)},
        )
    report.delete()
    audit_append(
        actor=None,
        actor_kind=ActorKind.SYSTEM,
        action="report.shredded",
        object_type="report",
        object_id=public_id,
    )


@transaction.atomic
def case_shred(*, case: Case) -> None:
    """Destroy a case (keys, notes, incidents, persons, identifiers, referrals) and every report it groups."""
    public_id = str(case.public_id)
    facts_forget_case(case=case)
    for report in Report.objects.filter(case_link__case=case):
        report_shred(report=report)
    CaseKey.objects.filter(case=case).delete()
    neighbours = linked_cases({case.pk})
    case.delete()
    case_removed(neighbours=neighbours)
    audit_append(
        actor=None,
        actor_kind=ActorKind.SYSTEM,
        action="case.shredded",
        object_type="case",
        object_id=public_id,
    )


def retention_apply(*, today: date | None = None) -> RetentionResult:
    """Shred every expired case (with its reports), then every expired report outside a case. Each is its
    own transaction, so one failure leaves the others done. Returns how many of each were shredded."""
    today = today or timezone.now().date()
    cases = 0
    for case in expired_cases(today=today).iterator():
        case_shred(case=case)
        cases += 1
    reports = 0
    for report in expired_reports(today=today).iterator():
        report_shred(report=report)
        reports += 1
    notice_limit = today - timedelta(days=settings.LONGARM_RETENTION_NOTICE_DAYS)
    ShreddedReceipt.objects.filter(shredded_in__lt=notice_limit).delete()
    if cases or reports:
        release_freed_pages()
        logger.info("Retention shredded %d cases and %d reports", cases, reports)
    return RetentionResult(reports=reports, cases=cases)


@transaction.atomic
def retention_postpone(
    *,
    actor: StaffUser,
    until: date,
    reason: str,
    report: Report | None = None,
    case: Case | None = None,
    today: date | None = None,
) -> RetentionHold:
    """Keep ``report`` (outside a case) or ``case`` from being shredded before ``until`` has passed, for a
    coded ``reason``; audited. Raises ``HoldRefused`` for a date not in the future, one further ahead than
    ``LONGARM_RETENTION_HOLD_MAX_DAYS``, an unknown reason, or a report that belongs to a case (its case's
    retention decides). The caller has checked that ``actor`` may read the object."""
    today = today or timezone.now().date()
    if (report is None) == (case is None):
        raise HoldRefused("one object")
    if reason not in HoldReason.values:
        raise HoldRefused("reason")
    if until <= today or until > today + timedelta(days=settings.LONGARM_RETENTION_HOLD_MAX_DAYS):
        raise HoldRefused("until")
    if report is not None and CaseReport.objects.filter(report=report).exists():
        raise HoldRefused("in case")
    hold = RetentionHold.objects.create(
        report=report, case=case, until=until, reason=reason, created_by=actor, created_on=today
    )
    kind, public_id = ("report", report.public_id) if report is not None else ("case", case.public_id)  # type: ignore[union-attr]
    audit_append(
        actor=actor,
        actor_kind=ActorKind.STAFF,
        action=f"{kind}.retention_postponed:{reason}",
        object_type=kind,
        object_id=str(public_id),
    )
    return hold

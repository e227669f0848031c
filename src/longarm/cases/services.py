"""Writes on cases. Every service runs in one transaction with its audit event; keys are opened with the
acting staff member's private key and sealed to colleagues' public keys (DESIGN §3)."""

import secrets
from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.utils import timezone

from longarm.accounts.models import CONTENT_ROLES, StaffUser
from longarm.analytics.services import facts_sync_case
from longarm.audit.models import ActorKind
from longarm.audit.services import audit_append
from longarm.cases.auditing import audit_case_act
from longarm.cases.codes import case_codes_refresh
from longarm.cases.contexts import note_context, summary_context
from longarm.cases.exceptions import InvalidTransition, NotAllowed
from longarm.cases.keys import (
    custodians,
    decrypt_json,
    encrypt_json,
    has_case_key,
    open_case_key,
    open_report_key,
    seal_case_key,
    seal_report_key,
)
from longarm.cases.models import (
    ALLOWED_TRANSITIONS,
    Assignment,
    Case,
    CaseKey,
    CaseKeyKind,
    CaseReport,
    CaseStatus,
    Note,
)
from longarm.crypto.envelopes import encrypt, new_data_key
from longarm.evidence.keys import evidence_keys_revoke, evidence_keys_share
from longarm.intake.contexts import urgency_reason_context
from longarm.intake.models import KeyKind, RecipientKind, Report, SealedKey


def _new_reference(today: date) -> str:
    while True:
        reference = f"LA-{today:%Y}-{secrets.randbelow(10**6):06d}"
        if not Case.objects.filter(reference=reference).exists():
            return reference


def _identity_holders(report: Report) -> list[StaffUser]:
    return list(
        StaffUser.objects.filter(
            is_active=True,
            sealedkey__report=report,
            sealedkey__kind=KeyKind.IDENTITY,
            sealedkey__recipient_kind=RecipientKind.STAFF,
        )
    )


def reports_lock(reports: Iterable[Report]) -> None:
    """Lock the reports' rows, in the order of their primary keys, until the caller's transaction ends.

    Whoever groups a report into a case takes this first: two staff members opening a case from the same
    report at once then queue, and the second finds the report grouped (``NotAllowed``) instead of both
    passing the check and one failing on the database's unique constraint. One order for every caller, so
    two groupings of overlapping reports cannot wait on each other. ``FOR NO KEY UPDATE``: foreign-key checks
    of other transactions' writes referencing the reports (read marks, messages) are not held up.
    """
    pks = sorted({report.pk for report in reports})
    list(Report.objects.select_for_update(no_key=True).filter(pk__in=pks).order_by("pk").values_list("pk"))


@transaction.atomic
def case_open(
    *, actor: StaffUser, private_key: bytes, report: Report, summary: str = "", language: str = ""
) -> Case:
    """Open a case for ``report``, which ``actor`` can read. Returns the case; raises ``NoAccess`` when the
    report's key is not sealed to ``actor`` and ``NotAllowed`` when the report is already in a case.
    ``language`` is the reporter's language, kept with the summary under the case data key."""
    reports_lock([report])
    if CaseReport.objects.filter(report=report).exists():
        raise NotAllowed
    open_report_key(report=report, kind=KeyKind.DATA, staff=actor, private_key=private_key)
    today = timezone.now().date()
    case = Case(
        reference=_new_reference(today), urgency=report.urgency, opened_on=today, status_changed_on=today
    )
    data_key, identity_key = new_data_key(), new_data_key()
    case.summary_ciphertext = encrypt_json(
        data_key, {"summary": summary, "language": language}, context=summary_context(case.public_id)
    )
    case.save()
    CaseReport.objects.create(case=case, report=report)
    case_codes_refresh(case)
    for holder in (actor, None):
        seal_case_key(case=case, kind=CaseKeyKind.DATA, key=data_key, staff=holder)
    for holder in [*custodians(), *_identity_holders(report), None]:
        seal_case_key(case=case, kind=CaseKeyKind.IDENTITY, key=identity_key, staff=holder)
    Assignment.objects.create(case=case, staff=actor, assigned_by=actor, assigned_on=today)
    facts_sync_case(case=case)
    audit_case_act(actor, "case.open", case)
    return case


@transaction.atomic
def case_grant(*, actor: StaffUser, private_key: bytes, case: Case, grantee: StaffUser) -> Assignment:
    """Give ``grantee`` the case: its data key and every grouped report's key are re-sealed to them.

    Raises ``NotAllowed`` for a grantee whose role reads no content, ``NoAccess`` if ``actor`` lacks a key.
    """
    if grantee.role not in CONTENT_ROLES or not grantee.is_active:
        raise NotAllowed
    data_key = open_case_key(case=case, kind=CaseKeyKind.DATA, staff=actor, private_key=private_key)
    seal_case_key(case=case, kind=CaseKeyKind.DATA, key=data_key, staff=grantee)
    for link in case.case_reports.select_related("report"):
        report_key = open_report_key(
            report=link.report, kind=KeyKind.DATA, staff=actor, private_key=private_key
        )
        seal_report_key(report=link.report, kind=KeyKind.DATA, key=report_key, staff=grantee)
        evidence_keys_share(report=link.report, holder=actor, private_key=private_key, grantee=grantee)
    assignment, _ = Assignment.objects.get_or_create(
        case=case, staff=grantee, defaults={"assigned_by": actor, "assigned_on": timezone.now().date()}
    )
    audit_case_act(actor, f"case.grant:{grantee.pk}", case)
    return assignment


@transaction.atomic
def case_revoke(*, actor: StaffUser, case: Case, staff: StaffUser) -> None:
    """Remove ``staff``'s seals of the case and of its reports, and their assignment."""
    if staff == actor:
        raise NotAllowed
    CaseKey.objects.filter(case=case, staff=staff).delete()
    SealedKey.objects.filter(
        report__case_link__case=case, recipient_kind=RecipientKind.STAFF, staff=staff
    ).delete()
    evidence_keys_revoke(reports=Report.objects.filter(case_link__case=case), staff=staff)
    Assignment.objects.filter(case=case, staff=staff).delete()
    audit_case_act(actor, f"case.revoke:{staff.pk}", case)


@transaction.atomic
def case_change_status(*, actor: StaffUser, case: Case, status: CaseStatus) -> Case:
    """Move the case along the workflow; raises ``InvalidTransition`` for an edge the workflow lacks."""
    if status not in ALLOWED_TRANSITIONS[CaseStatus(case.status)]:
        raise InvalidTransition
    case.status = status
    case.status_changed_on = timezone.now().date()
    case.save(update_fields=["status", "status_changed_on"])
    audit_case_act(actor, f"case.status:{status}", case)
    return case


@transaction.atomic
def case_triage(
    *, actor: StaffUser, case: Case, urgency: str, due_on: date | None, do_not_remove: bool
) -> Case:
    case.urgency, case.due_on, case.do_not_remove = urgency, due_on, do_not_remove
    case.save(update_fields=["urgency", "due_on", "do_not_remove"])
    audit_case_act(actor, "case.triage", case)
    return case


@transaction.atomic
def note_add(*, actor: StaffUser, private_key: bytes, case: Case, text: str) -> Note:
    data_key = open_case_key(case=case, kind=CaseKeyKind.DATA, staff=actor, private_key=private_key)
    note = Note(case=case, author=actor, created_at=timezone.now().replace(second=0, microsecond=0))
    note.ciphertext = encrypt_json(
        data_key, {"text": text}, context=note_context(case.public_id, note.public_id)
    )
    note.save()
    audit_case_act(actor, "case.note", case)
    return note


def case_members(case: Case) -> list[StaffUser]:
    """Active holders of the case: an account that can no longer log in is never sealed anything new."""
    return list(
        StaffUser.objects.filter(
            is_active=True, casekey__case=case, casekey__kind=CaseKeyKind.DATA
        ).distinct()
    )


@transaction.atomic
def case_add_report(*, actor: StaffUser, private_key: bytes, case: Case, report: Report) -> None:
    """Group one more report into ``case``: its key is sealed to every member of the case."""
    reports_lock([report])
    if CaseReport.objects.filter(report=report).exists():
        raise NotAllowed
    report_key = open_report_key(report=report, kind=KeyKind.DATA, staff=actor, private_key=private_key)
    open_case_key(case=case, kind=CaseKeyKind.DATA, staff=actor, private_key=private_key)
    CaseReport.objects.create(case=case, report=report)
    case_codes_refresh(case)
    for member in case_members(case):
        seal_report_key(report=report, kind=KeyKind.DATA, key=report_key, staff=member)
        evidence_keys_share(report=report, holder=actor, private_key=private_key, grantee=member)
    facts_sync_case(case=case)
    audit_case_act(actor, f"case.add_report:{report.public_id}", case)


def is_member(*, case: Case, staff: StaffUser) -> bool:
    return has_case_key(case=case, kind=CaseKeyKind.DATA, staff=staff)


@transaction.atomic
def case_edit_summary(*, actor: StaffUser, private_key: bytes, case: Case, summary: str) -> Case:
    """Replace the case's summary; raises ``NoAccess`` without the case data key."""
    data_key = open_case_key(case=case, kind=CaseKeyKind.DATA, staff=actor, private_key=private_key)
    context = summary_context(case.public_id)
    # The reporter's language stays with the summary it is stored with.
    stored = decrypt_json(data_key, case.summary_ciphertext, context=context)
    case.summary_ciphertext = encrypt_json(data_key, {**stored, "summary": summary}, context=context)
    case.save(update_fields=["summary_ciphertext"])
    audit_case_act(actor, "case.summary", case)
    return case


@transaction.atomic
def case_record_read(*, actor: StaffUser, case: Case, reports: list[Report]) -> None:
    """Audit that ``actor`` read the case file and the grouped reports shown in it."""
    audit_case_act(actor, "case.read", case)
    for report in reports:
        audit_append(
            actor=actor,
            actor_kind=ActorKind.STAFF,
            action="report.read:case",
            object_type="report",
            object_id=str(report.public_id),
        )


@transaction.atomic
def case_record_search(*, actor: StaffUser, searched: int, hits: list[Case]) -> None:
    """Audit a full-text search: it decrypted ``searched`` cases in memory and showed ``hits``."""
    audit_append(
        actor=actor,
        actor_kind=ActorKind.STAFF,
        action=f"case.search:{searched}",
        object_type="staff",
        object_id=str(actor.pk),
    )
    for case in hits:
        audit_case_act(actor, "case.read:search", case)


@transaction.atomic
def report_set_urgency(
    *, actor: StaffUser, report: Report, data_key: bytes, urgency: str, reason: str
) -> Report:
    """Set the report's urgency by a caseworker's judgement, replacing what the reporter's answers gave.

    The reason is kept under the report's data key (it may retell what the report says); who set it is
    kept in clear beside the urgency, which triage needs before anyone opens the report. Returns the report.
    """
    report.urgency = urgency
    report.urgency_set_by = actor
    report.urgency_reason_ciphertext = encrypt(
        data_key, reason.encode(), context=urgency_reason_context(report.public_id)
    )
    report.save(update_fields=["urgency", "urgency_set_by", "urgency_reason_ciphertext"])
    audit_append(
        actor=actor,
        actor_kind=ActorKind.STAFF,
        action="report.urgency",
        object_type="report",
        object_id=str(report.public_id),
    )
    return report

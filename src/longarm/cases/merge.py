"""Merging two cases and splitting a report off into its own case.

Every ciphertext is bound to its case by its associated data and encrypted under that case's keys, so moving
content between cases means decrypting it with the old case's key and context and encrypting it again with
the new ones; nothing is moved as opaque bytes."""

from django.db import transaction

from longarm.accounts.models import StaffUser
from longarm.analytics.services import facts_sync_case
from longarm.cases.auditing import audit_case_act
from longarm.cases.codes import case_codes_refresh
from longarm.cases.contexts import (
    identifier_context,
    incident_context,
    note_context,
    person_details_context,
    person_identity_context,
    summary_context,
)
from longarm.cases.exceptions import NotAllowed
from longarm.cases.keys import (
    decrypt_json,
    encrypt_json,
    has_case_key,
    open_case_key,
    open_report_key,
    seal_report_key,
)
from longarm.cases.models import Case, CaseKeyKind, CaseReport, Referral
from longarm.cases.referrals.contexts import details_context, event_context, identity_context
from longarm.cases.search_index import search_cases_changed
from longarm.cases.services import case_members, case_open
from longarm.evidence.keys import evidence_keys_share
from longarm.intake.models import KeyKind, Report
from longarm.linking.services import case_merged
from longarm.taxonomy.vocabularies import URGENCIES

# What a case owns besides its content: deleted with the merged case once its content has moved.
_DISPOSABLE = frozenset({"keys", "assignments", "codes"})


class _Rekey:
    """Decrypt under the source case's key and context, encrypt under the target's."""

    def __init__(self, *, source: Case, target: Case, old_key: bytes, new_key: bytes) -> None:
        self.source, self.target, self.old_key, self.new_key = source, target, old_key, new_key

    def __call__(self, ciphertext: bytes | memoryview, old_context: bytes, new_context: bytes) -> bytes:
        value = decrypt_json(self.old_key, ciphertext, context=old_context)
        return encrypt_json(self.new_key, value, context=new_context)


def _needs_identity(case: Case) -> bool:
    return (
        case.persons.exclude(identity_ciphertext=b"").exists()
        or case.referrals.filter(identity_ciphertext__isnull=False).exclude(identity_ciphertext=b"").exists()
    )


def _identity_rekey(actor: StaffUser, private_key: bytes, source: Case, target: Case) -> _Rekey | None:
    if not _needs_identity(source):
        return None
    holds = all(has_case_key(case=c, kind=CaseKeyKind.IDENTITY, staff=actor) for c in (source, target))
    if not holds:
        raise NotAllowed
    return _Rekey(
        source=source,
        target=target,
        old_key=open_case_key(case=source, kind=CaseKeyKind.IDENTITY, staff=actor, private_key=private_key),
        new_key=open_case_key(case=target, kind=CaseKeyKind.IDENTITY, staff=actor, private_key=private_key),
    )


def _move_reports(actor: StaffUser, private_key: bytes, source: Case, target: Case) -> None:
    members = case_members(target)
    for link in source.case_reports.select_related("report"):
        key = open_report_key(report=link.report, kind=KeyKind.DATA, staff=actor, private_key=private_key)
        for member in members:
            seal_report_key(report=link.report, kind=KeyKind.DATA, key=key, staff=member)
            evidence_keys_share(report=link.report, holder=actor, private_key=private_key, grantee=member)
    source.case_reports.update(case=target)
    # A queryset update sends no signal: the readers of the target find the moved reports from now on.
    search_cases_changed(case_ids=[target.pk])


def _move_content(source: Case, target: Case, data: _Rekey, identity: _Rekey | None) -> None:
    s, t = source.public_id, target.public_id
    for note in source.notes.all():
        note.ciphertext = data(
            note.ciphertext, note_context(s, note.public_id), note_context(t, note.public_id)
        )
        note.case = target
        note.save(update_fields=["ciphertext", "case"])
    for incident in source.incidents.all():
        incident.description_ciphertext = data(
            incident.description_ciphertext,
            incident_context(s, incident.public_id),
            incident_context(t, incident.public_id),
        )
        incident.case = target
        incident.save(update_fields=["description_ciphertext", "case"])
    for person in source.persons.all():
        pid = person.public_id
        person.details_ciphertext = data(
            person.details_ciphertext, person_details_context(s, pid), person_details_context(t, pid)
        )
        if person.identity_ciphertext and identity is not None:
            person.identity_ciphertext = identity(
                person.identity_ciphertext, person_identity_context(s, pid), person_identity_context(t, pid)
            )
        person.case = target
        person.save(update_fields=["details_ciphertext", "identity_ciphertext", "case"])
    for identifier in source.identifiers.all():
        identifier.ciphertext = data(
            identifier.ciphertext,
            identifier_context(s, identifier.public_id),
            identifier_context(t, identifier.public_id),
        )
        identifier.case = target
        identifier.save(update_fields=["ciphertext", "case"])
    for referral in source.referrals.select_related("case"):
        _move_referral(referral, target, data, identity)
    source.attestations.update(case=target)


def _move_referral(referral: Referral, target: Case, data: _Rekey, identity: _Rekey | None) -> None:
    old = {"details": details_context(referral), "identity": identity_context(referral)}
    old_events = {event.pk: event_context(referral, event.pk) for event in referral.events.all()}
    referral.case = target
    referral.details_ciphertext = data(referral.details_ciphertext, old["details"], details_context(referral))
    if referral.identity_ciphertext and identity is not None:
        referral.identity_ciphertext = identity(
            referral.identity_ciphertext, old["identity"], identity_context(referral)
        )
    referral.save(update_fields=["case", "details_ciphertext", "identity_ciphertext"])
    for event in referral.events.all():
        event.note_ciphertext = data(
            event.note_ciphertext, old_events[event.pk], event_context(referral, event.pk)
        )
        event.save(update_fields=["note_ciphertext"])


def _left_behind(case: Case) -> list[str]:
    """Names of related records still pointing at ``case`` that deleting it would destroy."""
    left = []
    for relation in case._meta.related_objects:
        name = relation.get_accessor_name()
        if name is None or name in _DISPOSABLE or not relation.one_to_many:
            continue
        if getattr(case, name).exists():
            left.append(name)
    return left


@transaction.atomic
def case_merge(*, actor: StaffUser, private_key: bytes, target: Case, source: Case) -> Case:
    """Move everything of ``source`` into ``target`` and delete ``source``; returns ``target``.

    The source's reports are sealed to every member of the target; its notes, incidents, persons,
    identifiers and referrals are re-encrypted under the target's keys and contexts. Raises ``NoAccess`` when
    ``actor`` lacks a data key of either case or a report key of the source, and ``NotAllowed`` when the
    cases are the same or the source holds names under its identity key and ``actor`` lacks either
    identity key.
    """
    if source.pk == target.pk:
        raise NotAllowed
    data = _Rekey(
        source=source,
        target=target,
        old_key=open_case_key(case=source, kind=CaseKeyKind.DATA, staff=actor, private_key=private_key),
        new_key=open_case_key(case=target, kind=CaseKeyKind.DATA, staff=actor, private_key=private_key),
    )
    identity = _identity_rekey(actor, private_key, source, target)
    _move_reports(actor, private_key, source, target)
    _move_content(source, target, data, identity)
    stored = [
        decrypt_json(key, case.summary_ciphertext, context=summary_context(case.public_id))
        for key, case in ((data.new_key, target), (data.old_key, source))
    ]
    summaries = [item["summary"] for item in stored]
    languages = [item.get("language", "") for item in stored]
    target.summary_ciphertext = encrypt_json(
        data.new_key,
        {
            "summary": "\n\n".join(text for text in summaries if text),
            "language": next((code for code in languages if code), ""),
        },
        context=summary_context(target.public_id),
    )
    target.urgency = max(target.urgency, source.urgency, key=URGENCIES.index)
    due = [day for day in (target.due_on, source.due_on) if day is not None]
    target.due_on = min(due) if due else None
    target.do_not_remove = target.do_not_remove or source.do_not_remove
    target.save(update_fields=["summary_ciphertext", "urgency", "due_on", "do_not_remove"])
    case_merged(source=source, target=target)
    if _left_behind(source):
        # Content of a kind this merge does not know how to re-encrypt: refuse rather than destroy it.
        raise NotAllowed
    audit_case_act(actor, f"case.merge_into:{target.public_id}", source)
    audit_case_act(actor, f"case.merge_from:{source.public_id}", target)
    source.delete()
    facts_sync_case(case=target)
    case_codes_refresh(target)
    return target


@transaction.atomic
def case_split(*, actor: StaffUser, private_key: bytes, case: Case, report: Report) -> Case:
    """Take ``report`` out of ``case`` into a new case of its own, opened by ``actor``; returns the new case.

    Raises ``NotAllowed`` when the report is not in the case or is its only report, and ``NoAccess`` when
    ``actor`` holds no key of the case or of the report.
    """
    link = CaseReport.objects.filter(case=case, report=report).first()
    if link is None or case.case_reports.count() < 2:
        raise NotAllowed
    open_case_key(case=case, kind=CaseKeyKind.DATA, staff=actor, private_key=private_key)
    open_report_key(report=report, kind=KeyKind.DATA, staff=actor, private_key=private_key)
    link.delete()
    case_codes_refresh(case)
    new_case = case_open(actor=actor, private_key=private_key, report=report)
    facts_sync_case(case=case)
    audit_case_act(actor, f"case.split:{new_case.public_id}", case)
    return new_case

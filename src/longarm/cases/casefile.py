"""The decrypted case file shown on the case page: summary, grouped reports, people, incidents, identifiers,
notes and the timeline. Decryption happens here, in memory, with keys the reader unsealed."""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.utils.translation import gettext as _

from longarm.accounts.models import StaffUser
from longarm.audit.models import AuditEvent
from longarm.cases.contexts import (
    identifier_context,
    incident_context,
    note_context,
    person_details_context,
    person_identity_context,
    summary_context,
)
from longarm.cases.keys import decrypt_json
from longarm.cases.models import (
    Assignment,
    Case,
    CaseStatus,
    DatePrecision,
    Identifier,
    Incident,
    Involvement,
    Person,
)
from longarm.cases.selectors import CaseKeys, case_for_user, case_keys
from longarm.cases.services import case_record_read
from longarm.crypto.envelopes import unseal
from longarm.federation.selectors import PartnerFinding, findings_for
from longarm.intake.models import KeyKind, RecipientKind, Report, SealedKey
from longarm.intake.selectors import report_content
from longarm.linking.selectors import CaseLinking, IdentifierLinks, case_linking, identifier_links


@dataclass(frozen=True)
class IdentifierView:
    identifier: Identifier
    value: str
    # Other cases sharing a match key with it; None when there are none.
    links: IdentifierLinks | None = None
    # Partner deployments whose latest run found it in common (issue 19).
    partners: list[PartnerFinding] = field(default_factory=list)


@dataclass(frozen=True)
class PersonView:
    person: Person
    details: dict[str, Any]
    # None when the reader holds no identity key of the case: they see the pseudonym only.
    identity: dict[str, Any] | None
    identifiers: list[IdentifierView] = field(default_factory=list)


@dataclass(frozen=True)
class IncidentView:
    incident: Incident
    description: str
    involvements: list[Involvement]

    @property
    def date_label(self) -> str:
        return incident_date_label(self.incident)


@dataclass(frozen=True)
class NoteView:
    author: StaffUser
    created_at: datetime
    text: str


@dataclass(frozen=True)
class GroupedReport:
    report: Report
    # The reporter's own words, when the report's key is sealed to the reader; else None.
    what_happened: str | None


@dataclass(frozen=True)
class TimelineEntry:
    sort_key: tuple[int, int, int, int]
    when: str
    approximate: bool
    kind: str
    text: str
    by: StaffUser | None = None


@dataclass(frozen=True)
class CaseFile:
    case: Case
    summary: str
    identity_holder: bool
    reports: list[GroupedReport]
    members: list[Assignment]
    persons: list[PersonView]
    incidents: list[IncidentView]
    unattached_identifiers: list[IdentifierView]
    notes: list[NoteView]
    timeline: list[TimelineEntry]
    linking: CaseLinking | None = None
    # The reporter's language, when the case was opened from a report ("" when unknown).
    language: str = ""


def incident_date_label(incident: Incident) -> str:
    """The date at its stated precision, in ISO order ("2025-03"); empty when unknown."""
    if incident.year is None or incident.precision == DatePrecision.UNKNOWN:
        return ""
    if incident.precision == DatePrecision.YEAR or incident.month is None:
        return f"{incident.year:04d}"
    if incident.precision == DatePrecision.MONTH or incident.day is None:
        return f"{incident.year:04d}-{incident.month:02d}"
    return f"{incident.year:04d}-{incident.month:02d}-{incident.day:02d}"


def _day_key(day: date) -> tuple[int, int, int, int]:
    return (day.year, day.month, day.day, 1)


def _persons(
    case: Case, keys: CaseKeys, links: dict[int, IdentifierLinks]
) -> tuple[list[PersonView], list[IdentifierView]]:
    identifiers: dict[int | None, list[IdentifierView]] = {}
    ordered = list(case.identifiers.order_by("kind", "id"))
    partners = findings_for(ordered)
    for identifier in ordered:
        value = decrypt_json(
            keys.data, identifier.ciphertext, context=identifier_context(case.public_id, identifier.public_id)
        )["value"]
        identifiers.setdefault(identifier.person_id, []).append(
            IdentifierView(identifier, value, links.get(identifier.pk), partners.get(identifier.pk, []))
        )
    persons = []
    for person in case.persons.all():
        identity = None
        if keys.identity is not None and person.identity_ciphertext:
            identity = decrypt_json(
                keys.identity,
                person.identity_ciphertext,
                context=person_identity_context(case.public_id, person.public_id),
            )
        elif keys.identity is not None:
            identity = {}
        details = decrypt_json(
            keys.data,
            person.details_ciphertext,
            context=person_details_context(case.public_id, person.public_id),
        )
        persons.append(PersonView(person, details, identity, identifiers.get(person.pk, [])))
    return persons, identifiers.get(None, [])


def _incidents(case: Case, keys: CaseKeys) -> list[IncidentView]:
    return [
        IncidentView(
            incident=incident,
            description=decrypt_json(
                keys.data,
                incident.description_ciphertext,
                context=incident_context(case.public_id, incident.public_id),
            )["description"],
            involvements=list(incident.involvements.all()),
        )
        for incident in case.incidents.prefetch_related("involvements__person")
    ]


def _reports(case: Case, user: StaffUser, private_key: bytes) -> list[GroupedReport]:
    sealed = {
        item.report_id: bytes(item.sealed)
        for item in SealedKey.objects.filter(
            report__case_link__case=case, kind=KeyKind.DATA, recipient_kind=RecipientKind.STAFF, staff=user
        )
    }
    grouped = []
    for link in case.case_reports.select_related("report").order_by("report__received_on", "report_id"):
        report = link.report
        words = None
        if report.pk in sealed:
            key = unseal(private_key, sealed[report.pk])
            words = str(report_content(report=report, data_key=key).get("what_happened", ""))
        grouped.append(GroupedReport(report=report, what_happened=words))
    return grouped


def _status_label(action: str) -> str | None:
    if action == "case.open":
        return _("Case opened")
    if action.startswith("case.status:"):
        code = action.removeprefix("case.status:")
        label = CaseStatus(code).label if code in CaseStatus.values else code
        return _("Status changed to %(status)s") % {"status": label}
    if action.startswith("case.merge_from:"):
        return _("Another case was merged into this one")
    if action.startswith("case.split:"):
        return _("A report was split off into a new case")
    if action.startswith("case.add_report:"):
        return _("A report was added to the case")
    return None


def _timeline(case: Case, incidents: list[IncidentView], notes: list[NoteView]) -> list[TimelineEntry]:
    entries = [
        TimelineEntry(
            sort_key=(view.incident.year or 0, view.incident.month or 0, view.incident.day or 0, 0),
            when=view.date_label,
            approximate=view.incident.approximate,
            kind="incident",
            text=view.description,
        )
        for view in incidents
    ]
    entries += [
        TimelineEntry(
            sort_key=_day_key(note.created_at.date()),
            when=f"{note.created_at:%Y-%m-%d}",
            approximate=False,
            kind="note",
            text=note.text,
            by=note.author,
        )
        for note in notes
    ]
    events = AuditEvent.objects.filter(object_type="case", object_id=str(case.public_id)).select_related(
        "actor"
    )
    for event in events:
        label = _status_label(event.action)
        if label is not None:
            entries.append(
                TimelineEntry(
                    sort_key=_day_key(event.created_at.date()),
                    when=f"{event.created_at:%Y-%m-%d}",
                    approximate=False,
                    kind="action",
                    text=label,
                    by=event.actor,
                )
            )
    for referral in case.referrals.all():
        day = referral.sent_on or referral.created_on
        entries.append(
            TimelineEntry(
                sort_key=_day_key(day),
                when=f"{day:%Y-%m-%d}",
                approximate=False,
                kind="referral",
                text=_("Referral: %(kind)s (%(status)s)")
                % {"kind": referral.get_kind_display(), "status": referral.get_status_display()},
            )
        )
    return sorted(entries, key=lambda entry: entry.sort_key)


def case_file(*, case: Case, user: StaffUser, private_key: bytes, keys: CaseKeys) -> CaseFile:
    """Decrypt everything on ``case`` that ``user`` can read; raises ``DecryptionError`` on tampering."""
    notes = [
        NoteView(
            author=note.author,
            created_at=note.created_at,
            text=decrypt_json(
                keys.data, note.ciphertext, context=note_context(case.public_id, note.public_id)
            )["text"],
        )
        for note in case.notes.select_related("author")
    ]
    persons, unattached = _persons(case, keys, identifier_links(case=case, user=user))
    incidents = _incidents(case, keys)
    stored = decrypt_json(keys.data, case.summary_ciphertext, context=summary_context(case.public_id))
    return CaseFile(
        case=case,
        summary=stored["summary"],
        language=stored.get("language", ""),
        identity_holder=keys.identity is not None,
        reports=_reports(case, user, private_key),
        members=list(case.assignments.select_related("staff").order_by("staff__username")),
        persons=persons,
        incidents=incidents,
        unattached_identifiers=unattached,
        notes=notes,
        timeline=_timeline(case, incidents, notes),
        linking=case_linking(case=case),
    )


def case_file_open(*, user: StaffUser, private_key: bytes, public_id: UUID) -> tuple[Case, CaseFile]:
    """The case ``user`` may read and its decrypted file, the reading audited (console and API alike).

    Raises ``Http404`` (through ``case_for_user``) when the case is not sealed to ``user``.
    """
    case = case_for_user(user=user, public_id=public_id)
    file = case_file(
        case=case,
        user=user,
        private_key=private_key,
        keys=case_keys(case=case, user=user, private_key=private_key),
    )
    case_record_read(
        actor=user,
        case=case,
        reports=[item.report for item in file.reports if item.what_happened is not None],
    )
    return case, file

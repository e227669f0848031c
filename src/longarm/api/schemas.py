"""The shapes the API answers with. Content fields appear only where the caller's key opened them."""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from ninja import Field, Schema

from longarm.cases.from_reports import MAX_REPORTS
from longarm.cases.models import (
    CaseStatus,
    IdentifierKind,
    PersonRole,
    ReferralKind,
    ReferralStatus,
)
from longarm.intake.forms import MAX_LINE, MAX_TEXT
from longarm.intake.models import Urgency


class Page(Schema):
    """One page of a list: ``count`` items in all, and the paths of the next and previous pages (None at
    either end), which keep the request's other query parameters."""

    count: int
    next: str | None
    previous: str | None


class ReportSummary(Schema):
    public_id: UUID
    reference: str
    received_on: date
    status: str
    urgency: str
    consent: str
    intake_channel: str
    community: str
    host_country: str
    tactic_codes: list[str]


class ReportDetail(ReportSummary):
    answers: dict[str, Any]


class MessageOut(Schema):
    author_kind: str
    created_at: datetime
    text: str


class MessageIn(Schema):
    text: str = Field(min_length=1, max_length=20000)


class CaseSummary(Schema):
    public_id: UUID
    reference: str
    status: str
    urgency: str
    opened_on: date
    due_on: date | None
    do_not_remove: bool


class CaseDetail(CaseSummary):
    summary: str
    report_ids: list[UUID]


class CaseListItem(CaseSummary):
    report_count: int


class IncidentOut(Schema):
    public_id: UUID
    year: int | None
    month: int | None
    day: int | None
    precision: str
    approximate: bool
    tactics: list[str]
    channels: list[str]
    actors: list[str]
    harms: list[str]
    host_country: str
    host_region: str
    origin_region: str
    description: str


class PersonOut(Schema):
    public_id: UUID
    role: str
    label: str
    details: dict[str, Any]


class ReferralEventOut(Schema):
    status: str
    on: date
    note: str


class ReferralOut(Schema):
    public_id: UUID
    kind: str
    status: str
    jurisdiction: str
    provisions: list[str]
    agency: str
    sent_on: date | None
    created_on: date
    details: dict[str, Any]
    events: list[ReferralEventOut]


class SearchHit(Schema):
    case: CaseSummary
    # Where the words were found ("note", "report", …) and a short stretch of text around them.
    where: str
    snippet: str


class SearchOut(Page):
    # Page ``page`` of ``pages`` of the ``count`` cases that match among the ``searched`` you hold.
    results: list[SearchHit]
    searched: int
    page: int
    pages: int


class SearchBuildingOut(Schema):
    # 202: your search index is being built (your first search over many cases decrypts them over several
    # requests, each bounded in time). ``done`` of the ``total`` cases you hold are in it so far: ask again
    # after ``retry_after`` seconds (also the Retry-After header), and the search goes on from there.
    detail: str
    done: int
    total: int
    retry_after: int


class ErrorOut(Schema):
    detail: str


class InvalidInputOut(Schema):
    """Bad input: what is wrong, by field (``__all__`` for the request as a whole)."""

    detail: str
    errors: dict[str, list[str]]


# The refusals every operation may answer with, documented so that clients (and the schema test) expect them.
ERRORS: dict[int, type[Schema]] = {400: InvalidInputOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class LinkedCaseOut(Schema):
    public_id: UUID
    reference: str
    scheme: str
    strength: str
    # None until a caseworker confirmed or rejected the link.
    decision: str | None


class LinksOut(Schema):
    """What may be said of an identifier's links: cases the caller holds by name, the others as a count
    (strong or confirmed links only)."""

    strength: str
    schemes: list[str]
    held: list[LinkedCaseOut]
    hidden_count: int


class IdentifierOut(Schema):
    public_id: UUID
    kind: str
    value: str
    person_id: UUID | None
    links: LinksOut | None


class ClusterCaseOut(Schema):
    number: int
    public_id: UUID
    reference: str
    reports: int
    communities: list[str]
    host_countries: list[str]
    years: list[int]
    tactics: list[str]
    status: str
    urgency: str


class ClusterEdgeOut(Schema):
    first: int
    second: int
    scheme: str
    strength: str


class ClusterOut(Schema):
    """The cluster as far as the caller may see it: cases they hold, edges between those, a count of the
    rest."""

    cases: list[ClusterCaseOut]
    edges: list[ClusterEdgeOut]
    hidden_count: int
    headline_scheme: str
    headline_value: str | None


class ReportRefOut(Schema):
    public_id: UUID
    reference: str


class ReportLinksOut(Schema):
    """Other reports and cases sharing a key with a report: those the caller holds by name, the others as
    a count (strong links only)."""

    strength: str
    schemes: list[str]
    reports: list[ReportRefOut]
    cases: list[ReportRefOut]
    hidden_count: int
    # False when a key of the report is shared by more reports or cases than are read per key (the newest
    # 100): the lists and the count are then the newest, and there are more.
    complete: bool


class TypedIdentifierOut(Schema):
    """An identifier the reporter typed, and whether it was added to the case or dismissed."""

    public_id: UUID
    kind: str
    value: str
    outcome: str


class ReportPage(Page):
    results: list[ReportSummary]


class MessagePage(Page):
    results: list[MessageOut]


class CasePage(Page):
    results: list[CaseListItem]


class IncidentPage(Page):
    results: list[IncidentOut]


class PersonPage(Page):
    results: list[PersonOut]


class ReferralPage(Page):
    results: list[ReferralOut]


class IdentifierPage(Page):
    results: list[IdentifierOut]


class TypedIdentifierPage(Page):
    results: list[TypedIdentifierOut]


# What the write operations take. The shapes are checked here; the values by the console's own forms (the
# same choices, lengths and rules), whose refusals come back as 400 with errors by field.


class CaseOpenIn(Schema):
    # Reports sealed to you, none in a case yet: the first opens the case, each becomes an incident.
    report_ids: list[UUID] = Field(min_length=1, max_length=MAX_REPORTS)


class CaseChangeIn(Schema):
    """Only the fields sent are changed, all or none."""

    status: CaseStatus | None = None
    urgency: Urgency | None = None
    due_on: date | None = None
    do_not_remove: bool | None = None
    summary: str | None = Field(None, max_length=MAX_TEXT)


class NoteIn(Schema):
    text: str = Field(min_length=1, max_length=MAX_TEXT)


class NoteOut(Schema):
    public_id: UUID
    created_at: datetime
    text: str


class IncidentIn(Schema):
    year: int | None = None
    month: int | None = None
    day: int | None = None
    approximate: bool = False
    # Codes of the staff vocabularies (tactics, channels, actors, harms, host countries and regions).
    tactics: list[str] = Field(default_factory=list, max_length=100)
    channels: list[str] = Field(default_factory=list, max_length=100)
    actors: list[str] = Field(default_factory=list, max_length=100)
    harms: list[str] = Field(default_factory=list, max_length=100)
    host_country: str = Field("", max_length=8)
    host_region: str = Field("", max_length=16)
    origin_region: str = Field("", max_length=40)
    description: str = Field(max_length=MAX_TEXT)
    # Persons of the case (their public ids), by how they took part.
    targets: list[UUID] = Field(default_factory=list, max_length=200)
    perpetrators: list[UUID] = Field(default_factory=list, max_length=200)
    intermediaries: list[UUID] = Field(default_factory=list, max_length=200)
    witnesses: list[UUID] = Field(default_factory=list, max_length=200)


class PersonIn(Schema):
    role: PersonRole
    label: str = Field(max_length=MAX_LINE)
    # A reporter's or relative's name goes under the case identity key and needs it (400 otherwise); it is
    # never sent back. Anyone else's name is a detail.
    name: str = Field("", max_length=MAX_LINE)
    relationship: str = Field("", max_length=MAX_LINE)
    agency: str = Field("", max_length=MAX_LINE)
    rank: str = Field("", max_length=MAX_LINE)
    badge_number: str = Field("", max_length=MAX_LINE)
    notes: str = Field("", max_length=MAX_TEXT)


class IdentifierIn(Schema):
    kind: IdentifierKind
    value: str = Field(max_length=MAX_LINE)
    # A person of the case, or none.
    person_id: UUID | None = None


class ReferralIn(Schema):
    """A referral of one kind; each kind reads its own fields, as the console's form for it does:
    criminal (jurisdiction, provisions, agency, reference_number, sent_on, note), protection (sent_on,
    advised_by, agency, advice), welfare (agency, relatives, relatives_names, sent_on, note), support
    (support_type, agency, sent_on, note)."""

    kind: ReferralKind
    jurisdiction: str = Field("", max_length=16)
    provisions: list[str] = Field(default_factory=list, max_length=100)
    agency: str = Field("", max_length=MAX_LINE)
    reference_number: str = Field("", max_length=MAX_LINE)
    sent_on: date | None = None
    note: str = Field("", max_length=MAX_TEXT)
    advised_by: str = Field("", max_length=MAX_LINE)
    advice: str = Field("", max_length=MAX_TEXT)
    support_type: str = Field("", max_length=40)
    # Relatives of the case (their public ids); their names need the case identity key (400 otherwise).
    relatives: list[UUID] = Field(default_factory=list, max_length=200)
    relatives_names: str = Field("", max_length=MAX_TEXT)


class ReferralEventIn(Schema):
    status: ReferralStatus
    on: date
    note: str = Field("", max_length=MAX_TEXT)

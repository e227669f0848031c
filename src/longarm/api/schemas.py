"""The shapes the API answers with. Content fields appear only where the caller's key opened them."""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from ninja import Field, Schema


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

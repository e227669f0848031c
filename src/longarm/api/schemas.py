"""The shapes the API answers with. Content fields appear only where the caller's key opened them."""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from ninja import Field, Schema


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


class SearchOut(Schema):
    hits: list[SearchHit]
    searched: int
    truncated: bool


class ErrorOut(Schema):
    detail: str


class ValidationErrorOut(Schema):
    detail: list[dict[str, Any]]


# The refusals every operation may answer with, documented so that clients (and the schema test) expect them.
ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}

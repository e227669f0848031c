"""Scopes: every operation the API registers needs one, the schema names it, and each scope opens exactly
the operations it should (every scope by every operation); tokens bound to a console session die with it."""

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from longarm.api.models import ApiToken
from longarm.api.routes import ApiOperation, api_operations
from longarm.api.scopes import WRITABLE, Access, Resource, Scope, all_scopes, read_only_scopes, scope_granted
from longarm.api.services import api_token_create
from longarm.audit.models import AuditEvent
from longarm.cases.coding.services import (
    IncidentInput,
    PersonInput,
    identifier_add,
    incident_create,
    person_create,
)
from longarm.cases.models import IdentifierKind, PersonRole, ReferralKind
from longarm.cases.referrals.services import ReferralInput, referral_create
from longarm.cases.services import case_open
from longarm.intake.models import Report
from tests.api.helpers import api_headers, private_key_of
from tests.api.test_tokens import create_in_console
from tests.conftest import Cast, log_in
from tests.intake.helpers import submit_report

pytestmark = pytest.mark.django_db

OPERATIONS = api_operations()


PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


def _id(operation: ApiOperation) -> str:
    return f"{operation.method} {operation.route}"


def test_the_api_registers_operations_to_check() -> None:
    assert len(OPERATIONS) >= 29
    assert {operation.method for operation in OPERATIONS} == {"GET", "POST", "PUT", "PATCH", "DELETE"}


@pytest.mark.parametrize("operation", OPERATIONS, ids=_id)
def test_every_operation_needs_exactly_one_scope(operation: ApiOperation) -> None:
    assert len(operation.scopes) == 1
    assert operation.scopes[0] is not None, f"{_id(operation)} names no scope"
    assert str(operation.scopes[0]) in all_scopes()


@pytest.mark.parametrize("operation", OPERATIONS, ids=_id)
def test_a_write_operation_needs_a_write_scope_and_a_read_operation_a_read_scope(
    operation: ApiOperation,
) -> None:
    [scope] = operation.scopes
    assert scope is not None
    assert (scope.access == Access.WRITE) == (operation.method != "GET")


def test_the_writable_resources_are_those_with_a_write_operation() -> None:
    written = {
        scope.resource for op in OPERATIONS for scope in op.scopes if scope and scope.access == "write"
    }
    assert written == set(WRITABLE)


@pytest.mark.parametrize("operation", OPERATIONS, ids=_id)
def test_the_schema_documents_each_operations_scope(operation: ApiOperation) -> None:
    schema = Client().get("/api/openapi.json").json()
    path = "/api/" + PARAMETER.sub(r"{\1}", operation.route)
    documented = schema["paths"][path][operation.method.lower()]
    assert documented["security"] == [{"TokenAuth": [str(operation.scopes[0])]}]
    scheme = schema["components"]["securitySchemes"]["TokenAuth"]
    assert scheme["scheme"] == "bearer"
    assert "<resource>:read" in scheme["description"]


@dataclass(frozen=True)
class Held:
    """What every operation can act on: a report in a case (with an incident, a person, an identifier
    and a referral) and a report in no case yet."""

    report: Report
    free_report: Report
    ids: dict[str, str]


@pytest.fixture
def held(cast: Cast) -> Held:
    submit_report(Client())
    submit_report(Client())
    report, free_report = Report.objects.order_by("id")
    key = private_key_of(cast.caseworker)
    case = case_open(actor=cast.caseworker, private_key=key, report=report, summary="s")
    incident = incident_create(
        actor=cast.caseworker, private_key=key, case=case, data=IncidentInput(description="d")
    )
    person = person_create(
        actor=cast.caseworker,
        private_key=key,
        case=case,
        data=PersonInput(role=PersonRole.PERPETRATOR, label="Officer 1"),
    )
    identifier = identifier_add(
        actor=cast.caseworker, private_key=key, case=case, kind=IdentifierKind.QQ, value="10001"
    )
    referral = referral_create(
        actor=cast.caseworker,
        private_key=key,
        case=case,
        data=ReferralInput(kind=ReferralKind.SUPPORT, agency="Clinic", support_type="legal_aid"),
    )
    ids = {
        "public_id": str(case.public_id),
        "incident_id": str(incident.public_id),
        "person_id": str(person.public_id),
        "identifier_id": str(identifier.public_id),
        "referral_id": str(referral.public_id),
    }
    return Held(report=report, free_report=free_report, ids=ids)


def _bodies(held: Held) -> dict[tuple[str, str], dict[str, Any]]:
    """A valid body for each write operation, by method and route."""
    incident = {"year": 2025, "tactics": ["threat_direct"], "description": "A call"}
    return {
        ("POST", "reports/<public_id>/messages"): {"text": "Thank you."},
        ("POST", "cases"): {"report_ids": [str(held.free_report.public_id)]},
        ("PATCH", "cases/<public_id>"): {"urgency": "critical"},
        ("POST", "cases/<public_id>/notes"): {"text": "Called back"},
        ("POST", "cases/<public_id>/incidents"): incident,
        ("PUT", "cases/<public_id>/incidents/<incident_id>"): incident,
        ("POST", "cases/<public_id>/persons"): {"role": "perpetrator", "label": "Officer 2"},
        ("PUT", "cases/<public_id>/persons/<person_id>"): {"role": "perpetrator", "label": "Officer 3"},
        ("POST", "cases/<public_id>/identifiers"): {"kind": "qq", "value": "10002"},
        ("DELETE", "cases/<public_id>/identifiers/<identifier_id>"): {},
        ("POST", "cases/<public_id>/referrals"): {
            "kind": "support",
            "support_type": "legal_aid",
            "agency": "X",
        },
        ("POST", "cases/<public_id>/referrals/<referral_id>/events"): {"status": "sent", "on": "2025-05-01"},
    }


def call(operation: ApiOperation, held: Held, headers: dict[str, str]) -> Any:
    def argument(match: re.Match[str]) -> str:
        if operation.route.startswith("reports"):
            return str(held.report.public_id)
        return held.ids[match[1]]

    url = "/api/" + PARAMETER.sub(argument, operation.route)
    client = Client()
    if operation.method == "GET":
        return client.get(url, {"q": "s"} if operation.route.startswith("search") else {}, headers=headers)
    body = _bodies(held)[(operation.method, operation.route)]
    send = getattr(client, operation.method.lower())
    return send(url, body, content_type="application/json", headers=headers)


def test_every_write_operation_has_a_body_to_check_it_with(held: Held) -> None:
    writes = {(op.method, op.route) for op in OPERATIONS if op.method != "GET"}
    assert writes == set(_bodies(held))


@pytest.mark.parametrize("operation", OPERATIONS, ids=_id)
def test_each_scope_opens_exactly_its_operations(cast: Cast, held: Held, operation: ApiOperation) -> None:
    """Every scope against the operation: those it needs (or its write) succeed, every other one is 403.
    Refusals first, so that a write that succeeds (a deletion) comes last."""
    [needed] = operation.scopes
    assert needed is not None
    key = private_key_of(cast.caseworker)
    scopes = sorted(all_scopes(), key=lambda scope: scope_granted([scope], needed))
    for scope in scopes:
        secret = api_token_create(user=cast.caseworker, private_key=key, label="t", scopes=[scope]).secret
        response = call(operation, held, {"Authorization": f"Bearer {secret}"})
        if scope_granted([scope], needed):
            assert response.status_code in {200, 201, 204}, (scope, response.content)
            if operation.method != "GET":
                break  # the write happened; doing it again is a different question
        else:
            assert response.status_code == 403, scope
            assert str(needed) in response.json()["detail"]


@pytest.mark.parametrize("operation", OPERATIONS, ids=_id)
def test_a_read_only_token_reads_everything_and_writes_nothing(
    cast: Cast, held: Held, operation: ApiOperation
) -> None:
    response = call(operation, held, api_headers(cast.caseworker, scopes=read_only_scopes()))
    assert response.status_code == (200 if operation.method == "GET" else 403)


def test_write_includes_read_and_read_excludes_write() -> None:
    assert scope_granted(["messages:write"], Scope(Resource.MESSAGES, Access.READ))
    assert not scope_granted(["messages:read"], Scope(Resource.MESSAGES, Access.WRITE))
    assert not scope_granted(["cases:read"], Scope(Resource.MESSAGES, Access.READ))


def test_the_console_makes_a_token_with_the_scopes_chosen(cast: Cast) -> None:
    console = Client()
    log_in(console, cast.caseworker)
    create_in_console(console, scope_cases="read", scope_messages="write")
    assert ApiToken.objects.get().scopes == ["cases:read", "messages:write", "reports:read"]
    assert AuditEvent.objects.filter(action="api_token.create.write", actor=cast.caseworker).exists()


def test_the_console_refuses_a_token_that_may_do_nothing(cast: Cast) -> None:
    console = Client()
    log_in(console, cast.caseworker)
    response = console.post(reverse("api_tokens:tokens"), {"label": "nothing"})
    assert response.status_code == 200
    assert "Choose at least one thing the token may do." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_write_is_offered_only_where_the_api_can_write(cast: Cast) -> None:
    console = Client()
    log_in(console, cast.caseworker)
    response = console.post(
        reverse("api_tokens:tokens"), {"label": "x", "scope_reports": "read", "scope_links": "write"}
    )
    assert response.status_code == 200
    assert not ApiToken.objects.exists()


def test_a_token_bound_to_the_console_session_dies_at_log_out(cast: Cast) -> None:
    console = Client()
    log_in(console, cast.caseworker)
    token = create_in_console(console, bind_session="on")
    headers = {"Authorization": f"Bearer {token}"}
    stored = ApiToken.objects.get()
    assert console.session.session_key
    assert console.session.session_key.encode() not in bytes(stored.bound_session)
    assert Client().get("/api/reports", headers=headers).status_code == 200
    console.post(reverse("accounts:logout"))
    assert Client().get("/api/reports", headers=headers).status_code == 401


def test_a_token_bound_to_the_console_session_dies_when_the_session_expires(cast: Cast) -> None:
    console = Client()
    log_in(console, cast.caseworker)
    token = create_in_console(console, bind_session="on")
    headers = {"Authorization": f"Bearer {token}"}
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    assert Client().get("/api/reports", headers=headers).status_code == 401


def test_an_unbound_token_outlives_the_console_session(cast: Cast) -> None:
    console = Client()
    log_in(console, cast.caseworker)
    token = create_in_console(console)
    console.post(reverse("accounts:logout"))
    assert Client().get("/api/reports", headers={"Authorization": f"Bearer {token}"}).status_code == 200

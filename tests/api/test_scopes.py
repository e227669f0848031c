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
from longarm.audit.models import AuditEvent
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
    assert len(OPERATIONS) >= 14
    assert {operation.method for operation in OPERATIONS} == {"GET", "POST"}


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
    report: Report
    case_id: str


@pytest.fixture
def held(cast: Cast) -> Held:
    submit_report(Client())
    report = Report.objects.get()
    case = case_open(
        actor=cast.caseworker, private_key=private_key_of(cast.caseworker), report=report, summary="s"
    )
    return Held(report=report, case_id=str(case.public_id))


def call(operation: ApiOperation, held: Held, headers: dict[str, str]) -> Any:
    public_id = str(held.report.public_id) if operation.route.startswith("reports") else held.case_id
    url = "/api/" + PARAMETER.sub(public_id, operation.route)
    client = Client()
    if operation.method == "POST":
        return client.post(url, {"text": "Thank you."}, content_type="application/json", headers=headers)
    return client.get(url, {"q": "s"} if operation.route.startswith("search") else {}, headers=headers)


@pytest.mark.parametrize("scope", all_scopes())
@pytest.mark.parametrize("operation", OPERATIONS, ids=_id)
def test_each_scope_opens_exactly_its_operations(
    cast: Cast, held: Held, operation: ApiOperation, scope: str
) -> None:
    response = call(operation, held, api_headers(cast.caseworker, scopes=[scope]))
    [needed] = operation.scopes
    assert needed is not None
    if scope_granted([scope], needed):
        assert response.status_code in {200, 201}, response.content
    else:
        assert response.status_code == 403
        assert str(needed) in response.json()["detail"]


@pytest.mark.parametrize("operation", OPERATIONS, ids=_id)
def test_a_read_only_token_reads_everything_and_writes_nothing(
    cast: Cast, held: Held, operation: ApiOperation
) -> None:
    response = call(operation, held, api_headers(cast.caseworker, scopes=read_only_scopes()))
    assert response.status_code == (403 if operation.method == "POST" else 200)


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
        reverse("api_tokens:tokens"), {"label": "x", "scope_reports": "read", "scope_cases": "write"}
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

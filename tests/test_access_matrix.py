"""The access matrix (DESIGN §5): every URL the project routes, under every role, obeys the rule its view
declares — and every view declares one.

The URL patterns are read from the project's resolver, recursively, so a view added later is covered
without touching this file. A rule is either ``staff_view(*roles)`` (``longarm_roles`` on the view), an API
operation guarded by token roles (``longarm_api`` and ``longarm_roles``), or ``public_view``
(``longarm_public``). For every staff rule and every role plus an anonymous visitor the URL is requested
with sample arguments — random ones, and real objects of the cast where a parameter names a report or a
case — and:

- anonymous visitors are sent to the log-in page (console) or get 401 (API);
- roles outside the rule get 403;
- roles inside it never get 403 (nor 401 from the API): 404 for an object they cannot open is fine.

A URL whose GET answers 405 is tried with an empty POST too, so POST-only views are checked as well.
"""

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, path, resolve, reverse
from django.urls.resolvers import RegexPattern, RoutePattern

from longarm.accounts.models import Role, StaffUser
from longarm.cases.services import case_open
from longarm.intake.models import Report
from tests.api.helpers import api_headers, private_key_of
from tests.conftest import Cast, log_in
from tests.intake.helpers import submit_report

ANONYMOUS = "anonymous"
_CONVERTER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")


@dataclass(frozen=True)
class Route:
    route: str  # the pattern as written, prefixes included, e.g. "console/reports/<uuid:public_id>/"
    callback: Callable[..., Any]
    name: str

    @property
    def is_public(self) -> bool:
        return bool(getattr(self.callback, "longarm_public", False))

    @property
    def is_monitoring(self) -> bool:
        """/healthz, /readyz, /metrics: public to the access rule, answered only to monitoring addresses."""
        return bool(getattr(self.callback, "longarm_monitoring", False))

    @property
    def is_api(self) -> bool:
        return bool(getattr(self.callback, "longarm_api", False))

    @property
    def roles(self) -> frozenset[Role] | None:
        roles = getattr(self.callback, "longarm_roles", None)
        return frozenset(roles) if roles is not None else None


def _pattern_text(pattern: RoutePattern | RegexPattern | Any) -> str:
    if isinstance(pattern, RegexPattern):
        # A regex route becomes a route with one plain parameter per named group.
        text = pattern.regex.pattern.removeprefix("^").removesuffix("$").removesuffix(r"\Z")
        return _REGEX_GROUP.sub(lambda match: f"<str:{match['name']}>", text).replace("\\", "")
    return str(pattern)


def project_routes(
    patterns: list[URLPattern | URLResolver] | None = None, prefix: str = ""
) -> Iterator[Route]:
    """Every URL pattern of the project's resolver, descending into includes."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        text = prefix + _pattern_text(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from project_routes(entry.url_patterns, text)
        else:
            yield Route(route=text, callback=entry.callback, name=entry.name or "")


@dataclass(frozen=True)
class Objects:
    report_id: uuid.UUID
    case_id: uuid.UUID | None


def _real_object(route: str, match: re.Match[str], objects: Objects) -> uuid.UUID | None:
    name = match["name"]
    preceding = route[: match.start()].rstrip("/").rsplit("/", 1)[-1]
    hint = name if name != "public_id" else preceding
    if "report" in hint:
        return objects.report_id
    if "case" in hint:
        return objects.case_id
    return None


def sample_urls(route: str, objects: Objects) -> list[str]:
    """The URL with random arguments, and with real objects of the cast where the names say which."""
    urls = []
    for real in (False, True):

        def argument(match: re.Match[str], *, real: bool = real) -> str:
            converter = match["converter"] or "str"
            # Django's uuid converter, ninja's uuidstr, and plain API parameters validated as UUIDs.
            if "uuid" in converter or (converter == "str" and match["name"].endswith("id")):
                value = _real_object(route, match, objects) if real else None
                return str(value or uuid.uuid4())
            if converter == "int":
                return "1"
            return "x"

        urls.append("/" + _CONVERTER.sub(argument, route))
    return list(dict.fromkeys(urls))


def request(client: Client, url: str, headers: dict[str, str]) -> int:
    response = client.get(url, headers=headers)
    if response.status_code == 405:
        response = client.post(url, {}, headers=headers)
    if response.status_code == 302 and response["Location"].startswith(reverse("accounts:login")):
        return -302  # sent to the log-in page
    return response.status_code


def expectation_violated(route: Route, who: str, status: int) -> str | None:
    roles = route.roles
    assert roles is not None
    if who == ANONYMOUS:
        wanted = 401 if route.is_api else -302
        return None if status == wanted else f"anonymous got {status}, expected {wanted}"
    if who not in roles:
        return None if status == 403 else f"{who} (outside the rule) got {status}, expected 403"
    if status in {403, 401, -302}:
        return f"{who} (inside the rule) was refused with {status}"
    if status >= 500:
        return f"{who} got a server error {status}"
    return None


@pytest.fixture
def objects(cast: Cast) -> Objects:
    submit_report(Client())
    submit_report(Client())
    reports = list(Report.objects.order_by("id"))
    case = case_open(actor=cast.caseworker, private_key=private_key_of(cast.caseworker), report=reports[0])
    return Objects(report_id=reports[1].public_id, case_id=case.public_id)


@pytest.fixture
def clients(cast: Cast) -> dict[str, tuple[Client, dict[str, str]]]:
    """A logged-in console client and an API header for every role, and an anonymous visitor."""
    people: dict[str, StaffUser] = {
        Role.OPERATOR: cast.operator,
        Role.CASEWORKER: cast.caseworker,
        Role.INVESTIGATOR: cast.investigator,
        Role.CUSTODIAN: cast.custodian,
        Role.ANALYST: cast.analyst,
        Role.ADMIN: cast.admin,
    }
    result: dict[str, tuple[Client, dict[str, str]]] = {ANONYMOUS: (Client(), {})}
    for role, user in people.items():
        client = Client()
        log_in(client, user)
        result[role] = (client, api_headers(user))
    return result


def test_every_url_declares_an_access_rule() -> None:
    missing = [
        f"/{route.route} ({route.name or route.callback!r})"
        for route in project_routes()
        if not route.is_public and route.roles is None
    ]
    assert not missing, (
        "URLs without a rule (wrap the view in staff_view(...) or public_view):\n" + "\n".join(missing)
    )


def test_the_matrix_finds_the_console_the_api_and_the_reporter_site() -> None:
    routes = {route.route: route for route in project_routes()}
    assert routes["console/inbox/"].roles == {Role.CASEWORKER, Role.INVESTIGATOR}
    # Staff administration and the two-person rule: administrators only, custodians for disclosures, and the
    # one-time enrolment link open to whoever holds it (its secret is the only key).
    for route in (
        "console/staff/new/",
        "console/staff/<int:staff_id>/",
        "console/staff/<int:staff_id>/role/",
        "console/staff/<int:staff_id>/second-factor/",
        "console/approvals/<uuid:public_id>/approve/",
        "console/approvals/<uuid:public_id>/reject/",
    ):
        assert routes[route].roles == {Role.ADMIN}, route
    assert routes["console/approvals/"].roles == {Role.ADMIN, Role.CUSTODIAN}
    assert routes["console/enrol/<str:token>/"].is_public
    # Changing a report's urgency is for those who hold reports; a survey's "nothing happened" is public.
    assert routes["console/reports/<uuid:public_id>/urgency/"].roles == {Role.CASEWORKER, Role.INVESTIGATOR}
    assert routes["survey/<slug:slug>/nothing-happened/"].is_public
    assert routes[""].is_public
    assert any(route.is_api for route in routes.values())


def test_a_view_without_a_rule_is_reported() -> None:
    def bare(request: Any) -> Any:
        raise AssertionError

    routes = list(project_routes([path("bare/<int:pk>/", bare)]))
    assert routes[0].roles is None
    assert not routes[0].is_public
    assert sample_urls(routes[0].route, Objects(uuid.uuid4(), None)) == ["/bare/1/"]


def test_every_role_gets_exactly_what_its_rule_allows(
    clients: dict[str, tuple[Client, dict[str, str]]], objects: Objects
) -> None:
    routes = [route for route in project_routes() if not route.is_public and route.roles is not None]
    # API tokens first: a console URL taking an int may revoke token 1 when an allowed role posts to it.
    routes.sort(key=lambda route: not route.is_api)
    violations: list[str] = []
    checked = 0
    seen: set[str] = set()
    for route in routes:
        if route.route in seen:
            continue  # an API path has one pattern per method; the first one answers them all
        seen.add(route.route)
        for url in sample_urls(route.route, objects):
            assert resolve(url).route == route.route, f"{url} does not resolve to /{route.route}"
            for who, (client, api_header) in clients.items():
                # API calls carry only the token: a console session must not open the API.
                status = request(Client(), url, api_header) if route.is_api else request(client, url, {})
                problem = expectation_violated(route, who, status)
                checked += 1
                if problem:
                    violations.append(f"{url}: {problem}")
    assert checked > 0
    assert not violations, "\n".join(violations)


def test_public_pages_never_refuse_a_visitor(db: None) -> None:
    refused = []
    anonymous = Client()
    for route in project_routes():
        if not route.is_public:
            continue
        for url in sample_urls(route.route, Objects(uuid.uuid4(), None)):
            if route.is_monitoring:
                # A visitor is not the monitor: the page does not exist for them (tests/operations).
                assert Client(REMOTE_ADDR="203.0.113.7").get(url).status_code == 404, url
                continue
            status = request(anonymous, url, {})
            if status in {401, 403} or status >= 500:
                refused.append(f"{url}: {status}")
    assert not refused, "\n".join(refused)


def test_no_route_is_hidden_behind_an_earlier_one() -> None:
    """Django takes the first pattern that matches, and the reporter's pages come first (``longarm.urls``):
    every route, with sample arguments, still reaches its own pattern and name (the API's operations on one
    path share its first pattern, which hands each method to its operation)."""
    objects = Objects(report_id=uuid.uuid4(), case_id=uuid.uuid4())
    hidden = [
        f"{url} -> {match.view_name}"
        for route in project_routes()
        for url in sample_urls(route.route, objects)[:1]
        if (match := resolve(url)).route != route.route or (match.url_name != route.name and not route.is_api)
    ]
    assert not hidden

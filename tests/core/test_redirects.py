"""Every redirect target taken from a request goes through ``safe_next_url`` (issue 11, item 17): a scanner's
``?next=foo`` on the console log-in and ``next=backtocase`` on the "do not remove" form reached ``redirect()``
as view names and answered 500 after the action was done."""

import re
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from longarm.core.redirects import safe_next_url
from longarm.gate.tokens import Purpose
from tests.cases.referral_helpers import open_case
from tests.conftest import STAFF_PASSWORD, Cast, current_totp, log_in
from tests.gate.helpers import gate_fields

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[2] / "src" / "longarm"
ODD_TARGETS = [
    "foo",
    "backtocase",
    "cases:home",
    "//evil.example",
    "///evil.example",
    "https://evil.example/",
    "http:/evil.example",
    "javascript:alert(1)",
    "/\\evil.example",
    "\\\\evil.example",
    " //evil.example",
    "/\t/evil.example",
    "",
    "/" + "a" * 5000,
]
# Every file that reads a redirect target from a request, and the test below that sends it odd values. A new
# one fails ``test_every_view_taking_a_redirect_target_is_walked`` until it is added here and walked.
READERS = {
    "accounts/views.py": "login",
    "cases/referrals/views.py": "do_not_remove",
    "core/views.py": "language",
    "cases/templates/cases/referrals/_panel.html": "do_not_remove",
    "core/templates/core/language_switcher.html": "language",
}
_TARGET = r"""["'](next|return_to|redirect_to|back|came_from)["']"""
_READS_TARGET = {
    # A view reading a target from the query, the form or the Referer header.
    ".py": re.compile(
        rf"(GET|POST|data|params)(\.get\(|\[)\s*{_TARGET}|HTTP_REFERER|[\"']referer[\"']", re.I
    ),
    # A template sending one.
    ".html": re.compile(rf"name={_TARGET}|[?&](next|return_to|redirect_to|back)="),
}


def test_every_view_taking_a_redirect_target_is_walked() -> None:
    found = {
        str(path.relative_to(SRC))
        for path in [*SRC.rglob("*.py"), *SRC.rglob("*.html")]
        if "migrations" not in path.parts
        and path.name != "redirects.py"
        and _READS_TARGET[path.suffix].search(path.read_text(encoding="utf-8"))
    }
    assert found == set(READERS)


def _assert_on_site(response: HttpResponse, fallback: str) -> None:
    assert response.status_code == 302, response.status_code
    location = response["Location"]
    parts = urlsplit(location)
    assert location.startswith("/")
    assert not location.startswith(("//", "/\\"))
    assert (parts.scheme, parts.netloc) == ("", "")
    assert "evil" not in location


@pytest.mark.parametrize("target", ODD_TARGETS)
def test_the_console_log_in_ignores_an_odd_next_after_logging_in(cast: Cast, target: str) -> None:
    client = Client(raise_request_exception=False)
    response = client.post(
        f"{reverse('accounts:login')}?next={quote(target)}",
        {
            "username": cast.caseworker.username,
            "password": STAFF_PASSWORD,
            "otp_token": current_totp(cast.caseworker),
            **gate_fields(Purpose.LOGIN),
        },
    )
    _assert_on_site(response, reverse("cases:home"))
    assert response["Location"] in {reverse("cases:home"), target}
    assert client.get(reverse("cases:inbox")).status_code == 200  # logged in


@pytest.mark.parametrize("target", ODD_TARGETS)
def test_the_do_not_remove_form_saves_and_ignores_an_odd_next(cast: Cast, target: str) -> None:
    case = open_case(cast)
    client = Client(raise_request_exception=False)
    log_in(client, cast.caseworker)
    response = client.post(
        reverse("cases:case_do_not_remove", args=[case.public_id]),
        {"do_not_remove": "on", "next": target, "confirmed": "yes"},
    )
    fallback = reverse("cases:referrals", kwargs={"case_id": case.public_id})
    _assert_on_site(response, fallback)
    assert response["Location"] in {fallback, target}
    case.refresh_from_db()
    assert case.do_not_remove


@pytest.mark.parametrize("target", ODD_TARGETS)
def test_the_language_switch_sets_the_language_and_ignores_an_odd_next(target: str) -> None:
    client = Client(raise_request_exception=False)
    response = client.post(
        reverse("set_language"),
        {"language": "ja", "next": target},
        headers={"referer": "https://evil.example/"},
    )
    _assert_on_site(response, "/")
    assert response["Location"] in {"/", target}
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ja"


def test_a_get_to_the_language_switch_changes_nothing_and_stays_on_site() -> None:
    for target in ODD_TARGETS:
        response = Client(raise_request_exception=False).get(
            f"{reverse('set_language')}?next={quote(target)}", headers={"referer": "https://evil.example/"}
        )
        _assert_on_site(response, "/")
        assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_a_path_on_this_site_is_followed() -> None:
    request = RequestFactory().get("/")
    for target in ("/console/inbox/", "/report/?campaign=x", "/console/cases/1/#notes"):
        assert safe_next_url(request, target, fallback="/") == target
    for target in [*ODD_TARGETS, None, ["/"], "/\x00/evil", "/\n/evil"]:
        assert safe_next_url(request, target, fallback="/home/") == "/home/"

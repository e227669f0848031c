"""Passkeys in a real browser, with Chromium's virtual authenticator (DevTools ``WebAuthn`` domain): a staff
member enrols one in the console, logs out and logs in with it; a role whose codes the administrator forbade
cannot log in with a code once it holds a passkey, and someone of that role without one is led to enrol."""

from collections.abc import Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]  # no type hints
from django.urls import reverse
from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from longarm.accounts.models import Role, StaffUser
from longarm.accounts.passkeys import second_factor_policy_set
from longarm.audit.models import AuditEvent
from tests.conftest import STAFF_PASSWORD, Cast, current_totp

pytestmark = pytest.mark.browser


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    opened = browser.new_context()
    yield opened
    opened.close()


def with_authenticator(context: BrowserContext) -> tuple[Page, Any, str]:
    """A page whose browser holds a virtual FIDO2 security key that can keep discoverable credentials and
    answers every request as if its button were touched."""
    page = context.new_page()
    devtools = context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    added = devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return page, devtools, str(added["authenticatorId"])


def logged_in(url: str) -> bool:
    return reverse("accounts:login") not in url


def fill_login(page: Page, live_server: LiveServer, user: StaffUser) -> None:
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("#id_username", user.username)
    page.fill("#id_password", STAFF_PASSWORD)


def log_in_with_code(page: Page, live_server: LiveServer, user: StaffUser) -> None:
    fill_login(page, live_server, user)
    page.fill("#id_otp_token", current_totp(user))
    page.get_by_role("button", name="Log in", exact=True).click()


def log_in_with_passkey(page: Page, live_server: LiveServer, user: StaffUser) -> None:
    fill_login(page, live_server, user)
    page.get_by_role("button", name="Log in with a passkey").click()


def enrol(page: Page, live_server: LiveServer, name: str) -> None:
    page.goto(live_server.url + reverse("accounts:security"))
    page.fill("#id_name", name)
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_text("Your passkey is added.")).to_be_visible()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()


def test_a_passkey_enrolled_in_the_console_logs_its_holder_in(
    context: BrowserContext, live_server: LiveServer, transactional_db: None, cast: Cast
) -> None:
    page, devtools, authenticator = with_authenticator(context)
    log_in_with_code(page, live_server, cast.caseworker)
    page.wait_for_url(logged_in)

    enrol(page, live_server, "virtual key")
    expect(page.get_by_role("cell", name="virtual key")).to_be_visible()
    problems = [
        f"{violation['id']} ({violation['impact']}) {[node['target'] for node in violation['nodes']][:3]}"
        for violation in Axe().run(page).response["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]
    assert not problems
    assert WebAuthnCredential.objects.filter(user=cast.caseworker, name="virtual key").count() == 1
    [held] = devtools.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert held["isResidentCredential"]
    log_out(page)

    log_in_with_passkey(page, live_server, cast.caseworker)
    page.wait_for_url(logged_in)
    expect(page.get_by_text(cast.caseworker.username, exact=False).first).to_be_visible()
    assert AuditEvent.objects.filter(action="staff.login.passkey", actor=cast.caseworker).exists()
    assert AuditEvent.objects.filter(action="staff.passkey_add", actor=cast.caseworker).exists()


def test_a_role_that_forbids_codes_logs_in_with_a_passkey_only(
    context: BrowserContext, live_server: LiveServer, transactional_db: None, cast: Cast
) -> None:
    second_factor_policy_set(actor=cast.admin, role=Role.CUSTODIAN, totp_allowed=False)
    page, _devtools, _authenticator = with_authenticator(context)

    # Without a passkey yet, a code opens only the page where one is enrolled.
    log_in_with_code(page, live_server, cast.custodian)
    page.wait_for_url(live_server.url + reverse("accounts:security"))
    page.goto(live_server.url + reverse("cases:disclosure_queue"))
    page.wait_for_url(live_server.url + reverse("accounts:security"))
    enrol(page, live_server, "custodian key")
    # Enrolling made the session a full one, verified by the new passkey.
    page.goto(live_server.url + reverse("cases:disclosure_queue"))
    assert page.url == live_server.url + reverse("cases:disclosure_queue")
    log_out(page)

    log_in_with_code(page, live_server, cast.custodian)
    expect(page.locator(".error-summary")).to_contain_text("Your role logs in with a passkey")
    assert page.url.startswith(live_server.url + reverse("accounts:login"))
    assert AuditEvent.objects.filter(
        action="staff.login_refused.code_forbidden", object_id=str(cast.custodian.pk)
    ).exists()

    log_in_with_passkey(page, live_server, cast.custodian)
    page.wait_for_url(logged_in)
    page.goto(live_server.url + reverse("cases:disclosure_queue"))
    assert page.url == live_server.url + reverse("cases:disclosure_queue")


def test_the_passkey_button_needs_javascript_and_codes_work_without_it(
    browser: Browser, live_server: LiveServer, transactional_db: None, cast: Cast
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    fill_login(page, live_server, cast.caseworker)
    expect(page.get_by_role("button", name="Log in with a passkey")).to_be_hidden()
    page.fill("#id_otp_token", current_totp(cast.caseworker))
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url(logged_in)
    context.close()

"""The journey people take, in a real browser: a reporter with JavaScript disabled answers the steps, keeps
the receipt shown before Send and sends; a caseworker logs in with password and TOTP, reads and replies; the
reporter reads the reply."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.conftest import STAFF_PASSWORD, Cast, current_totp

pytestmark = pytest.mark.browser


def fill_report(page: Page, files: list[str] | None = None) -> str:
    """Answer every step from the first, by the labels a reporter reads; return the receipt shown last."""
    page.get_by_label("What happened?").fill(
        "Police visited my parents and asked me to photograph the reading club."
    )
    page.get_by_label("Year").select_option("2025")
    page.get_by_label("Month").select_option("4")
    page.get_by_label("Which country do you live in?").select_option("GB")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Police visited or questioned my family members").check()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name="Who contacted you")).to_be_visible()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("WeChat (message, voice or video)").check()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Their WeChat IDs (optional)").fill("wxid_officer_li")
    page.get_by_role("button", name="Next").click()
    if files:
        page.locator("input[type=file]").set_input_files(files)
    page.get_by_role("button", name="Next").click()
    # The consent is chosen on the last step, beside Send.
    page.get_by_label("Caseworkers may read it and reply to me.", exact=True).check()
    expect(page.get_by_role("heading", name="Check and send")).to_be_visible()
    receipt = re.sub(r"\D", "", page.locator(".receipt").inner_text())
    assert len(receipt) == 20
    return receipt


def send_report(page: Page, receipt: str) -> None:
    page.get_by_label("Caseworkers may read it and reply to me.", exact=True).check()
    page.get_by_label("Type your receipt number again", exact=False).fill(receipt)
    page.get_by_role("button", name="Send my report").click()
    # Sending waits for the gate's check and, in tests, for the files' processing.
    expect(page.get_by_role("heading", name="Thank you", exact=False)).to_be_visible(timeout=30_000)


def test_report_receipt_login_reply_and_reading_the_reply(
    browser: Browser, live_server: LiveServer, transactional_db: None, cast: Cast
) -> None:
    reporter = browser.new_context(java_script_enabled=False).new_page()
    reporter.set_default_timeout(10_000)
    reporter.goto(live_server.url + "/")
    reporter.get_by_role("link", name="Make a report").first.click()

    # A mistake first: the error shows next to the question and nothing typed is lost.
    reporter.get_by_label("What happened?").fill("They called my mother.")
    reporter.get_by_role("button", name="Next").click()
    expect(reporter.get_by_text("Please choose the country you live in.", exact=False).first).to_be_visible()
    expect(reporter.get_by_label("What happened?")).to_have_value("They called my mother.")

    receipt = fill_report(reporter)
    send_report(reporter, receipt)

    staff = browser.new_context().new_page()
    staff.set_default_timeout(10_000)
    staff.goto(live_server.url + "/console/")
    staff.get_by_label("User name").fill(cast.caseworker.username)
    staff.get_by_label("Password").fill(STAFF_PASSWORD)
    staff.get_by_label("Code from your authenticator app").fill(current_totp(cast.caseworker))
    staff.get_by_role("button", name="Log in", exact=True).click()
    expect(staff.get_by_role("heading", name="Inbox")).to_be_visible()
    staff.locator("table.inbox tbody a").first.click()
    expect(staff.get_by_text("photograph the reading club")).to_be_visible()
    expect(staff.get_by_text("wxid_officer_li")).to_be_visible()
    staff.get_by_label("Reply to the reporter").fill("Thank you for telling us. Is your family safe now?")
    staff.get_by_role("button", name="Send reply").click()
    expect(staff.get_by_text("Your reply was sent.")).to_be_visible()

    reporter.goto(live_server.url + "/mailbox/")
    reporter.get_by_label("Your receipt number").fill(receipt)
    reporter.get_by_role("button", name="Open").click()
    expect(reporter.get_by_text("Is your family safe now?")).to_be_visible()
    expect(reporter.get_by_text("A caseworker has replied")).to_be_visible()


def test_the_reporter_site_loads_nothing_from_another_host(browser: Browser, live_server: LiveServer) -> None:
    page = browser.new_context(java_script_enabled=False).new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    for path in ("/", "/report/", "/mailbox/"):
        page.goto(live_server.url + path)
    assert requested
    assert all(url.startswith(live_server.url) for url in requested), requested

"""The gate in a real browser: with JavaScript the vendored ALTCHA widget solves the proof of work under our
Content Security Policy before the form goes; without it the time-lock token does, after its wait."""

import re

import pytest
from django.test import override_settings
from playwright.sync_api import Browser, ConsoleMessage, expect
from pytest_django.live_server_helper import LiveServer

from longarm.gate.models import SpentToken
from longarm.intake.models import Report
from tests.browser.test_reporting_journey import fill_report, send_report
from tests.conftest import Cast

pytestmark = pytest.mark.browser


@override_settings(LONGARM_GATE_WORK=400, LONGARM_GATE_DELAY_SECONDS=600)
def test_the_widget_solves_the_proof_of_work_and_the_report_is_sent(
    browser: Browser, live_server: LiveServer, transactional_db: None, cast: Cast
) -> None:
    # The time-lock wait is ten minutes here, so only the proof of work can let this report through.
    reporter = browser.new_context().new_page()
    reporter.set_default_timeout(30_000)
    problems: list[str] = []
    reporter.on(
        "console",
        lambda message: problems.append(message.text) if _is_problem(message) else None,
    )
    reporter.on(
        "response",
        lambda response: (
            problems.append(f"{response.status} {response.url}") if response.status >= 400 else None
        ),
    )
    reporter.on("pageerror", lambda error: problems.append(str(error)))
    requested: list[str] = []
    reporter.on("request", lambda request: requested.append(request.url))
    reporter.goto(live_server.url + "/report/")
    receipt = fill_report(reporter)
    # The wait is for readers without JavaScript; the widget takes its place.
    expect(reporter.locator("[data-gate-wait]")).to_be_hidden()
    # The widget's label, or what it says once solved: on a quiet machine the work is done before this looks.
    expect(reporter.get_by_text(re.compile("^(Anti-abuse check|Check done)$"))).to_be_visible()
    send_report(reporter, receipt)
    assert Report.objects.count() == 1
    assert SpentToken.objects.count() == 1
    assert all(url.startswith(live_server.url) for url in requested), requested
    assert any("/gate/challenge/report/" in url for url in requested)
    assert any(url.endswith("pbkdf2.js") for url in requested)
    assert not problems, problems


def _is_problem(message: ConsoleMessage) -> bool:
    # A resource that failed is reported below with its address; anything else (a CSP violation, an error
    # of the widget) counts as it is.
    return message.type in {"error", "warning"} and not message.text.startswith("Failed to load resource")


@override_settings(LONGARM_GATE_DELAY_SECONDS=3)
def test_without_javascript_the_reporter_waits_then_opens_the_mailbox(
    browser: Browser, live_server: LiveServer, transactional_db: None, cast: Cast
) -> None:
    reporter = browser.new_context(java_script_enabled=False).new_page()
    reporter.set_default_timeout(20_000)
    reporter.goto(live_server.url + "/mailbox/")
    expect(reporter.get_by_text("please wait 3 seconds before you press the button")).to_be_visible()
    reporter.get_by_label("Your receipt number").fill("1234 5678 9012 3456 7890")
    reporter.get_by_role("button", name="Open").click()
    expect(reporter.get_by_text("more second", exact=False)).to_be_visible()
    expect(reporter.get_by_label("Your receipt number")).to_have_value("1234 5678 9012 3456 7890")
    reporter.wait_for_timeout(3500)
    reporter.get_by_role("button", name="Open").click()
    # Named twice: in the error summary at the top and next to the field.
    expect(reporter.locator("#id_receipt_error")).to_contain_text(
        "This receipt number does not open a report"
    )

"""Answering the reporter's questionnaire step by step in a real browser, in any language: every control is
found by its name, every button by its translated label."""

import re

from django.utils import translation
from playwright.sync_api import Page, expect

STEP_PATHS = (
    "/report/",
    "/report/did/",
    "/report/who/",
    "/report/how/",
    "/report/them/",
    "/report/more/",
)


def _(language: str, message: str) -> str:
    with translation.override(language):
        return translation.gettext(message)


def next_step(page: Page) -> None:
    page.locator("button[name=go][value=next]").click()


def answer_steps(
    page: Page, *, what: str = "Police called my mother.", country: str = "JP", files: list[str] | None = None
) -> str:
    """From the first step to the last with one tactic, a date, a country, a WeChat ID and consent (chosen on
    the last step); the receipt shown."""
    page.locator("textarea[name=what_happened]").fill(what)
    page.locator("select[name=incident_year]").select_option("2025")
    page.locator("select[name=host_country]").select_option(country)
    next_step(page)
    page.locator("input[name=tactics][value=relatives_threatened]").check()
    next_step(page)
    next_step(page)  # who contacted you
    page.locator("input[name=channels][value=wechat]").check()
    next_step(page)
    page.locator("input[name=perpetrator_wechat_ids]").fill("wxid_officer_li")
    next_step(page)
    if files:
        page.locator("input[type=file]").set_input_files(files)
    next_step(page)
    page.locator("input[name=consent][value=review]").check()
    expect(page.locator(".receipt")).to_be_visible()
    receipt = re.sub(r"\D", "", page.locator(".receipt").inner_text())
    assert len(receipt) == 20
    return receipt


def send(page: Page, language: str, receipt: str) -> None:
    """Type the receipt back and send; with JavaScript the form goes once the gate's check is done."""
    page.locator("input[name=typed_receipt]").fill(receipt)
    page.get_by_role("button", name=_(language, "Send my report")).click()
    thanks = page.get_by_role("heading", name=_(language, "Thank you. Your report is safe with us."))
    expect(thanks).to_be_visible(timeout=30_000)

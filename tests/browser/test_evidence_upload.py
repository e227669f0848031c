"""Attaching files in a real browser: plain multipart without JavaScript, a progress bar per file with it;
the caseworker then sees a preview of the sanitised photo (served as an attachment all the same)."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from pytest_django.live_server_helper import LiveServer

from longarm.evidence.models import EvidenceItem, EvidenceStatus
from tests.browser.test_reporting_journey import fill_report, send_report
from tests.conftest import STAFF_PASSWORD, Cast, current_totp
from tests.evidence import files

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("javascript", [False, True], ids=["without-js", "with-js"])
def test_a_reporter_attaches_photos_and_a_caseworker_sees_the_clean_copy(
    browser: Browser,
    live_server: LiveServer,
    transactional_db: None,
    cast: Cast,
    tmp_path: Path,
    javascript: bool,
) -> None:
    photo, letter = tmp_path / "police.jpg", tmp_path / "letter.pdf"
    photo.write_bytes(files.jpeg_with_exif())
    letter.write_bytes(files.pdf_with_author())
    reporter = browser.new_context(java_script_enabled=javascript).new_page()
    reporter.set_default_timeout(20_000)
    reporter.goto(live_server.url + "/report/")
    receipt = fill_report(reporter, files=[str(photo), str(letter)])
    # Listed on the last step, among the answers folded there.
    reporter.locator(".review-answers > summary").click()
    expect(reporter.get_by_text("police.jpg")).to_be_visible()
    send_report(reporter, receipt)
    assert set(EvidenceItem.objects.values_list("status", flat=True)) == {EvidenceStatus.READY}

    staff = browser.new_context().new_page()
    staff.set_default_timeout(20_000)
    staff.goto(live_server.url + "/console/")
    staff.get_by_label("User name").fill(cast.caseworker.username)
    staff.get_by_label("Password").fill(STAFF_PASSWORD)
    staff.get_by_label("Code from your authenticator app").fill(current_totp(cast.caseworker))
    staff.get_by_role("button", name="Log in", exact=True).click()
    staff.locator("table.inbox tbody a").first.click()
    expect(staff.get_by_text("police.jpg")).to_be_visible()
    preview = staff.get_by_role("listitem").filter(has_text="police.jpg").locator("img.evidence-preview")
    expect(preview).to_be_visible()
    assert preview.evaluate("image => image.naturalWidth") > 0
    expect(staff.get_by_role("link", name="Download the sanitised PDF")).to_be_visible()


@pytest.mark.parametrize("javascript", [False, True], ids=["without-js", "with-js"])
def test_files_stay_attached_across_the_steps_and_back(
    browser: Browser,
    live_server: LiveServer,
    transactional_db: None,
    cast: Cast,
    tmp_path: Path,
    javascript: bool,
) -> None:
    photo = tmp_path / "police.jpg"
    photo.write_bytes(files.jpeg_with_exif())
    reporter = browser.new_context(java_script_enabled=javascript).new_page()
    reporter.set_default_timeout(20_000)
    reporter.goto(live_server.url + "/report/more/")  # no draft yet: back to the first step
    receipt = fill_report(reporter, files=[str(photo)])
    if javascript:
        expect(reporter.locator("h1")).to_have_text("Check and send")
    reporter.goto(live_server.url + "/report/more/")
    kept = reporter.get_by_role("checkbox", name=re.compile("police.jpg"))
    expect(kept).to_be_checked()
    # Back from the files step, with the file kept: it is still there on the way forward again.
    reporter.get_by_role("button", name="Back").click()
    expect(reporter.locator("h1")).to_have_text("What you know about them")
    reporter.get_by_role("button", name="Next").click()
    expect(reporter.get_by_role("checkbox", name=re.compile("police.jpg"))).to_be_checked()
    reporter.goto(live_server.url + "/report/review/")
    send_report(reporter, receipt)
    assert EvidenceItem.objects.count() == 1

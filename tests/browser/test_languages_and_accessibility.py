"""The reporter site in every language, in a real browser: axe-core finds no serious or critical problem on
any page; Uyghur and Tibetan are drawn by the fonts Longarm serves, shaped, and fit a 360 px phone; the whole
journey works with JavaScript off in Uyghur and with the keyboard alone; Quick exit leaves at once."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.utils import translation
from playwright.sync_api import Browser, BrowserContext, CDPSession, Page, expect
from pytest_django.live_server_helper import LiveServer

from longarm.guidance.rights import RIGHTS_COUNTRIES
from tests.browser.steps import next_step, send
from tests.conftest import Cast

pytestmark = pytest.mark.browser

LANGUAGES = [code for code, _name in settings.LANGUAGES]
RESULTS = Path(__file__).resolve().parents[2] / "test-results"
PHONE = {"width": 360, "height": 740}
_AXE = Axe()


def _(language: str, message: str) -> str:
    with translation.override(language):
        return translation.gettext(message)


def reporter_context(
    browser: Browser, live_server: LiveServer, language: str, **options: object
) -> BrowserContext:
    context = browser.new_context(**options)  # type: ignore[arg-type]
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
    context.set_default_timeout(10_000)
    return context


def reporter_pages(page: Page, live_server: LiveServer, language: str) -> Iterator[str]:
    """Visit every reporter page in turn, every step of the questionnaire included, yielding a name for each
    once it is shown."""
    url = live_server.url
    page.goto(url + "/")
    yield "home"
    page.goto(url + "/report/")
    yield "step 1"
    next_step(page)
    expect(page.locator(".error-summary")).to_be_visible()
    yield "step 1 with errors"
    page.locator("textarea[name=what_happened]").fill("ساقچى ئانامغا تېلېفون قىلدى. Police called my mother.")
    page.locator("select[name=host_country]").select_option("JP")
    next_step(page)
    yield "step 2"
    page.locator("input[name=tactics][value=relatives_threatened]").check()
    for number in range(3, 8):
        next_step(page)
        yield f"step {number}"
    page.locator("input[name=consent][value=review]").check()
    receipt = re.sub(r"\D", "", page.locator(".receipt").inner_text())
    page.locator("input[name=typed_receipt]").fill("1234")
    # With JavaScript the form goes once the gate's proof of work is done, not at the click.
    page.get_by_role("button", name=_(language, "Send my report")).click()
    expect(page.locator(".error-summary")).to_be_visible()
    yield "step 7 with errors"
    send(page, language, receipt)
    yield "sent"
    page.goto(url + "/mailbox/")
    page.get_by_role("button", name=_(language, "Open"), exact=True).click()
    expect(page.locator(".error-summary")).to_be_visible()
    yield "mailbox log-in with errors"
    page.locator("input[name=receipt]").fill(receipt)
    page.get_by_role("button", name=_(language, "Open"), exact=True).click()
    expect(page.locator("h1")).to_have_text(_(language, "Your report"))
    yield "mailbox"
    page.goto(url + "/rights/")
    yield "rights"
    for country in RIGHTS_COUNTRIES:
        page.goto(f"{url}/rights/{country.lower()}/")
        yield f"rights {country}"
    page.goto(url + "/safety/")
    yield "safety"
    page.goto(url + "/no-such-page/")
    yield "not found"


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_page_has_a_serious_accessibility_problem_or_overflows_a_phone_in_any_language(
    browser: Browser, live_server: LiveServer, transactional_db: None, cast: Cast, language: str
) -> None:
    # axe-core is injected into the page; the site's own CSP forbids that, so only this context bypasses it.
    page = reporter_context(browser, live_server, language, bypass_csp=True, viewport=PHONE).new_page()
    problems: list[str] = []
    visited = 0
    for name in reporter_pages(page, live_server, language):
        visited += 1
        assert page.locator("html").get_attribute("lang") == language, name
        width = page.evaluate("document.scrollingElement.scrollWidth")
        if width > PHONE["width"]:
            problems.append(f"{language} {name}: {width} px wide on a {PHONE['width']} px screen")
        for violation in _AXE.run(page).response["violations"]:
            if violation["impact"] in {"serious", "critical"}:
                targets = [node["target"] for node in violation["nodes"]][:3]
                problems.append(f"{language} {name}: {violation['id']} ({violation['impact']}) {targets}")
    assert visited == 16 + len(RIGHTS_COUNTRIES)
    assert not problems, "\n".join(problems)


def test_the_whole_journey_works_in_uyghur_with_javascript_off(
    browser: Browser, live_server: LiveServer, transactional_db: None, cast: Cast
) -> None:
    page = reporter_context(browser, live_server, "ug", java_script_enabled=False).new_page()
    page.goto(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        _("ug", "Report pressure from your home country's authorities")
    )
    # Mirrored: in right-to-left the site name starts on the right and Quick exit sits on the left.
    name_box = page.locator(".site-name").bounding_box()
    exit_box = page.locator(".quick-exit").bounding_box()
    assert name_box
    assert exit_box
    assert name_box["x"] > exit_box["x"]
    page.get_by_role("link", name=_("ug", "Make a report")).first.click()
    page.get_by_label(_("ug", "What happened?")).fill("ساقچى ئانامنى سوراق قىلدى.")
    page.get_by_label(_("ug", "Which country do you live in?")).select_option("TR")
    page.get_by_role("button", name=_("ug", "Next")).click()
    expect(
        page.get_by_text(_("ug", "Step %(number)s of %(total)s") % {"number": 2, "total": 7})
    ).to_be_visible()
    page.get_by_label(_("ug", "Police visited or questioned my family members")).check()
    page.get_by_role("button", name=_("ug", "Next")).click()
    for _step in range(4):
        page.get_by_role("button", name=_("ug", "Next")).click()
    expect(page.get_by_role("heading", name=_("ug", "Check and send"))).to_be_visible()
    page.get_by_label(_("ug", "Caseworkers may read it and reply to me."), exact=True).check()
    receipt_box = page.locator(".receipt")
    expect(receipt_box).to_have_attribute("dir", "ltr")
    receipt = re.sub(r"\D", "", receipt_box.inner_text())
    groups = [
        box["x"]
        for box in (group.bounding_box() for group in receipt_box.locator(".receipt-group").all())
        if box
    ]
    assert groups == sorted(groups), "the receipt's digit groups must read left to right"
    page.get_by_label(_("ug", "Type your receipt number again to show you have written it down")).fill(
        receipt
    )
    page.get_by_role("button", name=_("ug", "Send my report")).click()
    expect(
        page.get_by_role("heading", name=_("ug", "Thank you. Your report is safe with us."))
    ).to_be_visible()
    page.get_by_role(
        "link",
        name=_("ug", "Your rights and protection in %(country)s") % {"country": _("ug", "Turkey (Türkiye)")},
    ).click()
    expect(page.get_by_text("112", exact=False).first).to_be_visible()
    page.goto(live_server.url + "/mailbox/")
    page.get_by_label(_("ug", "Your receipt number")).fill(receipt)
    page.get_by_role("button", name=_("ug", "Open"), exact=True).click()
    expect(page.get_by_text("ساقچى ئانامنى سوراق قىلدى.")).to_be_visible()
    # The switcher is a closed disclosure, which opens without JavaScript too.
    page.locator(".language-switcher summary").click()
    page.get_by_role("button", name="Türkçe").click()
    expect(page.locator("html")).to_have_attribute("lang", "tr")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")


def tab_to(page: Page, selector: str, *, limit: int = 300) -> None:
    """Press Tab until the element matching ``selector`` has the focus, as a keyboard user would."""
    for _attempt in range(limit):
        if page.evaluate("(selector) => document.activeElement?.matches(selector) ?? false", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def test_the_journey_works_with_the_keyboard_alone_on_a_small_phone(
    browser: Browser, live_server: LiveServer, transactional_db: None, cast: Cast
) -> None:
    page = reporter_context(browser, live_server, "en", viewport=PHONE).new_page()
    page.goto(live_server.url + "/")
    tab_to(page, "main a.button.primary")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("What happened")
    tab_to(page, "textarea[name=what_happened]")
    page.keyboard.type("They called my mother and told me to stop.")
    tab_to(page, "select[name=host_country]")
    page.keyboard.type("Japan")
    tab_to(page, "button[value=next]")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("What they did")
    tab_to(page, "input[name=tactics][value=relatives_threatened]")
    page.keyboard.press("Space")
    tab_to(page, "button[value=next]")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Who contacted you")
    tab_to(page, "button[value=next]")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("How they contacted you")
    tab_to(page, "button[value=skip]")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Check and send")
    tab_to(page, "input[name=consent]")
    page.keyboard.press("Space")  # the radio group: the first choice, caseworkers may read and reply
    receipt = re.sub(r"\D", "", page.locator(".receipt").inner_text())
    tab_to(page, "input[name=typed_receipt]")
    page.keyboard.type(receipt)
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Thank you. Your report is safe with us.")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]


def test_quick_exit_leaves_at_once_with_the_link_or_the_escape_key(
    browser: Browser, live_server: LiveServer
) -> None:
    for javascript in (False, True):
        context = reporter_context(browser, live_server, "en", java_script_enabled=javascript)
        # The neutral site is answered here: tests never leave this machine.
        context.route(
            re.compile(r"^https://www\.wikipedia\.org/.*"), lambda route: route.fulfill(body="neutral")
        )
        page = context.new_page()
        page.goto(live_server.url + "/report/")
        page.get_by_role("link", name="Quick exit").click()
        page.wait_for_url("https://www.wikipedia.org/**")
        if javascript:
            page.goto(live_server.url + "/report/")
            page.keyboard.press("Escape")
            page.keyboard.press("Escape")
            page.wait_for_url("https://www.wikipedia.org/**")
        context.close()


# Scripts, fonts and small screens ---------------------------------------------------------------------------

SAMPLES = {"ug": ("Longarm Naskh", "ئۇيغۇرچە مەلۇمات"), "bo": ("Longarm Tibetan", "བསྒྲུབས་སྙན་ཞུ")}
_TIBETAN_SUBJOINED_AND_VOWELS = re.compile("[\u0f71-\u0f84\u0f8d-\u0fbc]")


def text_widths(page: Page, family: str, texts: list[str]) -> list[float]:
    """How wide each text is drawn in ``family`` at 32 px, in CSS pixels."""
    return page.evaluate(
        """([family, texts]) => texts.map((text) => {
            const probe = document.createElement("span");
            probe.style.font = `32px "${family}"`;
            probe.style.whiteSpace = "pre";
            probe.textContent = text;
            document.body.append(probe);
            const width = probe.getBoundingClientRect().width;
            probe.remove();
            return width;
        })""",
        [family, texts],
    )


def assert_shaped(page: Page, language: str) -> None:
    family, sample = SAMPLES[language]
    if language == "ug":
        # Uyghur joins its letters. A zero-width non-joiner between every letter forces each into its
        # isolated form, which is wider; unshaped text (or boxes) would measure the same both ways.
        joined, isolated = text_widths(page, family, [sample, "\u200c".join(sample)])
        assert isolated > joined * 1.08, (joined, isolated)
    else:
        # Tibetan stacks subjoined letters and vowel signs on the root letter, so they add no width; drawn
        # unshaped (or pulled apart by spaces) each would take room of its own, on a dotted circle.
        stacked, roots, apart = text_widths(
            page, family, [sample, _TIBETAN_SUBJOINED_AND_VOWELS.sub("", sample), " ".join(sample)]
        )
        assert abs(stacked - roots) < roots * 0.1, (stacked, roots)
        assert apart > stacked * 1.3, (stacked, apart)


def platform_fonts(cdp: CDPSession) -> dict[str, tuple[bool, int]]:
    """The fonts Chromium actually drew the page's text with: family -> (is a web font, glyphs drawn)."""
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    used: dict[str, tuple[bool, int]] = {}
    for node in cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": "body *"})["nodeIds"]:
        for font in cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]:
            custom, count = used.get(font["familyName"], (font["isCustomFont"], 0))
            used[font["familyName"]] = (custom, count + font["glyphCount"])
    return used


@pytest.mark.parametrize("language", ["ug", "bo"])
def test_uyghur_and_tibetan_are_shaped_by_our_fonts_and_fit_a_360_px_screen(
    browser: Browser, live_server: LiveServer, language: str
) -> None:
    RESULTS.mkdir(exist_ok=True)
    page = reporter_context(browser, live_server, language, viewport=PHONE).new_page()
    cdp = page.context.new_cdp_session(page)
    for name, path in (
        ("home", "/"),
        ("report", "/report/"),
        ("rights", "/rights/tr/"),
        ("safety", "/safety/"),
    ):
        page.goto(live_server.url + path)
        page.evaluate("document.fonts.ready")
        page.screenshot(path=str(RESULTS / f"{language}-{name}-360.png"), full_page=True)
        assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"], f"{name} overflows"
        fonts = platform_fonts(cdp)
        # Every glyph on the page comes from a font Longarm served: no system fallback, so no missing glyphs
        # in our fonts, and nothing that would look different on a reporter's phone.
        system = {font: glyphs for font, (custom, glyphs) in fonts.items() if not custom}
        assert not system, f"{language} {name}: drawn with system fonts {system}"
        main_script = "Noto Naskh Arabic" if language == "ug" else "Noto Serif Tibetan"
        assert fonts.get(main_script, (False, 0))[1] > 200, fonts
    assert_shaped(page, language)

"""How tall each step of the reporter's questionnaire is on a phone, in every language of the reporter site.

Run from the repository root (about a minute)::

    .venv/bin/python benchmarks/reporter_steps.py [--width 360] [--height 780] [--languages en,ug]

It starts the real server as ``benchmarks/intake.py`` does (``longarm init`` in a fresh temporary directory,
``longarm serve --no-worker`` on a free port of 127.0.0.1), then, in Debian's Chromium through Playwright
with JavaScript on, at ``--width`` x ``--height`` CSS pixels, for each language: opens the first step, answers
only what must be answered (what happened, one tactic, the year, the country, and the consent if a step
before the last asks it) and moves on with "Next" up to
the last step, measuring every step's full height (``document.scrollingElement.scrollHeight`` once the fonts
are loaded) as the reporter first sees it. Nothing is sent.

The single JSON object on stdout has, per language, the height of every step (by its path) and the tallest;
``screens`` is the tallest step in screen heights. The goal of issue 14 is no step taller than three screens
(``goal_px``); ``meets_goal`` says whether every language meets it. ``taps_to_send`` counts, in a second
visit, the taps from the home page to a sent report with one tactic, a date and consent, skipping the
optional questions where offered (Send is counted, not pressed); the goal is at most ``taps_goal``. Progress
goes to stderr. This measures layout, not time: nothing here depends on the machine's load.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

from intake import (
    HOST,
    free_port,
    init_installation,
    log,
    server_environment,
    start_server,
    stop_server,
    wait_until_ready,
)

CHROMIUM = Path("/usr/bin/chromium")
LANGUAGES = ("en", "ja", "zh-hans", "zh-hant", "tr", "ug", "bo", "mn")
SCREENS_GOAL = 3
TAPS_GOAL = 10


def answer_required(page: Page) -> int:
    """Answer whatever must be answered on this step, found by the controls' names; return the taps it took
    (a text box is one tap, typing is none; a select is one, however a phone opens it)."""
    taps = 0
    if page.locator("textarea[name=what_happened]").count():
        page.locator("textarea[name=what_happened]").fill("Police called my mother.")
        taps += 1
    if page.locator("input[name=tactics][value=relatives_threatened]").count():
        page.locator("input[name=tactics][value=relatives_threatened]").check()
        taps += 1
    if page.locator("select[name=incident_year]").count():
        page.locator("select[name=incident_year]").select_option("2025")
        taps += 1
    if page.locator("select[name=host_country]").count():
        page.locator("select[name=host_country]").select_option("JP")
        taps += 1
    if page.locator("input[name=consent][value=review]").count():
        page.locator("input[name=consent][value=review]").check()
        taps += 1
    return taps


def taps_to_send(page: Page, base_url: str) -> int:
    """The taps from the home page to a sent report with one tactic, a date and consent (issue 14's count):
    the main button, the required answers, Next or "Skip the optional questions" wherever offered, then on
    the last step the consent, the receipt box and Send, which is counted but not pressed."""
    page.goto(base_url + "/")
    page.locator("main a.button.primary").click()
    page.wait_for_load_state()
    taps = 1
    for _step in range(20):
        taps += answer_required(page)
        skip = page.locator("button[name=go][value=skip]")
        next_button = skip if skip.count() else page.locator("button[name=go][value=next]")
        if not next_button.count():
            if not page.locator("input[name=typed_receipt]").count():
                raise RuntimeError(f"no way on from {page.url}")
            return taps + 2  # the receipt box (typing it is not a tap) and Send
        next_button.click()
        page.wait_for_load_state()
        taps += 1
    raise RuntimeError("the questionnaire never reached its last step")


def step_heights(page: Page, base_url: str, screenshots: Path | None = None) -> dict[str, int]:
    heights: dict[str, int] = {}
    page.goto(base_url + "/report/")
    while True:
        page.evaluate("document.fonts.ready")
        path = page.url.removeprefix(base_url)
        if path in heights:
            raise RuntimeError(f"the questionnaire did not move on from {path}")
        heights[path] = int(page.evaluate("document.scrollingElement.scrollHeight"))
        if screenshots is not None:
            name = path.strip("/").replace("/", "-") or "home"
            language = page.evaluate("document.documentElement.lang")
            page.screenshot(
                path=str(screenshots / f"{language}-{name}.png"),
                full_page=True,
            )
        next_button = page.locator("button[name=go][value=next]")
        if not next_button.count():
            return heights
        answer_required(page)
        next_button.click()
        page.wait_for_load_state()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0] if __doc__ else None)
    parser.add_argument("--width", type=int, default=360)
    parser.add_argument("--height", type=int, default=780)
    parser.add_argument("--languages", default=",".join(LANGUAGES), help="comma-separated language codes")
    parser.add_argument(
        "--screenshots", type=Path, default=None, help="a directory for full-page screenshots"
    )
    arguments = parser.parse_args()
    languages = [code for code in arguments.languages.split(",") if code]
    temporary = Path(tempfile.mkdtemp(prefix="longarm-steps-bench-"))
    server = None
    results: dict[str, Any] = {}
    try:
        data_dir = temporary / "data"
        data_dir.mkdir(mode=0o700)
        env = server_environment(data_dir)
        log(f"longarm init in {temporary}")
        init_installation(env, temporary / "offline" / "recovery.key")
        port = free_port()
        server = start_server(env, port, 1, temporary / "server.log")
        wait_until_ready(server, port)
        base_url = f"http://{HOST}:{port}"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
            for language in languages:
                context = browser.new_context(viewport={"width": arguments.width, "height": arguments.height})
                context.add_cookies([{"name": "django_language", "value": language, "url": base_url}])
                heights = step_heights(context.new_page(), base_url, arguments.screenshots)
                context.close()
                context = browser.new_context(viewport={"width": arguments.width, "height": arguments.height})
                context.add_cookies([{"name": "django_language", "value": language, "url": base_url}])
                taps = taps_to_send(context.new_page(), base_url)
                context.close()
                tallest = max(heights, key=lambda path: heights[path])
                results[language] = {
                    "steps": heights,
                    "tallest_px": heights[tallest],
                    "tallest_step": tallest,
                    "screens": round(heights[tallest] / arguments.height, 2),
                    "taps_to_send": taps,
                }
                log(f"{language}: tallest {heights[tallest]} px at {tallest}, {taps} taps to a sent report")
            browser.close()
    finally:
        if server is not None:
            stop_server(server)
        shutil.rmtree(temporary, ignore_errors=True)
    goal = SCREENS_GOAL * arguments.height
    report = {
        "benchmark": "reporter_steps",
        "viewport": {"width": arguments.width, "height": arguments.height},
        "goal_px": goal,
        "languages": results,
        "tallest_px": max(result["tallest_px"] for result in results.values()),
        "meets_goal": all(result["tallest_px"] <= goal for result in results.values()),
        "taps_goal": TAPS_GOAL,
        "meets_taps_goal": all(result["taps_to_send"] <= TAPS_GOAL for result in results.values()),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    sys.exit(main())

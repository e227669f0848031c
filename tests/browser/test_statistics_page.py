"""The public statistics page in a real browser: no serious accessibility problem, fits a phone, mirrored in
Uyghur, and readable with JavaScript off."""

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]  # no type hints
from django.conf import settings as django_settings
from playwright.sync_api import Browser, ViewportSize
from pytest_django.live_server_helper import LiveServer

from longarm.analytics.publication.models import NoiseMechanism
from longarm.analytics.publication.services import release_decide, release_propose_counts
from tests.analytics.publication.test_views import TABLE
from tests.conftest import Cast

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 360, "height": 740}


@pytest.mark.parametrize("language", ["en", "ug"])
def test_the_statistics_page_is_accessible_and_fits_a_phone_without_javascript(
    browser: Browser,
    live_server: LiveServer,
    transactional_db: None,
    cast: Cast,
    settings: Any,
    language: str,
) -> None:
    settings.LONGARM_PUBLIC_STATISTICS = True
    for mechanism, epsilon in ((NoiseMechanism.NONE, None), (NoiseMechanism.LAPLACE, 0.5)):
        release = release_propose_counts(
            actor=cast.analyst, table=TABLE, filters={}, mechanism=mechanism, epsilon=epsilon
        )
        release_decide(actor=cast.admin, release_id=release.pk, approve=True)
    context = browser.new_context(bypass_csp=True, viewport=PHONE, java_script_enabled=False)
    context.add_cookies(
        [{"name": django_settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )
    page = context.new_page()

    page.goto(live_server.url + "/statistics/")

    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ug" else "ltr")
    assert page.locator("table.release-table").count() == 2
    assert page.locator("svg.chart").count() == 2
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    context.close()
    axe_context = browser.new_context(bypass_csp=True, viewport=PHONE)
    axe_context.add_cookies(
        [{"name": django_settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )
    axe_page = axe_context.new_page()
    axe_page.goto(live_server.url + "/statistics/")
    problems = [
        f"{violation['id']} ({violation['impact']}) {[node['target'] for node in violation['nodes']][:3]}"
        for violation in Axe().run(axe_page).response["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]
    axe_context.close()
    assert not problems, "\n".join(problems)

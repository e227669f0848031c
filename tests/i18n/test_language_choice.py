"""Choosing a language: from the browser, from the switcher on every page (a plain form, no JavaScript), and
remembered only in a cookie that holds nothing but the language."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from longarm.guidance.rights import RIGHTS_COUNTRIES, rights_country_for
from tests.conftest import Cast
from tests.gate.helpers import gate_fields
from tests.intake.helpers import (
    QUESTION_STEPS,
    answer_steps,
    receipt_from,
    report_answers,
    step_url,
    submit_report,
)

pytestmark = pytest.mark.django_db

_HTML_TAG = re.compile(r'<html lang="([^"]+)" dir="([^"]+)">')


def html_language(client: Client, path: str = "/") -> tuple[str, str]:
    match = _HTML_TAG.search(client.get(path).content.decode())
    assert match
    return match.group(1), match.group(2)


@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [
        ("ug-CN,ug;q=0.9", ("ug", "rtl")),
        ("bo", ("bo", "ltr")),
        ("mn-MN,mn;q=0.8,en;q=0.5", ("mn", "ltr")),
        ("zh-CN,zh;q=0.9", ("zh-hans", "ltr")),
        ("zh-TW", ("zh-hant", "ltr")),
        ("zh-HK", ("zh-hant", "ltr")),
        ("ja-JP", ("ja", "ltr")),
        ("tr-TR", ("tr", "ltr")),
        ("fr-FR", ("en", "ltr")),
    ],
)
def test_the_language_comes_from_the_browser(accept_language: str, expected: tuple[str, str]) -> None:
    assert html_language(Client(headers={"accept-language": accept_language})) == expected


def test_every_reporter_page_has_a_switcher_that_needs_no_javascript() -> None:
    # In Uyghur, so that a language name translated by mistake ("English" in Uyghur) would show.
    client = Client(headers={"accept-language": "ug"})
    for path in ("/", reverse("intake:report_new"), reverse("intake:mailbox_login"), "/rights/", "/safety/"):
        html = client.get(path).content.decode()
        form = html.split('<details class="language-switcher"', 1)[1].split("</details>", 1)[0]
        assert f'action="{reverse("set_language")}"' in form
        assert 'method="post"' in form
        assert 'name="csrfmiddlewaretoken"' in form
        assert f'name="next" value="{path}"' in form
        for code, name in settings.LANGUAGES:
            assert f'name="language" value="{code}" lang="{code}"' in form
            assert name in form


def test_switching_sets_a_cookie_holding_only_the_language_until_the_browser_closes() -> None:
    client = Client()
    response = client.post(reverse("set_language"), {"language": "ug", "next": "/report/"})
    assert response.status_code == 302
    assert response["Location"] == "/report/"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "ug"
    assert cookie["samesite"] == "Strict"
    assert cookie["httponly"]
    assert not cookie["max-age"]
    assert not cookie["expires"]
    assert html_language(client, "/report/") == ("ug", "rtl")


def test_switching_never_leads_to_another_site() -> None:
    response = Client().post(reverse("set_language"), {"language": "ja", "next": "https://example.org/"})
    assert response["Location"] == "/"


def test_the_reporter_site_sets_no_cookie_but_session_csrf_and_language(cast: Cast) -> None:
    client = Client()
    client.post(reverse("set_language"), {"language": "tr", "next": "/"})
    client.get("/")
    receipt = submit_report(client)
    client.post(reverse("intake:mailbox_login"), {"receipt": receipt, **gate_fields("receipt")}, follow=True)
    # longarm_vault holds the key that unlocks the opened report's keys in the session: part of the session.
    allowed = {
        settings.SESSION_COOKIE_NAME,
        settings.CSRF_COOKIE_NAME,
        settings.LANGUAGE_COOKIE_NAME,
        "longarm_vault",
    }
    assert set(client.cookies) <= allowed
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "tr"


def test_switching_language_on_the_last_step_keeps_the_receipt(cast: Cast) -> None:
    client = Client()
    receipt = receipt_from(answer_steps(client, report_answers()).content.decode())
    switched = client.post(
        reverse("set_language"), {"language": "ug", "next": step_url("review")}, follow=True
    )
    html = switched.content.decode()
    assert 'lang="ug"' in html
    assert "quick-exit" in html
    assert receipt_from(html) == receipt


def test_after_the_report_is_sent_the_reporter_is_led_to_the_rights_of_their_country(cast: Cast) -> None:
    client = Client()
    submit_report(client, host_country="GB", host_region="")
    saved = client.get(reverse("intake:report_sent")).content.decode()
    assert f'href="{reverse("guidance:rights_country", args=["gb"])}"' in saved
    # The country is kept only sealed in the vault, never in the session in clear.
    assert "GB" not in [value for value in client.session.values() if isinstance(value, str)]


def test_an_unknown_rights_country_falls_back_to_the_general_page() -> None:
    assert rights_country_for("FR") == ""
    assert rights_country_for("JP-13") == "JP"
    assert Client().get("/rights/fr/").status_code == 404


@pytest.mark.parametrize("country", ["", *RIGHTS_COUNTRIES])
def test_each_rights_page_says_what_to_do_what_we_do_how_to_delete_and_cites_sources(country: str) -> None:
    path = (
        reverse("guidance:rights_country", args=[country.lower()]) if country else reverse("guidance:rights")
    )
    html = Client().get(path).content.decode()
    for heading in (
        "If you are in danger now",
        "Protection from being sent back",
        "What we do with your report",
        "Who can read your report",
        "How to delete your report",
        "Sources",
    ):
        assert heading in html, (country, heading)
    assert "non-refoulement" in html
    assert "Refugee Convention" in html or "Status of Refugees" in html
    emergency = {"JP": "110", "GB": "999", "US": "911", "TR": "112", "DE": "110", "CA": "911", "AU": "000"}
    if country:
        assert emergency[country] in html


def test_every_reporter_page_links_to_the_rights_and_safety_pages_and_has_a_quick_exit() -> None:
    for path in ("/", reverse("intake:report_new"), reverse("intake:mailbox_login"), "/safety/", "/nowhere/"):
        html = Client().get(path).content.decode()
        assert f'href="{reverse("guidance:rights")}"' in html, path
        assert f'href="{reverse("guidance:safety")}"' in html, path
        assert 'class="quick-exit" href="https://' in html, path


def page_title(html: str) -> str:
    match = re.search(r"<title>(.*?)</title>", html, re.S)
    assert match
    return match.group(1)


def test_every_reporter_page_has_the_same_neutral_title_in_a_shared_phones_history(cast: Cast) -> None:
    # Whatever a page is about ("Make a report", "Your receipt number"), the tab and history say only this.
    client = Client(headers={"accept-language": "ug"})
    paths = (
        "/",
        reverse("intake:report_new"),
        reverse("intake:mailbox_login"),
        "/rights/",
        "/safety/",
        "/x/",
    )
    titles = {page_title(client.get(path).content.decode()) for path in paths}
    # The last step, which shows the receipt to be typed back, and every step before it.
    html = answer_steps(client, report_answers()).content.decode()
    assert receipt_from(html)
    titles.add(page_title(html))
    for slug in QUESTION_STEPS:
        titles.add(page_title(client.get(reverse("intake:report_step", args=[slug])).content.decode()))
    assert titles == {"ئۇچۇر"}

import re

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from tests.intake.helpers import QUESTION_STEPS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name", ["intake:home", "intake:report_new", "intake:mailbox_login", "accounts:login"]
)
def test_every_page_forbids_framing_referrers_caching_and_foreign_or_inline_code(name: str) -> None:
    response = Client().get(reverse(name))
    csp = response["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "http" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_pages_have_no_inline_script_or_style() -> None:
    html = Client().get(reverse("intake:report_new")).content.decode()
    # Scripts from our own static files are allowed (CSP script-src 'self'); inline ones are not.
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", html, re.S)
    assert all(not body.strip() for body in scripts)
    assert all('src="/static/' in tag for tag in re.findall(r"<script[^>]*>", html))
    assert "<style" not in html
    assert " style=" not in html


def test_debug_is_off_unless_asked() -> None:
    from longarm import settings as production

    assert production.DEBUG is False


@pytest.mark.django_db
def test_sensitive_fields_are_not_remembered_by_the_browser() -> None:
    client = Client()
    client.get(reverse("intake:report_new"))
    client.post(reverse("intake:report_step", args=["who"]), {"go": "back"})  # starts a draft
    html = "".join(
        client.get(reverse("intake:report_step", args=[slug])).content.decode() for slug in QUESTION_STEPS
    )
    for name in ("what_happened", "relatives_at_risk", "perpetrator_names", "contact"):
        tag = (
            html.split(f'name="{name}"')[0].rsplit("<", 1)[1] + html.split(f'name="{name}"')[1].split(">")[0]
        )
        assert 'autocomplete="off"' in tag, name


def test_production_settings_use_secure_cookies_and_hsts_behind_https(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib

    import longarm.settings

    monkeypatch.setenv("LONGARM_HTTPS", "true")
    try:
        reloaded = importlib.reload(longarm.settings)
        assert reloaded.SESSION_COOKIE_SECURE
        assert reloaded.CSRF_COOKIE_SECURE
        assert reloaded.SECURE_HSTS_SECONDS >= 31536000
        assert reloaded.SECURE_SSL_REDIRECT
    finally:
        monkeypatch.delenv("LONGARM_HTTPS")
        importlib.reload(longarm.settings)
    assert settings.SESSION_COOKIE_HTTPONLY


@pytest.mark.parametrize("path", ["/", "/report/", "/mailbox/", "/console/login/", "/no-such-page/"])
def test_every_response_turns_camera_microphone_and_location_off(path: str) -> None:
    policy = Client().get(path)["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in policy


def test_the_csrf_cookie_lasts_until_the_browser_closes() -> None:
    cookie = Client().get(reverse("intake:report_new")).cookies[settings.CSRF_COOKIE_NAME]
    assert cookie["max-age"] == ""
    assert cookie["expires"] == ""


@override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True)
@pytest.mark.parametrize(
    "path", ["/static/longarm/site.css", "/static/longarm/fonts/noto-sans-cyrillic-400-normal.woff2"]
)
def test_static_files_are_not_kept_by_a_shared_phone(path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert "Permissions-Policy" in response

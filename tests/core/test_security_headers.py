import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

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


def test_sensitive_fields_are_not_remembered_by_the_browser() -> None:
    html = Client().get(reverse("intake:report_new")).content.decode()
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

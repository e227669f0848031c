import re

import pytest
from django.test import Client
from django.urls import reverse

from longarm.api.models import ApiToken
from longarm.audit.models import AuditEvent
from tests.api.helpers import api_token
from tests.conftest import STAFF_PASSWORD, Cast, log_in

pytestmark = pytest.mark.django_db

TOKEN_ON_PAGE = re.compile(r'<code class="token">([A-Za-z0-9_-]{43})</code>')


def create_in_console(client: Client, label: str = "my script", **fields: str) -> str:
    response = client.post(reverse("api_tokens:tokens"), {"label": label, "scope_reports": "read", **fields})
    assert response.status_code == 200
    match = TOKEN_ON_PAGE.search(response.content.decode())
    assert match, "the new token is shown on the page"
    return match.group(1)


def test_a_token_made_in_the_console_is_shown_once_and_opens_the_api(cast: Cast) -> None:
    console = Client()
    log_in(console, cast.caseworker)
    token = create_in_console(console)
    assert token not in console.get(reverse("api_tokens:tokens")).content.decode()
    stored = ApiToken.objects.get()
    assert token.encode() not in bytes(stored.lookup_hash)
    assert bytes(stored.wrapped_private_key)
    response = Client().get("/api/reports", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="api_token.create.read", actor=cast.caseworker).exists()


def test_a_console_session_without_its_keys_cannot_make_a_token(cast: Cast) -> None:
    console = Client()
    log_in(console, cast.caseworker)
    console.cookies.pop("longarm_vault")
    response = console.post(reverse("api_tokens:tokens"), {"label": "stolen session"})
    assert response.status_code == 302
    assert not ApiToken.objects.exists()


def test_anonymous_visitors_cannot_make_tokens() -> None:
    response = Client().post(reverse("api_tokens:tokens"), {"label": "x"})
    assert response.status_code == 302
    assert not ApiToken.objects.exists()


def test_a_revoked_token_is_refused_and_unlocks_nothing(cast: Cast) -> None:
    console = Client()
    log_in(console, cast.caseworker)
    token = create_in_console(console)
    stored = ApiToken.objects.get()
    response = console.post(reverse("api_tokens:revoke", args=[stored.pk]))
    assert response.status_code == 302
    stored.refresh_from_db()
    assert stored.revoked_at is not None
    assert bytes(stored.wrapped_private_key) == b""
    assert Client().get("/api/reports", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_nobody_revokes_another_persons_token(cast: Cast) -> None:
    api_token(cast.caseworker)
    stored = ApiToken.objects.get()
    console = Client()
    log_in(console, cast.other_caseworker)
    assert console.post(reverse("api_tokens:revoke", args=[stored.pk])).status_code == 404
    stored.refresh_from_db()
    assert stored.revoked_at is None


@pytest.mark.parametrize("header", ["", "Bearer ", "Bearer nonsense", "Bearer " + "A" * 43, "Basic abc"])
def test_bad_tokens_get_401(cast: Cast, header: str) -> None:
    api_token(cast.caseworker)
    assert Client().get("/api/reports", headers={"Authorization": header}).status_code == 401


def test_an_expired_token_or_a_deactivated_account_is_refused(cast: Cast) -> None:
    token = api_token(cast.caseworker)
    headers = {"Authorization": f"Bearer {token}"}
    cast.caseworker.is_active = False
    cast.caseworker.save()
    assert Client().get("/api/reports", headers=headers).status_code == 401
    cast.caseworker.is_active = True
    cast.caseworker.save()
    ApiToken.objects.update(expires_at=ApiToken.objects.get().created_at)
    assert Client().get("/api/reports", headers=headers).status_code == 401


def test_a_session_cookie_does_not_open_the_api(cast: Cast) -> None:
    console = Client()
    log_in(console, cast.caseworker)
    assert console.get("/api/reports").status_code == 401


@pytest.mark.parametrize("role", ["analyst", "custodian", "operator", "admin"])
def test_roles_without_content_cannot_open_the_token_page(cast: Cast, role: str) -> None:
    console = Client()
    log_in(console, getattr(cast, role))
    assert console.get(reverse("api_tokens:tokens")).status_code == 403


def test_a_password_change_revokes_the_users_tokens_audited(cast: Cast) -> None:
    mine, theirs = api_token(cast.caseworker), api_token(cast.other_caseworker)
    console = Client()
    log_in(console, cast.caseworker)
    response = console.post(
        reverse("accounts:password_change"),
        {
            "current": STAFF_PASSWORD,
            "new": "an entirely new passphrase 31",
            "repeat": "an entirely new passphrase 31",
        },
    )
    assert response.status_code == 302
    assert Client().get("/api/reports", headers={"Authorization": f"Bearer {mine}"}).status_code == 401
    assert Client().get("/api/reports", headers={"Authorization": f"Bearer {theirs}"}).status_code == 200
    revoked = ApiToken.objects.get(user=cast.caseworker)
    assert revoked.revoked_at is not None
    assert bytes(revoked.wrapped_private_key) == b""
    assert AuditEvent.objects.filter(
        action="api_token.revoke", actor=cast.caseworker, object_id=str(revoked.pk)
    ).exists()

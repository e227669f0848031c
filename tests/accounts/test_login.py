import base64

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from longarm.crypto.envelopes import decrypt
from tests.conftest import STAFF_PASSWORD, Cast, current_totp, log_in

pytestmark = pytest.mark.django_db


def post_login(client: Client, username: str, password: str, token: str) -> str:
    response = client.post(
        reverse("accounts:login"), {"username": username, "password": password, "otp_token": token}
    )
    return response.content.decode()


def test_password_and_code_together_log_a_caseworker_in(cast: Cast) -> None:
    client = Client()
    log_in(client, cast.caseworker)
    assert client.get(reverse("cases:inbox")).status_code == 200


def test_a_right_password_with_a_wrong_code_is_refused(cast: Cast) -> None:
    client = Client()
    html = post_login(client, "casey", STAFF_PASSWORD, "000000")
    assert "Those details did not work" in html
    assert client.get(reverse("cases:inbox")).status_code == 302


def test_a_wrong_password_with_a_right_code_is_refused(cast: Cast) -> None:
    client = Client()
    html = post_login(client, "casey", "not the password at all", current_totp(cast.caseworker))
    assert "Those details did not work" in html


def test_a_missing_code_is_asked_for_next_to_the_field(cast: Cast) -> None:
    html = post_login(Client(), "casey", STAFF_PASSWORD, "")
    assert "This field is required." in html


def test_too_many_failures_lock_the_account_for_a_while(cast: Cast) -> None:
    for _ in range(10):
        post_login(Client(), "casey", "wrong password here", "123456")
    html = post_login(Client(), "casey", STAFF_PASSWORD, current_totp(cast.caseworker))
    assert "Those details did not work" in html


def test_the_session_row_holds_only_a_wrapped_private_key(cast: Cast) -> None:
    client = Client()
    log_in(client, cast.caseworker)
    session = Session.objects.get()
    decoded = session.get_decoded()
    wrapped = base64.b64decode(decoded["vault:staff-private-key"])
    cookie_key = base64.urlsafe_b64decode(client.cookies["longarm_vault"].value)
    private_key = decrypt(cookie_key, wrapped, context=b"longarm session vault:staff-private-key")
    assert len(private_key) == 32
    assert private_key not in session.session_data.encode()
    assert private_key not in wrapped


def test_the_key_cookie_is_http_only_and_strict(cast: Cast) -> None:
    client = Client()
    log_in(client, cast.caseworker)
    cookie = client.cookies["longarm_vault"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Strict"


def test_logging_out_ends_access(cast: Cast) -> None:
    client = Client()
    log_in(client, cast.caseworker)
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("cases:inbox")).status_code == 302

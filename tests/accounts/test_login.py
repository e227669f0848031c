import base64
from collections.abc import Callable
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from longarm.accounts import services
from longarm.accounts.models import Role, StaffUser
from longarm.accounts.services import LOGIN_FAILURES_PER_LEVEL, staff_login_level
from longarm.audit.models import AuditEvent
from longarm.core.throttle import Limit, hashed_key, record_failure
from longarm.crypto.envelopes import decrypt
from longarm.gate.tokens import MAX_LEVEL
from tests.conftest import STAFF_PASSWORD, Cast, current_totp, log_in
from tests.gate.helpers import gate_fields

pytestmark = pytest.mark.django_db


def post_login(client: Client, username: str, password: str, token: str) -> str:
    response = client.post(
        reverse("accounts:login"),
        {
            "username": username,
            "password": password,
            "otp_token": token,
            **gate_fields("login", level=staff_login_level(username=username)),
        },
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
    assert "Enter the 6-digit code your authenticator app shows now, or log in with your passkey." in html


def test_errors_are_summarised_at_the_top_with_links_and_without_the_reporters_wording(cast: Cast) -> None:
    html = post_login(Client(), "casey", STAFF_PASSWORD, "")
    summary = html.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert "There is a problem" in summary
    assert (
        '<a href="#id_otp_token">Enter the 6-digit code your authenticator app shows now, or log in with '
        "your passkey.</a>" in summary
    )
    assert "Look for the messages next to the questions" not in html
    # The summary takes the focus as the page loads; the user name field gives up its own autofocus.
    assert summary.split(">", 1)[0].count("autofocus") == 1
    assert html.count("autofocus") == 1
    refused = post_login(Client(), "casey", STAFF_PASSWORD, "000000")
    assert "Those details did not work" in refused.split('class="error-summary"', 1)[1].split("</div>", 1)[0]


def test_failures_under_a_case_variant_never_lock_out_the_real_account(
    make_staff: Callable[..., StaffUser],
) -> None:
    ana = make_staff("ana", Role.CASEWORKER)
    for _ in range(12):
        assert "Those details did not work" in post_login(Client(), "ANA", "wrong password here", "123456")
    # The back-off has risen: the right password and code still get through, paying the higher level.
    assert staff_login_level(username="ana") >= 2
    client = Client()
    post_login(client, "ana", STAFF_PASSWORD, current_totp(ana))
    assert client.get(reverse("cases:inbox")).status_code == 200


def test_the_price_stops_at_the_highest_level_so_a_flood_of_failures_never_locks_the_account(
    make_staff: Callable[..., StaffUser],
) -> None:
    ana = make_staff("ana", Role.CASEWORKER)
    limit = Limit(
        scope="staff-login", key=hashed_key("staff-login", "ana"), maximum=0, window=timedelta(minutes=15)
    )
    for _ in range(LOGIN_FAILURES_PER_LEVEL * (MAX_LEVEL + 5)):
        record_failure(limit)
    # Far more failures than the highest level counts: the demand stays one that can be paid.
    assert staff_login_level(username="ana") == MAX_LEVEL
    client = Client()
    post_login(client, "ana", STAFF_PASSWORD, current_totp(ana))
    assert client.get(reverse("cases:inbox")).status_code == 200


def test_failures_raise_the_price_of_the_next_attempt_instead_of_locking(cast: Cast) -> None:
    for _ in range(LOGIN_FAILURES_PER_LEVEL):
        post_login(Client(), "casey", "wrong password here", "123456")
    client = Client()
    response = client.post(
        reverse("accounts:login"),
        {
            "username": "CASEY",
            "password": STAFF_PASSWORD,
            "otp_token": current_totp(cast.caseworker),
            **gate_fields("login", level=0),
        },
    )
    html = response.content.decode()
    assert "this needs a longer check" in html
    assert 'value="CASEY"' in html
    # The page offers the level now needed, and a cheap attempt was not counted as another failure.
    assert "/gate/challenge/login/?level=1" in html
    assert staff_login_level(username="casey") == 1
    post_login(client, "casey", STAFF_PASSWORD, current_totp(cast.caseworker))
    assert client.get(reverse("cases:inbox")).status_code == 200


def test_a_log_in_without_the_gate_is_refused_before_the_password_is_checked(cast: Cast) -> None:
    client = Client()
    with mock.patch.object(services, "authenticate") as authenticate:
        response = client.post(
            reverse("accounts:login"),
            {"username": "casey", "password": STAFF_PASSWORD, "otp_token": current_totp(cast.caseworker)},
        )
    assert authenticate.call_count == 0
    assert "needs a short anti-abuse check" in response.content.decode()
    assert client.get(reverse("cases:inbox")).status_code == 302


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


def test_a_wrong_code_after_the_right_password_is_an_alert_naming_the_account(cast: Cast) -> None:
    post_login(Client(), cast.caseworker.username, STAFF_PASSWORD, "000000")
    event = AuditEvent.objects.filter(action="alert.login_wrong_code").get()
    assert (event.object_type, event.object_id, event.actor) == ("staff", str(cast.caseworker.pk), None)
    assert "000000" not in repr(list(AuditEvent.objects.values("action", "object_type", "object_id")))
    assert STAFF_PASSWORD not in repr(list(AuditEvent.objects.values("action", "object_type", "object_id")))
    admin = Client()
    log_in(admin, cast.admin)
    page = admin.get(reverse("cases:staff_list")).content.decode()
    assert "they may know the password" in page
    assert f"Staff member {cast.caseworker.username}" in page


def test_a_wrong_password_is_an_audit_event_naming_the_account(cast: Cast) -> None:
    post_login(Client(), cast.caseworker.username, "not the password", "000000")
    event = AuditEvent.objects.filter(action="staff.login_refused.password").get()
    assert event.object_id == str(cast.caseworker.pk)
    assert "not the password" not in repr(
        list(AuditEvent.objects.values("action", "object_type", "object_id"))
    )

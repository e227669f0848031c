"""Passkeys as the staff second factor (issue 18), against a software authenticator: enrolment, log-in in one
step with the password, what the challenge reveals, replays and other origins, the per-role policy that
forbids codes, removal, and the Permissions-Policy that lets only these pages use WebAuthn."""

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django_otp_webauthn.models import WebAuthnCredential

from longarm.accounts.models import Role, SecondFactorPolicy, StaffUser
from longarm.accounts.passkeys import second_factor_policy_set
from longarm.accounts.services import staff_login_level, staff_offboard
from longarm.audit.models import AuditEvent
from tests.accounts.soft_authenticator import SoftAuthenticator
from tests.conftest import STAFF_PASSWORD, Cast, current_totp, log_in
from tests.gate.helpers import gate_fields

pytestmark = pytest.mark.django_db


def enrol(client: Client, authenticator: SoftAuthenticator, name: str = "blue key") -> None:
    options = client.post(reverse("accounts:passkey_options")).json()
    response = client.post(
        reverse("accounts:security"), {"name": name, "credential": authenticator.create(options)}
    )
    assert response.status_code == 302, response.content.decode()[:3000]


def post_login(client: Client, user: StaffUser, **fields: str) -> str | None:
    """Log in; the page's error summary on refusal, None on success."""
    response = client.post(
        reverse("accounts:login"),
        {
            "username": user.username,
            "password": STAFF_PASSWORD,
            "otp_token": "",
            **gate_fields("login", level=staff_login_level(username=user.username)),
            **fields,
        },
    )
    if response.status_code == 302:
        return None
    return response.content.decode().split('class="error-summary"', 1)[1].split("</div>", 1)[0]


def passkey_answer(client: Client, authenticator: SoftAuthenticator) -> str:
    return authenticator.get(client.post(reverse("accounts:passkey_login_options")).json())


@pytest.fixture
def enrolled(cast: Cast) -> SoftAuthenticator:
    """The caseworker's passkey, enrolled in the console; they are logged out again."""
    authenticator = SoftAuthenticator()
    console = Client()
    log_in(console, cast.caseworker)
    enrol(console, authenticator)
    return authenticator


def test_a_passkey_enrolled_in_the_console_logs_in_beside_the_password(
    cast: Cast, enrolled: SoftAuthenticator
) -> None:
    stored = WebAuthnCredential.objects.get(user=cast.caseworker)
    assert stored.name == "blue key"
    assert stored.discoverable
    client = Client()
    assert post_login(client, cast.caseworker, passkey=passkey_answer(client, enrolled)) is None
    assert client.get(reverse("cases:inbox")).status_code == 200
    assert AuditEvent.objects.filter(action="staff.passkey_add", actor=cast.caseworker).exists()
    assert AuditEvent.objects.filter(action="staff.login.passkey", actor=cast.caseworker).exists()


def test_the_challenge_names_no_account_and_no_credential(cast: Cast, enrolled: SoftAuthenticator) -> None:
    options = Client().post(reverse("accounts:passkey_login_options")).json()
    assert options.get("allowCredentials", []) == []
    assert options["rpId"] == "testserver"
    assert options["userVerification"] == "discouraged"
    assert Client().get(reverse("accounts:passkey_login_options")).status_code == 405


def test_a_passkey_does_not_replace_the_password(cast: Cast, enrolled: SoftAuthenticator) -> None:
    client = Client()
    summary = post_login(
        client, cast.caseworker, password="not the password at all", passkey=passkey_answer(client, enrolled)
    )
    assert summary is not None
    assert "Those details did not work" in summary


def test_another_persons_passkey_is_refused(cast: Cast, enrolled: SoftAuthenticator) -> None:
    console = Client()
    log_in(console, cast.other_caseworker)
    theirs = SoftAuthenticator()
    enrol(console, theirs)
    client = Client()
    summary = post_login(client, cast.caseworker, passkey=passkey_answer(client, theirs))
    assert summary is not None
    assert "Those details did not work" in summary
    assert AuditEvent.objects.filter(
        action="alert.login_wrong_code", object_id=str(cast.caseworker.pk)
    ).exists()


def test_an_answer_is_accepted_once(cast: Cast, enrolled: SoftAuthenticator) -> None:
    client = Client()
    answer = passkey_answer(client, enrolled)
    assert post_login(client, cast.caseworker, passkey=answer) is None
    replay = Client()
    assert post_login(replay, cast.caseworker, passkey=answer) is not None
    replay.post(reverse("accounts:passkey_login_options"))  # a new challenge does not revive the old answer
    assert post_login(replay, cast.caseworker, passkey=answer) is not None


def test_an_answer_made_for_another_site_is_refused(cast: Cast, enrolled: SoftAuthenticator) -> None:
    enrolled.origin = "https://longarm.example.net"
    client = Client()
    assert post_login(client, cast.caseworker, passkey=passkey_answer(client, enrolled)) is not None


@pytest.mark.parametrize("answer", ["", "{", "[]", '{"id": "x"}', "x" * 20_000])
def test_malformed_answers_are_refused_without_an_error(cast: Cast, answer: str) -> None:
    client = Client()
    client.post(reverse("accounts:passkey_login_options"))
    summary = post_login(client, cast.caseworker, passkey=answer)
    assert summary is not None


def test_an_enrolment_that_answers_no_challenge_is_refused(cast: Cast) -> None:
    console = Client()
    log_in(console, cast.caseworker)
    options = console.post(reverse("accounts:passkey_options")).json()
    created = SoftAuthenticator().create(options)
    assert console.post(reverse("accounts:security"), {"name": "a", "credential": created}).status_code == 302
    again = console.post(reverse("accounts:security"), {"name": "b", "credential": created})
    assert "The passkey could not be added" in again.content.decode()
    assert WebAuthnCredential.objects.filter(user=cast.caseworker).count() == 1


def test_a_role_that_forbids_codes_refuses_a_code_once_a_passkey_is_held(cast: Cast) -> None:
    console = Client()
    log_in(console, cast.custodian)
    authenticator = SoftAuthenticator()
    enrol(console, authenticator)
    second_factor_policy_set(actor=cast.admin, role=Role.CUSTODIAN, totp_allowed=False)

    summary = post_login(Client(), cast.custodian, otp_token=current_totp(cast.custodian))
    assert summary is not None
    assert "Your role logs in with a passkey or security key, not a code." in summary
    assert AuditEvent.objects.filter(
        action="staff.login_refused.code_forbidden", object_id=str(cast.custodian.pk)
    ).exists()
    client = Client()
    assert post_login(client, cast.custodian, passkey=passkey_answer(client, authenticator)) is None
    # Other roles keep their codes.
    assert post_login(Client(), cast.caseworker, otp_token=current_totp(cast.caseworker)) is None


def test_without_a_passkey_a_forbidden_code_opens_only_enrolment(cast: Cast) -> None:
    second_factor_policy_set(actor=cast.admin, role=Role.CUSTODIAN, totp_allowed=False)
    client = Client()
    response = client.post(
        reverse("accounts:login"),
        {
            "username": cast.custodian.username,
            "password": STAFF_PASSWORD,
            "otp_token": current_totp(cast.custodian),
            **gate_fields("login", level=0),
        },
    )
    assert response["Location"] == reverse("accounts:security")
    queue = reverse("cases:disclosure_queue")
    assert client.get(queue)["Location"] == reverse("accounts:security")
    assert client.get(reverse("accounts:password_change"))["Location"] == reverse("accounts:security")
    assert "Add one now" in client.get(reverse("accounts:security")).content.decode()
    assert AuditEvent.objects.filter(action="staff.login.enrolment_only", actor=cast.custodian).exists()

    enrol(client, SoftAuthenticator())
    assert client.get(queue).status_code == 200


def test_forbidding_codes_ends_the_sessions_a_code_opened_for_that_role(cast: Cast) -> None:
    custodian, caseworker = Client(), Client()
    log_in(custodian, cast.custodian)
    log_in(caseworker, cast.caseworker)
    second_factor_policy_set(actor=cast.admin, role=Role.CUSTODIAN, totp_allowed=False)
    assert custodian.get(reverse("cases:disclosure_queue")).status_code == 302
    assert caseworker.get(reverse("cases:inbox")).status_code == 200
    assert AuditEvent.objects.filter(
        action="second_factor.totp_forbidden:ended=1", object_type="role", object_id="custodian"
    ).exists()


def test_administrators_choose_the_roles_that_may_use_codes(cast: Cast) -> None:
    admin = Client()
    log_in(admin, cast.admin)
    page = admin.get(reverse("accounts:second_factors"))
    assert page.status_code == 200
    allowed = {role.value: "on" for role in Role if role not in {Role.CUSTODIAN, Role.ADMIN}}
    response = admin.post(reverse("accounts:second_factors"), allowed)
    assert response["Location"] == reverse("accounts:login")
    assert dict(SecondFactorPolicy.objects.values_list("role", "totp_allowed")) == {
        "custodian": False,
        "admin": False,
    }
    assert (
        AuditEvent.objects.filter(action__startswith="second_factor.totp_forbidden", actor=cast.admin).count()
        == 2
    )
    # The administrator's own session, opened with a code, ended with the rule.
    assert admin.get(reverse("accounts:second_factors")).status_code == 302
    caseworker = Client()
    log_in(caseworker, cast.caseworker)
    assert caseworker.get(reverse("accounts:second_factors")).status_code == 403


def test_a_passkey_is_removed_by_its_holder_after_confirming(cast: Cast, enrolled: SoftAuthenticator) -> None:
    device = WebAuthnCredential.objects.get(user=cast.caseworker)
    url = reverse("accounts:passkey_remove", args=[device.pk])
    other = Client()
    log_in(other, cast.other_caseworker)
    assert other.post(url, {"confirmed": "yes"}).status_code == 404
    holder = Client()
    log_in(holder, cast.caseworker)
    assert "Yes, I am sure" in holder.post(url).content.decode()
    assert WebAuthnCredential.objects.filter(pk=device.pk).exists()
    assert holder.post(url, {"confirmed": "yes"}).status_code == 302
    assert not WebAuthnCredential.objects.filter(pk=device.pk).exists()
    assert AuditEvent.objects.filter(action="staff.passkey_remove", actor=cast.caseworker).exists()


def test_an_administrator_removes_the_passkeys_of_someone_who_lost_them(
    cast: Cast, enrolled: SoftAuthenticator
) -> None:
    admin = Client()
    log_in(admin, cast.admin)
    assert cast.caseworker.username in admin.get(reverse("accounts:second_factors")).content.decode()
    url = reverse("accounts:staff_passkeys_remove", args=[cast.caseworker.pk])
    assert admin.post(url).status_code == 200
    assert admin.post(url, {"confirmed": "yes"}).status_code == 302
    assert not WebAuthnCredential.objects.filter(user=cast.caseworker).exists()
    assert AuditEvent.objects.filter(
        action="staff.passkey_remove", actor=cast.admin, object_id=str(cast.caseworker.pk)
    ).exists()


def test_offboarding_deletes_the_passkeys(cast: Cast, enrolled: SoftAuthenticator) -> None:
    staff_offboard(actor=cast.admin, staff=cast.caseworker, accept_unheld=True)
    assert not WebAuthnCredential.objects.filter(user=cast.caseworker).exists()


@pytest.mark.parametrize(
    ("page", "allowed"),
    [
        ("accounts:login", "publickey-credentials-get"),
        ("accounts:security", "publickey-credentials-create"),
        ("cases:inbox", None),
        ("accounts:password_change", None),
    ],
)
def test_only_the_passkey_pages_may_use_webauthn(
    cast: Cast, page: str, allowed: str | None, make_staff: Callable[..., StaffUser]
) -> None:
    client = Client()
    log_in(client, cast.caseworker)
    policy = client.get(reverse(page))["Permissions-Policy"]
    for feature in ("publickey-credentials-get", "publickey-credentials-create"):
        assert f"{feature}={'(self)' if feature == allowed else '()'}" in policy
    assert "camera=()" in policy


@pytest.mark.parametrize("page", ["accounts:login", "accounts:security"])
def test_the_passkey_pages_load_only_our_own_scripts(cast: Cast, page: str) -> None:
    client = Client()
    log_in(client, cast.caseworker)
    response = client.get(reverse(page))
    assert "script-src 'self'" in response["Content-Security-Policy"]
    html = response.content.decode()
    sources = re.findall(r"<script[^>]*\ssrc=\"([^\"]+)\"", html)
    assert "/static/accounts/passkeys.js" in sources
    assert all(source.startswith("/static/") for source in sources)
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html), "no inline script"


def test_a_refused_passkey_answer_is_not_sent_back_with_the_page(
    cast: Cast, enrolled: SoftAuthenticator
) -> None:
    client = Client()
    answer = passkey_answer(client, enrolled)
    response = client.post(
        reverse("accounts:login"),
        {"username": cast.caseworker.username, "password": "wrong password here", "passkey": answer},
    )
    assert response.status_code == 200
    assert '<input type="hidden" name="passkey" value="">' in response.content.decode()
    assert post_login(client, cast.caseworker, otp_token=current_totp(cast.caseworker)) is None

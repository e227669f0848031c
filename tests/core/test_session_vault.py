"""The session vault key is always minted by the server: a planted cookie never wraps a secret (issue 11,
item 2). Each test plays the attacker who set ``longarm_vault`` in the victim's browser beforehand and later
reads the session row (a backup, a dump of the session table)."""

import base64
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client, override_settings
from django.urls import reverse

from longarm.crypto.envelopes import decrypt
from longarm.crypto.errors import DecryptionError
from longarm.gate.tokens import Purpose
from longarm.intake.models import Report
from tests.accounts.test_password_change import NEW_PASSWORD, change
from tests.conftest import STAFF_PASSWORD, Cast, log_in
from tests.core.production import production_settings
from tests.gate.helpers import gate_fields
from tests.intake.helpers import submit_report

pytestmark = pytest.mark.django_db

PLANTED = bytes(range(32))


def plant(client: Client, key: bytes = PLANTED) -> None:
    client.cookies[settings.LONGARM_VAULT_COOKIE_NAME] = base64.urlsafe_b64encode(key).decode("ascii")


def cookie_key(client: Client) -> bytes:
    return base64.urlsafe_b64decode(client.cookies[settings.LONGARM_VAULT_COOKIE_NAME].value)


def session_row(client: Client) -> dict[str, Any]:
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    decoded: dict[str, Any] = Session.objects.get(session_key=key).get_decoded()
    return decoded


def vault_entries(client: Client) -> dict[str, bytes]:
    return {
        name.removeprefix("vault:"): base64.b64decode(value)
        for name, value in session_row(client).items()
        if name.startswith("vault:")
    }


def opens(key: bytes, entries: dict[str, bytes]) -> list[str]:
    """The names of the entries ``key`` decrypts."""
    opened = []
    for name, sealed in entries.items():
        try:
            decrypt(key, sealed, context=f"longarm session vault:{name}".encode())
        except DecryptionError:
            continue
        opened.append(name)
    return opened


def test_a_planted_cookie_cannot_unwrap_the_private_key_stored_at_staff_login(cast: Cast) -> None:
    client = Client()
    plant(client)
    log_in(client, cast.caseworker)
    entries = vault_entries(client)
    assert "staff-private-key" in entries
    assert opens(PLANTED, entries) == []
    assert cookie_key(client) != PLANTED
    assert opens(cookie_key(client), entries) == ["staff-private-key"]
    assert client.get(reverse("cases:inbox")).status_code == 200


def test_logging_in_again_in_the_same_browser_mints_a_new_key(cast: Cast) -> None:
    # Django keeps the session key when the same person logs in again; the vault key must change anyway.
    client = Client()
    log_in(client, cast.caseworker)
    first = cookie_key(client)
    log_in(client, cast.caseworker)
    assert cookie_key(client) != first
    assert opens(first, vault_entries(client)) == []
    assert client.get(reverse("cases:inbox")).status_code == 200


def test_a_planted_cookie_cannot_unwrap_the_report_keys_stored_at_receipt_log_in(cast: Cast) -> None:
    receipt = submit_report(Client())
    reporter = Client()
    plant(reporter)
    response = reporter.post(
        reverse("intake:mailbox_login"), {"receipt": receipt, **gate_fields(Purpose.RECEIPT)}, follow=True
    )
    assert "reading club" in response.content.decode()
    entries = vault_entries(reporter)
    assert {"reporter-data-key", "reporter-identity-key"} <= set(entries)
    assert opens(PLANTED, entries) == []
    assert cookie_key(reporter) != PLANTED


# Real transactions: what a submission keeps in the vault is written when its transaction commits.
@pytest.mark.django_db(transaction=True)
def test_a_planted_cookie_cannot_unwrap_what_a_plain_submission_stores(cast: Cast) -> None:
    reporter = Client()
    plant(reporter)
    submit_report(reporter)
    entries = vault_entries(reporter)
    assert entries, "a submission keeps the (empty) list of questionnaire files in the vault"
    assert opens(PLANTED, entries) == []
    assert cookie_key(reporter) != PLANTED


@pytest.mark.django_db(transaction=True)
def test_a_planted_session_and_vault_cookie_pair_is_worth_nothing_after_a_submission(cast: Cast) -> None:
    # The attacker makes a session of their own (its vault key minted by the server), then plants both cookies
    # in the victim's browser: the victim's submission must move to a new session under a new key.
    attacker = Client()
    submit_report(attacker)
    planted_session = attacker.cookies[settings.SESSION_COOKIE_NAME].value
    planted_key = cookie_key(attacker)
    victim = Client()
    victim.cookies[settings.SESSION_COOKIE_NAME] = planted_session
    plant(victim, planted_key)
    submit_report(victim)
    assert victim.cookies[settings.SESSION_COOKIE_NAME].value != planted_session
    assert not Session.objects.filter(session_key=planted_session).exists()
    assert opens(planted_key, vault_entries(victim)) == []


def test_a_password_change_cycles_the_session_and_the_vault_key_and_keeps_the_private_key(
    cast: Cast,
) -> None:
    submit_report(Client())
    client = Client()
    log_in(client, cast.caseworker)
    before = cookie_key(client)
    assert "Your password is changed." in change(client, STAFF_PASSWORD, NEW_PASSWORD)
    assert cookie_key(client) != before
    assert opens(before, vault_entries(client)) == []
    assert opens(cookie_key(client), vault_entries(client)) == ["staff-private-key"]
    report = Report.objects.get()
    assert "reading club" in client.get(f"/console/reports/{report.public_id}/").content.decode()


def test_a_cookie_minted_for_another_session_opens_nothing_here(cast: Cast) -> None:
    staff = Client()
    log_in(staff, cast.caseworker)
    other = Client()
    log_in(other, cast.other_caseworker)
    # Another session's genuine key, planted beside this session's cookie: the vault refuses it.
    plant(staff, cookie_key(other))
    assert staff.get(reverse("cases:inbox")).status_code == 302
    assert opens(cookie_key(other), vault_entries(staff)) == []


def test_the_session_row_does_not_say_which_report_the_browser_opened(cast: Cast) -> None:
    receipt = submit_report(Client())
    reporter = Client()
    reporter.post(
        reverse("intake:mailbox_login"), {"receipt": receipt, **gate_fields(Purpose.RECEIPT)}, follow=True
    )
    report = Report.objects.get()
    key = reporter.cookies[settings.SESSION_COOKIE_NAME].value
    row = Session.objects.get(session_key=key)
    assert str(report.public_id) not in str(row.get_decoded())
    assert str(report.public_id) not in row.session_data
    assert "reading club" in reporter.get(reverse("intake:mailbox")).content.decode()


def test_behind_https_no_cookie_can_be_planted_from_another_host_or_plain_http() -> None:
    secure = production_settings(LONGARM_HTTPS="true")
    names = ["SESSION_COOKIE_NAME", "CSRF_COOKIE_NAME", "LANGUAGE_COOKIE_NAME", "LONGARM_VAULT_COOKIE_NAME"]
    assert all(secure[name].startswith("__Host-") for name in names)
    # __Host- cookies must be Secure, for the path /, and without a Domain attribute.
    for kind in ("SESSION", "CSRF", "LANGUAGE"):
        assert secure[f"{kind}_COOKIE_SECURE"] is True
        assert secure[f"{kind}_COOKIE_DOMAIN"] is None
        assert secure[f"{kind}_COOKIE_PATH"] == "/"
    plain = production_settings(LONGARM_HTTPS="false")
    assert not any(plain[name].startswith("__Host-") for name in names)


@override_settings(HTTPS=True, LONGARM_VAULT_COOKIE_NAME="__Host-longarm_vault")
def test_the_vault_cookie_meets_the_host_prefix_rules(cast: Cast) -> None:
    client = Client()
    log_in(client, cast.caseworker)
    cookie = client.cookies["__Host-longarm_vault"]
    assert cookie["secure"]
    assert cookie["path"] == "/"
    assert not cookie["domain"]

"""The gate (issue 11 items 3, 4, 8 and 18): every anonymous attempt pays for itself, once, for one purpose,
before anything expensive runs, and no amount of anonymous traffic locks anyone out."""

import re
import time
from collections.abc import Callable
from io import StringIO
from typing import Any
from unittest import mock

import altcha
import pytest
from django.core.management import call_command
from django.db import OperationalError, connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from longarm.core.models import ThrottleCounter
from longarm.gate import pressure
from longarm.gate.models import SpentToken
from longarm.gate.tokens import POW_FIELD, TIMELOCK_FIELD, Purpose, timelock_issue, work_for
from longarm.intake import services as intake_services
from longarm.intake.models import Report
from tests.cases.test_attestations import _issue
from tests.conftest import STAFF_PASSWORD, Cast, current_totp
from tests.gate.helpers import gate_fields, solved_pow
from tests.intake.helpers import answer_steps, receipt_from, report_answers, step_url, submit_report

pytestmark = pytest.mark.django_db

_TIMELOCK_INPUT = re.compile(r'name="gate_timelock" value="([^"]+)"')


def _without_gate(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key not in {POW_FIELD, TIMELOCK_FIELD}}


def _mailbox(client: Client, receipt: str, gate: dict[str, str]) -> str:
    response = client.post(reverse("intake:mailbox_login"), {"receipt": receipt, **gate}, follow=True)
    return response.content.decode()


# Receipts ---------------------------------------------------------------------------------------------------


def test_a_flood_of_wrong_receipts_from_fresh_sessions_never_locks_out_a_real_receipt(cast: Cast) -> None:
    receipt = submit_report(Client())
    # More wrong receipts than the old site-wide limit (60), each from a new session, each paying the gate:
    # half with the library's own solver (JavaScript), half with an aged time-lock token (no JavaScript).
    for attempt in range(70):
        gate = solved_pow("receipt") if attempt % 2 else gate_fields("receipt")
        assert "does not open a report" in _mailbox(Client(), f"{attempt:020d}", gate)
    html = _mailbox(Client(), receipt, solved_pow("receipt"))
    assert "reading club" in html
    assert "Too many" not in html


@override_settings(LONGARM_RECEIPT_ATTEMPTS_PER_SESSION=2)
def test_the_per_session_nuisance_limit_does_not_touch_a_new_session(cast: Cast) -> None:
    receipt = submit_report(Client())
    noisy = Client()
    for attempt in range(3):
        _mailbox(noisy, f"{attempt:020d}", gate_fields("receipt"))
    assert "Too many tries from this browser" in _mailbox(noisy, receipt, gate_fields("receipt"))
    assert "reading club" in _mailbox(Client(), receipt, gate_fields("receipt"))


def test_a_receipt_without_the_gate_costs_no_argon2id_and_keeps_what_was_typed(cast: Cast) -> None:
    receipt = submit_report(Client())
    with mock.patch.object(
        intake_services, "receipt_lookup_hash", wraps=intake_services.receipt_lookup_hash
    ) as lookups:
        html = _mailbox(Client(), receipt, {})
    assert lookups.call_count == 0
    assert "needs a short anti-abuse check" in html
    assert f'value="{receipt}"' in html
    assert "reading club" not in html


# Every purpose ----------------------------------------------------------------------------------------------


def _post_receipt(client: Client, gate: dict[str, str], cast: Cast) -> tuple[str, str]:
    response = client.post(reverse("intake:mailbox_login"), {"receipt": "1234" * 5, **gate})
    return response.content.decode(), "12341234123412341234"


def _review_fields(client: Client) -> tuple[str, dict[str, str]]:
    """Answer the questions; the last step's page and what its form posts, the gate left out."""
    page = answer_steps(client, _without_gate(report_answers())).content.decode()
    token = re.search(r'name="submission_token" value="([^"]+)"', page)
    assert token
    return page, {
        "typed_receipt": receipt_from(page),
        "submission_token": token.group(1),
        "consent": "review",
    }


def _post_report(client: Client, gate: dict[str, str], cast: Cast) -> tuple[str, str]:
    _, fields = _review_fields(client)
    response = client.post(step_url("review"), {**fields, **gate})
    return response.content.decode(), "reading club"


def _post_login(client: Client, gate: dict[str, str], cast: Cast) -> tuple[str, str]:
    response = client.post(
        reverse("accounts:login"),
        {"username": "casey", "password": STAFF_PASSWORD, "otp_token": current_totp(cast.caseworker), **gate},
    )
    return response.content.decode(), 'value="casey"'


def _post_attestation(client: Client, gate: dict[str, str], cast: Cast) -> tuple[str, str]:
    response = client.post(
        reverse("attestations:verify"), {"reference": "LA-A-2026-01234567", "code": "7" * 20, **gate}
    )
    return response.content.decode(), "LA-A-2026-01234567"


POSTS: dict[str, Callable[[Client, dict[str, str], Cast], tuple[str, str]]] = {
    "receipt": _post_receipt,
    "report": _post_report,
    "login": _post_login,
    "attestation": _post_attestation,
}
REFUSED = ("needs a short anti-abuse check", "was used up")


def _refused(html: str) -> bool:
    return any(text in html for text in REFUSED)


@pytest.mark.parametrize("purpose", POSTS)
def test_an_attempt_without_a_solution_is_refused_and_keeps_what_was_typed(purpose: str, cast: Cast) -> None:
    client = Client()
    html, typed = POSTS[purpose](client, {}, cast)
    assert "needs a short anti-abuse check" in html
    assert typed in html
    assert not Report.objects.exists()
    # A fresh time-lock token (and the widget) come with the page, for the next try.
    assert _TIMELOCK_INPUT.search(html)
    assert f"/gate/challenge/{purpose}/" in html


@pytest.mark.parametrize("purpose", POSTS)
@pytest.mark.parametrize("kind", ["pow", "timelock"])
def test_a_solution_buys_exactly_one_attempt(purpose: str, kind: str, cast: Cast) -> None:
    gate = solved_pow(purpose) if kind == "pow" else gate_fields(purpose)
    first, _typed = POSTS[purpose](Client(), gate, cast)
    assert not _refused(first)
    second, typed = POSTS[purpose](Client(), gate, cast)
    assert "was used up" in second
    assert typed in second


@pytest.mark.parametrize("purpose", POSTS)
@pytest.mark.parametrize("kind", ["pow", "timelock"])
def test_a_solution_for_another_purpose_is_refused(purpose: str, kind: str, cast: Cast) -> None:
    other = next(name for name in POSTS if name != purpose)
    gate = solved_pow(other) if kind == "pow" else gate_fields(other)
    html, typed = POSTS[purpose](Client(), gate, cast)
    assert "needs a short anti-abuse check" in html
    assert typed in html


@pytest.mark.parametrize("purpose", POSTS)
@pytest.mark.parametrize("kind", ["pow", "timelock"])
def test_an_expired_solution_is_refused(purpose: str, kind: str, cast: Cast) -> None:
    with mock.patch("time.time", return_value=time.time() - 5 * 3600):
        gate = solved_pow(purpose) if kind == "pow" else gate_fields(purpose)
    html, typed = POSTS[purpose](Client(), gate, cast)
    assert "was used up" in html
    assert typed in html


@pytest.mark.parametrize("purpose", POSTS)
def test_a_forged_solution_is_refused(purpose: str, cast: Cast) -> None:
    challenge = altcha.create_challenge(
        "PBKDF2/SHA-256", 1, counter=0, data={"purpose": purpose, "level": 0}, hmac_secret="guessed"
    )
    solution = altcha.solve_challenge(challenge)
    assert solution is not None
    forged = {POW_FIELD: altcha.Payload(challenge, solution).to_base64(), TIMELOCK_FIELD: "x:y:z"}
    html, typed = POSTS[purpose](Client(), forged, cast)
    assert "needs a short anti-abuse check" in html
    assert typed in html


def test_refusals_are_translated(cast: Cast) -> None:
    client = Client(headers={"accept-language": "ug"})
    html = client.post(reverse("intake:mailbox_login"), {"receipt": "1234" * 5}).content.decode()
    assert 'lang="ug"' in html
    assert "anti-abuse" not in html
    # "This form needs a short anti-abuse check …", in Uyghur.
    assert "قىسقا بىر قېتىملىق قالايمىقان ئىشلىتىشنىڭ ئالدىنى ئېلىش تەكشۈرۈشى" in html


# Without JavaScript -----------------------------------------------------------------------------------------


@override_settings(LONGARM_GATE_DELAY_SECONDS=10)
def test_without_javascript_the_wait_is_shown_kept_and_then_the_report_is_sent(cast: Cast) -> None:
    client = Client()
    page, fields = _review_fields(client)
    assert "please wait 10 seconds before you press the button" in page
    token = _TIMELOCK_INPUT.search(page)
    assert token
    answers = {**fields, TIMELOCK_FIELD: token.group(1)}
    early = client.post(step_url("review"), answers).content.decode()
    left = re.search(r"Please wait (\d+) more seconds?", early)
    assert left
    assert 0 < int(left.group(1)) <= 10
    assert "reading club" in early
    # The same token comes back, so the seconds already waited are not lost.
    kept = _TIMELOCK_INPUT.search(early)
    assert kept
    assert kept.group(1) == token.group(1)
    with mock.patch("longarm.gate.tokens.time.time", return_value=time.time() + 11):
        sent = client.post(step_url("review"), answers)
    assert sent["Location"] == reverse("intake:report_sent")
    assert Report.objects.count() == 1


@override_settings(LONGARM_GATE_DELAY_SECONDS=10)
def test_a_time_lock_token_cannot_be_made_valid_early_by_editing_it(cast: Cast) -> None:
    token = timelock_issue(purpose=Purpose.RECEIPT, level=0).token
    payload, stamp, signature = token.rsplit(":", 2)
    tampered = f"{payload[:-2]}AA:{stamp}:{signature}"
    html = _mailbox(Client(), "1234" * 5, {TIMELOCK_FIELD: tampered})
    assert "needs a short anti-abuse check" in html


# Pressure ---------------------------------------------------------------------------------------------------


@override_settings(LONGARM_GATE_PRESSURE_STEP=3, LONGARM_GATE_DELAY_SECONDS=5)
def test_pressure_raises_the_price_for_new_attempts_and_never_refuses_one(cast: Cast) -> None:
    start = Client().get(reverse("gate:challenge", args=["receipt"])).json()
    assert start["parameters"]["data"]["level"] == 0
    for attempt in range(6):
        _mailbox(Client(), f"{attempt:020d}", gate_fields("receipt"))
    challenge = Client().get(reverse("gate:challenge", args=["receipt"])).json()
    assert challenge["parameters"]["data"]["level"] == 2
    assert work_for(2) == 4 * work_for(0)
    page = Client().get(reverse("intake:mailbox_login")).content.decode()
    assert "please wait 20 seconds" in page
    assert "/gate/challenge/receipt/?level=2" in page
    # Other purposes are priced by their own traffic.
    assert Client().get(reverse("gate:challenge", args=["report"])).json()["parameters"]["data"]["level"] == 0
    # A solution issued before the pressure rose still buys its attempt.
    assert "does not open a report" in _mailbox(Client(), "9" * 20, gate_fields("receipt"))


def test_the_challenge_endpoint_serves_only_known_purposes_and_only_harder_levels(cast: Cast) -> None:
    assert Client().get("/gate/challenge/other/").status_code == 404
    assert Client().post(reverse("gate:challenge", args=["report"])).status_code == 405
    asked = Client().get(reverse("gate:challenge", args=["report"]) + "?level=3").json()
    assert asked["parameters"]["data"] == {"purpose": "report", "level": 3}
    assert asked["parameters"]["algorithm"] == "PBKDF2/SHA-256"
    assert "keySignature" in asked["parameters"]


@override_settings(LONGARM_GATE_PRESSURE_STEP=3)
def test_a_challenge_is_still_issued_while_the_database_cannot_be_read(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The widget's fetch during a database restart gets a challenge at the price last read, not an error
    page it cannot show: the reporter meets "please try again" only where the database is really needed."""
    monkeypatch.setattr(pressure, "READ_EVERY_SECONDS", 0.0)  # every challenge reads the count
    for attempt in range(6):
        _mailbox(Client(), f"{attempt:020d}", gate_fields("receipt"))
    url = reverse("gate:challenge", args=["receipt"])
    assert Client().get(url).json()["parameters"]["data"]["level"] == 2
    closed = OperationalError("the server closed the connection unexpectedly")
    with mock.patch.object(ThrottleCounter.objects, "filter", side_effect=closed):
        response = Client().get(url)
        # A purpose this process has not read yet is issued at the base level.
        never_read = Client().get(reverse("gate:challenge", args=["attestation"]))
    assert response.status_code == 200
    assert response.json()["parameters"]["data"] == {"purpose": "receipt", "level": 2}
    assert never_read.json()["parameters"]["data"]["level"] == 0


@override_settings(LONGARM_GATE_PRESSURE_STEP=3)
def test_the_pressure_is_read_at_most_once_a_second_and_counts_this_processs_attempts_at_once(
    cast: Cast, django_assert_num_queries: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1000.0]
    monkeypatch.setattr(pressure, "_clock", lambda: clock[0])
    url = reverse("gate:challenge", args=["receipt"])
    assert Client().get(url).json()["parameters"]["data"]["level"] == 0
    # Within the second: no query at all for the next challenge.
    with django_assert_num_queries(0):
        assert Client().get(url).json()["parameters"]["data"]["level"] == 0
    # Attempts this process counts price the next challenge at once.
    for attempt in range(3):
        _mailbox(Client(), f"{attempt:020d}", gate_fields("receipt"))
    assert Client().get(url).json()["parameters"]["data"]["level"] == 1
    # Other processes' attempts (written here behind this process's back) are seen once the second is over.
    ThrottleCounter.objects.filter(scope="gate-receipt").update(count=9)
    clock[0] += pressure.READ_EVERY_SECONDS / 2
    assert Client().get(url).json()["parameters"]["data"]["level"] == 1
    clock[0] += pressure.READ_EVERY_SECONDS / 2
    with CaptureQueriesContext(connection) as read:
        assert Client().get(url).json()["parameters"]["data"]["level"] == 3
    assert [query["sql"] for query in read if "core_throttlecounter" in query["sql"]]


def test_spent_tokens_keep_no_nonce_and_no_exact_time_and_are_purged(cast: Cast) -> None:
    gate = solved_pow("receipt")
    _mailbox(Client(), "1" * 20, gate)
    spent = SpentToken.objects.get()
    nonce = altcha.Payload.from_base64(gate[POW_FIELD]).challenge.parameters.nonce
    assert nonce not in spent.digest
    assert (spent.expires_at.minute, spent.expires_at.second, spent.expires_at.microsecond) == (0, 0, 0)
    SpentToken.objects.update(expires_at=spent.expires_at.replace(year=2000))
    _mailbox(Client(), "2" * 20, gate_fields("receipt"))
    # Within one pressure window nothing more is written per attempt...
    assert SpentToken.objects.count() == 2
    # ...and the first attempt of the next window purges what has expired.
    ThrottleCounter.objects.filter(scope="gate-receipt").update(
        window_start=spent.expires_at.replace(year=2000)
    )
    SpentToken.objects.filter(expires_at__year__gt=2000).update(
        expires_at=spent.expires_at.replace(year=2000)
    )
    _mailbox(Client(), "3" * 20, gate_fields("receipt"))
    assert SpentToken.objects.count() == 1


# The staff command (item 18) --------------------------------------------------------------------------------


@override_settings(LONGARM_RECEIPT_ATTEMPTS_PER_SESSION=2, LONGARM_RECEIPT_FAILURES_SITEWIDE=3)
def test_the_staff_command_verifies_while_the_public_limit_is_exhausted(cast: Cast) -> None:
    _staff, attestation, code = _issue(cast)
    public = Client()
    for _attempt in range(4):
        public.post(
            reverse("attestations:verify"),
            {"reference": attestation.reference, "code": "2" * 20, **gate_fields("attestation")},
        )
    for _attempt in range(4):
        Client().post(
            reverse("attestations:verify"),
            {"reference": attestation.reference, "code": "3" * 20, **gate_fields("attestation")},
        )
    out = StringIO()
    call_command("attest", "verify", attestation.reference, code, stdout=out)
    assert out.getvalue().splitlines()[0] == "valid"
    # And the public page still answers a fresh visitor who pays the gate.
    fresh = Client().post(
        reverse("attestations:verify"),
        {"reference": attestation.reference, "code": code, **gate_fields("attestation")},
    )
    assert "Valid:" in fresh.content.decode()

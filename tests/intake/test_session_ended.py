"""A reporter whose session ended half-way (it expired, or the browser was closed and opened again) is told
so, and keeps what they sent last, instead of finding the questionnaire empty without a word."""

import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from longarm.intake.models import Report
from tests.gate.helpers import gate_fields
from tests.intake.helpers import answer_steps, receipt_from, report_answers, step_answers, step_url

pytestmark = pytest.mark.django_db


def _posted() -> dict[str, Any]:
    return {key: value for key, value in step_answers(report_answers()).items() if key != "attachments"}


def _session_ends(client: Client) -> None:
    for name in (settings.SESSION_COOKIE_NAME, settings.LONGARM_VAULT_COOKIE_NAME):
        client.cookies.pop(name, None)


def test_a_step_posted_after_the_session_ended_is_kept_and_the_reporter_told(client: Client) -> None:
    client.post(step_url("what"), _posted())
    _session_ends(client)
    response = client.post(step_url("did"), {**_posted(), "tactics": ["asked_to_stop_activity"]})
    assert response.status_code == 302
    assert response["Location"] == step_url("what")
    page = client.get(step_url("what")).content.decode()
    assert "Your session ended" in page
    kept = client.get(step_url("did")).content.decode()
    assert re.search(r'<input[^>]*value="asked_to_stop_activity"[^>]*checked', kept)


def test_send_after_the_session_ended_says_the_report_was_not_sent(client: Client, cast: Any) -> None:
    receipt = receipt_from(answer_steps(client, report_answers()).content.decode())
    _session_ends(client)
    response = client.post(
        step_url("review"),
        {"consent": "review", "typed_receipt": receipt, "submission_token": "gone", **gate_fields("report")},
        follow=True,
    )
    html = response.content.decode()
    assert "your report was not sent" in html
    assert not Report.objects.exists()


def test_a_message_written_after_the_session_ended_is_kept_until_the_report_is_open_again(
    client: Client, cast: Any
) -> None:
    from django.urls import reverse

    from longarm.intake.models import Message
    from tests.intake.helpers import submit_report

    receipt = submit_report(Client())
    reverse_login = reverse("intake:mailbox_login")
    client.post(reverse_login, {"receipt": receipt, **gate_fields("receipt")})
    _session_ends(client)
    written = "My father was called to the police station again on Monday."
    page = client.post(reverse("intake:mailbox"), {"text": written}).content.decode()
    assert "Your session ended" in page
    assert written in page  # on the page, in the login form: nowhere else
    assert not Message.objects.exists()
    opened = client.post(
        reverse_login, {"receipt": receipt, "unsent": written, **gate_fields("receipt")}, follow=True
    ).content.decode()
    assert written in opened  # back in the message box, not sent
    assert not Message.objects.exists()
    assert written not in client.get(reverse("intake:mailbox")).content.decode()  # put back once only

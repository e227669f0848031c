"""A submission whose answer never reached the browser (the connection broke, the web worker was killed just
after the commit) is sent again by a reload: it must be stored once and the reporter told it was sent, never
shown an error page or a form that lost its files (benchmarks/faults.py, ``web_submission``)."""

import re
from typing import Any

import pytest
from django.test import Client

from longarm.evidence.models import EvidenceItem
from longarm.intake import views
from longarm.intake.models import Report
from tests.conftest import Cast
from tests.evidence.helpers import uploads
from tests.gate.helpers import gate_fields
from tests.intake.helpers import answer_steps, receipt_from, report_answers, step_url

pytestmark = pytest.mark.django_db


class Killed(Exception):
    """The web worker dying after the commit, before the session and the answer are written."""


def _die(*args: Any, **kwargs: Any) -> None:
    raise Killed


def _last_step_form(client: Client, receipt: str) -> dict[str, Any]:
    page = client.get(step_url("review")).content.decode()
    token = re.search(r'name="submission_token" value="([^"]+)"', page)
    assert token
    return {
        "consent": "review",
        "typed_receipt": receipt,
        "submission_token": token.group(1),
        "attached": re.findall(r'name="attached" value="([0-9a-f]{32})"', page),
    }


def _send_killed_after_commit(client: Client, form: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as patched:
        patched.setattr(views, "draft_forget", _die)
        with pytest.raises(Killed):
            client.post(step_url("review"), {**form, **gate_fields("report")})
    assert Report.objects.count() == 1  # committed, but the browser never heard


def test_a_reload_after_the_answer_was_lost_says_the_report_was_sent_and_stores_it_once(
    client: Client, cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    receipt = receipt_from(answer_steps(client, report_answers()).content.decode())
    form = _last_step_form(client, receipt)
    _send_killed_after_commit(client, form, monkeypatch)

    again = client.post(step_url("review"), {**form, **gate_fields("report")})

    assert again.status_code == 409
    assert "already sent" in again.content.decode()
    assert Report.objects.count() == 1
    # The draft is gone: a third reload says the same, and the form starts afresh.
    assert client.post(step_url("review"), {**form, **gate_fields("report")}).status_code == 409


def test_a_reload_with_files_after_the_answer_was_lost_does_not_say_the_files_expired(
    client: Client, cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = {**report_answers(), "attachments": uploads({"note.txt": b"Officer Li called again.\n"})}
    receipt = receipt_from(answer_steps(client, answers).content.decode())
    form = _last_step_form(client, receipt)
    assert len(form["attached"]) == 1
    _send_killed_after_commit(client, form, monkeypatch)

    again = client.post(step_url("review"), {**form, **gate_fields("report")})

    assert again.status_code == 409
    assert Report.objects.count() == 1
    assert EvidenceItem.objects.count() == 1

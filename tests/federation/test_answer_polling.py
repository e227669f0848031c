"""A partner's run answered by the task worker, not inside its request: accepted with a ticket, fetched by
signed requests, done only once fetched, expired when never fetched; and the limit on partners' messages."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from longarm.audit.models import AuditEvent
from longarm.core.keyring import current_keyring
from longarm.crypto.federation import seal_to_signing_key
from longarm.federation.keyset import element
from longarm.federation.models import Outcome, PartnerMessage, PendingAnswer, Role, Run
from longarm.federation.server import answer_compute
from longarm.federation.wire import b64
from tests.conftest import Cast
from tests.federation.helpers import FakePartner, found, opened, partnership_with, post
from tests.linking.match_helpers import add, case_held_by


class Queue:
    """Stands for the task backend: remembers what was queued and runs nothing (a worker that is busy)."""

    def __init__(self) -> None:
        self.queued: list[str] = []

    def enqueue(self, run_id: str) -> None:
        self.queued.append(run_id)


@pytest.fixture
def queue(monkeypatch: pytest.MonkeyPatch) -> Queue:
    held = Queue()
    monkeypatch.setattr("longarm.federation.tasks.answer_partner_run", held)
    return held


@pytest.fixture
def ours(cast: Cast, settings: Any) -> None:
    settings.LONGARM_IDENTIFIERS_PER_HOUR = settings.LONGARM_IDENTIFIERS_PER_DAY = 1000
    case = case_held_by(cast)
    for value in ("+86 138 0013 8000", "+44 20 7946 0000"):
        add(case, cast.caseworker, "phone", value)


def their_set() -> list[str]:
    return [element("phone", "+8613800138000")] + [element("phone", f"+3361234{n:04d}") for n in range(6)]


def ask_for_answer(partner: FakePartner, ticket: str) -> tuple[int, str, dict[str, Any]]:
    body, signature, nonce = partner.signed("answer", {"ticket": ticket})
    response = post(Client(), "answer", body, signature)
    status, payload = opened(response, nonce)
    return response.status_code, status, payload


def test_the_answer_is_computed_by_the_worker_and_the_run_is_done_once_fetched(
    ours: None, queue: Queue
) -> None:
    partner = FakePartner()
    partnership_with(partner)
    state, body, signature, nonce = partner.psi_request(their_set())
    response = post(Client(), "psi", body, signature)

    # The request is only accepted: no answer in it, the run not done, the work queued.
    assert response.status_code == 202
    status, payload = opened(response, nonce)
    assert status == "accepted"
    assert set(payload) == {"ticket", "retry_after"}
    run = Run.objects.get(role=Role.ANSWERED)
    assert run.outcome == Outcome.PENDING
    assert queue.queued == [str(run.public_id)]
    assert not AuditEvent.objects.filter(action="federation.answered:done").exists()

    # Asked before the worker got to it: come back later.
    assert ask_for_answer(partner, payload["ticket"])[1:] == ("pending", {"retry_after": 2})

    assert answer_compute(run.public_id) == "answered"
    run.refresh_from_db()
    assert run.outcome == Outcome.PENDING  # computed, not yet fetched

    code, status, answer = ask_for_answer(partner, payload["ticket"])
    assert (code, status) == (200, "ok")
    assert found(state, answer) == [0]
    run.refresh_from_db()
    assert run.outcome == Outcome.DONE
    assert not PendingAnswer.objects.exists()
    assert AuditEvent.objects.filter(action="federation.answered:done").count() == 1
    # Given once.
    assert ask_for_answer(partner, payload["ticket"])[1:] == ("refused", {"reason": "fetched"})


def test_a_ticket_is_good_only_for_the_partner_that_asked(ours: None, queue: Queue) -> None:
    partner, other = FakePartner(), FakePartner()
    partnership_with(partner)
    partnership_with(other, name="Other")
    _state, body, signature, nonce = partner.psi_request(their_set())
    ticket = opened(post(Client(), "psi", body, signature), nonce)[1]["ticket"]
    answer_compute(Run.objects.get().public_id)
    assert ask_for_answer(other, ticket)[1:] == ("refused", {"reason": "unknown_run"})
    # A replayed request for the answer is refused like any other.
    body, signature, _nonce = partner.signed("answer", {"ticket": ticket})
    assert post(Client(), "answer", body, signature).status_code == 200
    assert opened(post(Client(), "answer", body, signature), _nonce) == ("refused", {"reason": "replayed"})


def test_an_answer_never_fetched_expires_and_is_deleted(ours: None, queue: Queue) -> None:
    partner = FakePartner()
    partnership_with(partner)
    _state, body, signature, nonce = partner.psi_request(their_set())
    ticket = opened(post(Client(), "psi", body, signature), nonce)[1]["ticket"]
    run = Run.objects.get()
    answer_compute(run.public_id)
    PendingAnswer.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert ask_for_answer(partner, ticket)[1:] == ("refused", {"reason": "expired"})
    run.refresh_from_db()
    assert run.outcome == Outcome.EXPIRED
    assert not PendingAnswer.objects.exists()
    assert AuditEvent.objects.filter(action="federation.answered:expired:unfetched").exists()
    # An expired run still counts against the rate: a partner cannot ask without end and never fetch.
    assert answer_compute(run.public_id) == "nothing to do"


def test_messages_from_a_partner_beyond_the_daily_limit_are_refused(ours: None, settings: Any) -> None:
    settings.LONGARM_FEDERATION_MESSAGES_PER_DAY = 2
    partner = FakePartner()
    partnership_with(partner)
    sealed = seal_to_signing_key(current_keyring().signing_public_key, b'{"identifiers": []}')
    replies = []
    for _ in range(3):
        body, signature, nonce = partner.signed("message", {"sealed": b64(sealed)})
        replies.append(opened(post(Client(), "message", body, signature), nonce))
    assert replies == [("ok", {}), ("ok", {}), ("refused", {"reason": "too_many_messages"})]
    assert PartnerMessage.objects.count() == 2
    assert AuditEvent.objects.filter(action="federation.refused:message:too_many_messages").count() == 1


def test_housekeeping_expires_answers_nobody_asks_for_again(ours: None, queue: Queue) -> None:
    from io import StringIO

    from django.core.management import call_command

    partner = FakePartner()
    partnership_with(partner)
    _state, body, signature, _nonce = partner.psi_request(their_set())
    post(Client(), "psi", body, signature)
    PendingAnswer.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    out = StringIO()
    call_command("housekeeping", stdout=out)
    assert "expired 1 unfetched federation answer(s)" in out.getvalue()
    assert Run.objects.get().outcome == Outcome.EXPIRED
    assert not PendingAnswer.objects.exists()

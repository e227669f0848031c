"""The worker's redelivery (``operations.redelivery``): an outbox event whose queued delivery was lost (Redis
down when the report was sent, a worker killed) is delivered once it has waited a whole interval, and one
published a moment ago is left to the queue."""

import pytest
from django.test import Client

from longarm.analytics.models import FactIncident
from longarm.core import outbox
from longarm.core.models import OutboxEvent
from longarm.operations.redelivery import redeliver
from tests.conftest import Cast
from tests.intake.helpers import report_answers, submit_answers

pytestmark = pytest.mark.django_db


def test_an_event_still_waiting_at_the_next_pass_is_delivered_once(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patched:
        patched.setattr(outbox, "_queue_delivery", lambda event_id: None)  # the queue lost it
        submit_answers(Client(), report_answers(), deliver=False)
    event = OutboxEvent.objects.get()

    seen = redeliver(seen=set())
    assert seen == {event.pk}
    assert OutboxEvent.objects.exists()  # just published: the queue's to deliver, not yet ours

    assert redeliver(seen=seen) == set()
    assert not OutboxEvent.objects.exists()
    counted = FactIncident.objects.count()
    assert counted > 0
    redeliver(seen={event.pk})  # a stale id from an earlier pass: nothing runs twice
    assert FactIncident.objects.count() == counted

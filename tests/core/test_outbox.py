"""What a report publishes is derived after commit, exactly once: a worker that dies between the commit and
the derivation (or half-way through it) loses nothing, and a second delivery counts nothing twice."""

import uuid
from collections.abc import Iterator

import pytest
from django.db import transaction
from django.test import Client, TestCase, override_settings

from longarm.analytics.models import FactCode, FactIncident
from longarm.analytics.surveys.models import SurveyResponse
from longarm.core import outbox
from longarm.core.models import OutboxEvent, OutboxPending
from longarm.core.outbox import (
    REPORT_SUBMITTED,
    OutboxDelivery,
    ReportArrival,
    outbox_deliver,
    outbox_sweep,
    publish,
)
from longarm.intake.models import Report
from tests.analytics.surveys.helpers import new_campaign
from tests.conftest import Cast
from tests.intake.helpers import report_answers, submit_answers

pytestmark = pytest.mark.django_db


def post_without_delivery(client: Client, **overrides: object) -> Report:
    """A submission whose worker never ran: committed, its on-commit queueing dropped with the test's."""
    submit_answers(client, report_answers(**overrides), deliver=False)
    return Report.objects.latest("id")


def facts_of(report: Report) -> int:
    return FactIncident.objects.filter(report=report).count()


def test_the_submission_writes_an_event_and_no_derived_data(cast: Cast) -> None:
    report = post_without_delivery(Client())

    event = OutboxEvent.objects.get()
    assert (event.topic, event.object_id) == (REPORT_SUBMITTED, str(report.pk))
    assert set(OutboxPending.objects.values_list("subscriber", flat=True)) >= {
        "analytics.facts",
        "surveys.response",
    }
    assert not FactIncident.objects.exists()


def test_a_worker_killed_before_and_during_derivation_loses_nothing_and_counts_once(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    campaign = new_campaign(cast.analyst)
    client = Client()
    first = post_without_delivery(client, campaign=campaign.slug, submission_token="one")
    second = post_without_delivery(client, campaign=campaign.slug, submission_token="two")

    # The worker dies half-way: the fact and its codes are written, then the process goes before the end.
    def die(**_: object) -> None:
        raise SystemExit("worker killed")

    monkeypatch.setattr("longarm.analytics.services.version_record", die)
    with pytest.raises(SystemExit):
        outbox_deliver(event_id=OutboxEvent.objects.get(object_id=str(first.pk)).pk)
    assert not FactIncident.objects.exists()
    assert not FactCode.objects.exists()
    monkeypatch.undo()

    # Restarted: the sweep finds both events, the half-done one and the one never started.
    outbox_sweep()

    assert (facts_of(first), facts_of(second)) == (1, 1)
    assert SurveyResponse.objects.filter(campaign=campaign).count() == 2
    assert not OutboxEvent.objects.exists()
    assert not OutboxPending.objects.exists()


def test_delivering_an_event_twice_counts_it_once(cast: Cast) -> None:
    campaign = new_campaign(cast.analyst)
    report = post_without_delivery(Client(), campaign=campaign.slug)
    event_id = OutboxEvent.objects.get().pk

    assert outbox_deliver(event_id=event_id) >= 2
    assert outbox_deliver(event_id=event_id) == 0
    assert outbox_sweep() == 0

    assert facts_of(report) == 1
    assert SurveyResponse.objects.count() == 1


def test_a_delivery_racing_another_runs_no_handler_the_other_claimed(cast: Cast) -> None:
    report = post_without_delivery(Client())
    event_id = OutboxEvent.objects.get().pk
    # What a concurrent delivery leaves once it commits: its subscriber's pending row gone, its work done.
    OutboxPending.objects.filter(event_id=event_id, subscriber="analytics.facts").delete()

    outbox_deliver(event_id=event_id)

    assert facts_of(report) == 0
    assert not OutboxEvent.objects.exists()


def test_a_failing_subscriber_waits_for_the_sweep_and_the_others_run(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    campaign = new_campaign(cast.analyst)
    report = post_without_delivery(Client(), campaign=campaign.slug)
    event_id = OutboxEvent.objects.get().pk

    def broken(**_: object) -> None:
        raise RuntimeError("database hiccup")

    monkeypatch.setattr("longarm.analytics.surveys.subscribers.survey_response_record", broken)
    outbox_deliver(event_id=event_id)
    assert facts_of(report) == 1
    assert list(OutboxPending.objects.values_list("subscriber", flat=True)) == ["surveys.response"]
    monkeypatch.undo()

    outbox_sweep()

    assert SurveyResponse.objects.count() == 1
    assert facts_of(report) == 1
    assert not OutboxEvent.objects.exists()


def test_a_delivered_submission_leaves_no_event_behind(cast: Cast) -> None:
    with TestCase.captureOnCommitCallbacks(execute=True):
        report = post_without_delivery(Client())

    assert facts_of(report) == 1
    assert not OutboxEvent.objects.exists()


def test_a_shredded_report_has_nothing_left_to_derive(cast: Cast) -> None:
    report = post_without_delivery(Client())
    Report.objects.filter(pk=report.pk).delete()

    outbox_sweep()

    assert not FactIncident.objects.exists()
    assert not OutboxEvent.objects.exists()


@pytest.fixture
def recorded() -> Iterator[list[OutboxDelivery]]:
    deliveries: list[OutboxDelivery] = []
    outbox.subscribe("test.topic", "test.recorder", deliveries.append)
    outbox.prepare_on_report_arrival("test.preparer", lambda arrival: {"words": len(arrival.content)})
    yield deliveries
    del outbox._subscribers["test.topic"]
    del outbox._preparers["test.preparer"]


@pytest.mark.django_db(transaction=True)
def test_publishing_outside_a_transaction_is_refused(recorded: list[OutboxDelivery]) -> None:
    with pytest.raises(RuntimeError):
        publish("test.topic", object_id="1")
    assert not OutboxEvent.objects.exists()


def test_preparers_run_in_the_request_and_only_their_result_is_stored(
    recorded: list[OutboxDelivery],
) -> None:
    arrival = ReportArrival(
        report_pk=1, public_id=uuid.uuid4(), data_key=bytes(32), content={"what_happened": "secret words"}
    )
    with TestCase.captureOnCommitCallbacks(execute=True), transaction.atomic():
        publish("test.topic", object_id="7", payload={"coded": "x"}, arrival=arrival)
        stored = OutboxEvent.objects.get(topic="test.topic").payload

    assert stored == {"coded": "x", "test.preparer": {"words": 1}}
    assert "secret words" not in str(stored)
    payload = {"coded": "x", "test.preparer": {"words": 1}}
    assert recorded == [OutboxDelivery(topic="test.topic", object_id="7", payload=payload)]


def test_a_rolled_back_transaction_publishes_nothing(recorded: list[OutboxDelivery]) -> None:
    def publish_then_fail() -> None:
        with transaction.atomic():
            publish("test.topic", object_id="7")
            raise ZeroDivisionError

    with TestCase.captureOnCommitCallbacks(execute=True), pytest.raises(ZeroDivisionError):
        publish_then_fail()

    assert not OutboxEvent.objects.exists()
    assert recorded == []


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}})
def test_with_the_database_backend_the_task_commits_with_the_event(recorded: list[OutboxDelivery]) -> None:
    from django_tasks_db.models import DBTaskResult

    with transaction.atomic():
        publish("test.topic", object_id="7")
        # Queued in this transaction: no second commit on the reporter's request, and no event without it.
        queued = DBTaskResult.objects.get()

    assert queued.task_path == "longarm.core.tasks.deliver_outbox_event"
    queued.task.call(*queued.args_kwargs["args"], **queued.args_kwargs["kwargs"])
    assert [delivery.object_id for delivery in recorded] == ["7"]
    assert not OutboxEvent.objects.exists()


def test_a_queue_that_is_down_leaves_the_report_received_and_the_event_for_the_sweep(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    from longarm.core.tasks import deliver_outbox_event

    def down(*_: object) -> None:
        raise ConnectionError("queue unreachable")

    monkeypatch.setattr(type(deliver_outbox_event), "enqueue", down)
    with TestCase.captureOnCommitCallbacks(execute=True):
        report = post_without_delivery(Client())
    monkeypatch.undo()

    assert facts_of(report) == 0
    outbox_sweep()
    assert facts_of(report) == 1

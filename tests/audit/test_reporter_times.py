"""A reporter's acts are dated to the day everywhere: the audit chain does not undo ``Report.received_on``
by giving the second, nor by placing the act between two staff events dated to the second (issue 11, item
11). The same holds for the session table's expiry."""

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, time, timedelta
from unittest.mock import patch

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db.models import DateTimeField
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from longarm.analytics.surveys.models import SurveyCampaign
from longarm.audit.models import ActorKind, AuditEvent, ReporterEvent
from longarm.audit.selectors import audit_chain_verify
from longarm.audit.services import audit_append, audit_release_reporter_events
from longarm.evidence.models import EvidenceItem
from longarm.gate.tokens import Purpose
from longarm.intake.models import Report
from tests.analytics.surveys.helpers import new_campaign
from tests.conftest import Cast, chain_reporter_events, log_in
from tests.evidence import files
from tests.evidence.helpers import uploads
from tests.gate.helpers import gate_fields
from tests.intake.helpers import post_files, report_answers, submit_answers, submit_report

pytestmark = pytest.mark.django_db
Processing = Callable[[], AbstractContextManager[None]]


# Every action a reporter's requests chain one by one, the processing of their files included. Mailbox
# visits, messages and files kept from a form with errors are only counted per window (``audit.tally``).
REPORTER_ACTIONS = {
    "report.submit",
    "evidence.upload",
    "evidence.process.ready",
    "survey.respond",
}


def midnight(day: datetime) -> datetime:
    return datetime.combine(day.date(), time.min, tzinfo=UTC)


def walk_every_reporter_path(processing: Processing, campaign: SurveyCampaign) -> tuple[Report, set[str]]:
    """A reporter keeps a file at the files step, drops it, sends the questionnaire with another file
    through a survey link, opens the mailbox, reads, writes and sends another file. Returns the report
    and the ids of everything of theirs an audit event could name."""
    reporter = Client()
    assert "Already attached" in post_files(reporter, uploads({"kept.jpg": files.jpeg_with_exif()}))
    with processing():
        receipt = submit_answers(
            reporter,
            {
                **report_answers(campaign=campaign.slug, consent="statistics_only"),
                "attached": [],  # the kept file unticked: removed
                "attachments": uploads({"photo.png": files.png()}),
            },
        )
    mailbox = Client()
    mailbox.post(
        reverse("intake:mailbox_login"), {"receipt": receipt, **gate_fields(Purpose.RECEIPT)}, follow=True
    )
    mailbox.post(reverse("intake:mailbox"), {"text": "They called my brother again."})
    with processing():
        mailbox.post(reverse("intake:mailbox_files"), {"attachments": uploads({"more.png": files.png()})})
    report = Report.objects.get()
    ids = {str(report.public_id), str(campaign.public_id)}
    ids |= {str(public_id) for public_id in EvidenceItem.objects.values_list("public_id", flat=True)}
    return report, ids


def test_no_reporter_act_is_chained_before_its_day_has_ended(cast: Cast, processing: Processing) -> None:
    campaign = new_campaign(cast.analyst)
    last_before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    _, ids = walk_every_reporter_path(processing, campaign)
    # Staff work the same day: their events are chained at once, to the second...
    log_in(Client(), cast.caseworker)
    # ...but nothing the reporter did is among them, neither by kind nor by what it names.
    chained = list(AuditEvent.objects.filter(id__gt=last_before))
    assert [event.action for event in chained if event.actor_kind == ActorKind.REPORTER] == []
    assert [event.action for event in chained if event.object_id in ids] == []
    waiting = list(ReporterEvent.objects.all())
    assert {event.action for event in waiting} >= REPORTER_ACTIONS
    assert {event.day for event in waiting} == {timezone.now().date()}
    # The waiting row holds the day and nothing finer.
    assert not [field.name for field in ReporterEvent._meta.get_fields() if isinstance(field, DateTimeField)]


def test_every_reporter_act_is_chained_dated_to_its_day_only(cast: Cast, processing: Processing) -> None:
    campaign = new_campaign(cast.analyst)
    _, ids = walk_every_reporter_path(processing, campaign)
    chain_reporter_events()
    # The reporter's own events, and the system's on their files (staff events, such as the analyst creating
    # the survey, stay exact).
    theirs = list(AuditEvent.objects.filter(object_id__in=ids).exclude(actor_kind=ActorKind.STAFF))
    theirs += list(AuditEvent.objects.filter(actor_kind=ActorKind.REPORTER).exclude(object_id__in=ids))
    assert {event.action for event in theirs} >= REPORTER_ACTIONS
    today = midnight(timezone.now())
    assert [(event.action, event.created_at) for event in theirs if event.created_at != today] == []
    assert not ReporterEvent.objects.exists()
    assert audit_chain_verify().intact


def test_a_days_events_join_the_chain_with_the_first_event_of_a_later_day_in_random_order(
    cast: Cast,
) -> None:
    yesterday = timezone.now().date() - timedelta(days=1)
    with patch("django.utils.timezone.now", return_value=timezone.now() - timedelta(days=1)):
        for number in range(40):
            audit_append(
                actor=None,
                actor_kind=ActorKind.REPORTER,
                action="report.submit",
                object_type="report",
                object_id=f"report-{number:02d}",
            )
    assert not AuditEvent.objects.filter(action="report.submit").exists()
    today_event = audit_append(actor=None, actor_kind=ActorKind.REPORTER, action="report.read")
    assert today_event is None  # today's waits for today to end
    staff_event = audit_append(actor=cast.caseworker, actor_kind=ActorKind.STAFF, action="case.read")
    assert staff_event is not None
    released = list(AuditEvent.objects.filter(action="report.submit").order_by("id"))
    assert len(released) == 40
    assert all(event.created_at == datetime.combine(yesterday, time.min, tzinfo=UTC) for event in released)
    # Chained before the staff event that released them, and not in the order they happened.
    assert all(event.pk < staff_event.pk for event in released)
    assert [event.object_id for event in released] != sorted(event.object_id for event in released)
    assert list(ReporterEvent.objects.values_list("action", flat=True)) == ["report.read"]
    assert audit_chain_verify().intact


def test_the_daily_checkpoint_chains_a_quiet_days_events_and_verify_still_passes() -> None:
    with patch("django.utils.timezone.now", return_value=timezone.now() - timedelta(days=1)):
        audit_append(actor=None, actor_kind=ActorKind.REPORTER, action="message.create")
    call_command("audit", "checkpoint", stdout=None)
    assert AuditEvent.objects.filter(action="message.create").count() == 1
    assert not ReporterEvent.objects.exists()
    call_command("audit", "verify", stdout=None)
    assert audit_release_reporter_events() == 0


def test_an_operator_entering_a_report_is_still_chained_at_once(cast: Cast) -> None:
    # Staff acts stay exact: accountability for what staff do outweighs the timing of a hotline call.
    audit_append(actor=cast.operator, actor_kind=ActorKind.STAFF, action="report.submit", object_id="x")
    assert AuditEvent.objects.filter(action="report.submit", actor=cast.operator).exists()


def test_a_reporter_session_expires_on_a_whole_hour(cast: Cast) -> None:
    reporter = Client()
    receipt = submit_report(reporter)
    reporter.post(reverse("intake:mailbox_login"), {"receipt": receipt}, follow=True)
    row = Session.objects.get(session_key=reporter.cookies[settings.SESSION_COOKIE_NAME].value)
    assert (row.expire_date.minute, row.expire_date.second, row.expire_date.microsecond) == (0, 0, 0)
    exact = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert exact - timedelta(seconds=5) <= row.expire_date <= exact + timedelta(hours=1)


def test_a_staff_session_keeps_its_exact_expiry(cast: Cast) -> None:
    staff = Client()
    log_in(staff, cast.caseworker)
    row = Session.objects.get(session_key=staff.cookies[settings.SESSION_COOKIE_NAME].value)
    exact = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert abs(row.expire_date - exact) < timedelta(seconds=30)


def test_waiting_reporter_events_cost_a_staff_event_no_extra_query(
    cast: Cast, django_assert_num_queries: Callable[..., AbstractContextManager[None]]
) -> None:
    audit_append(actor=cast.caseworker, actor_kind=ActorKind.STAFF, action="case.read")
    audit_append(actor=None, actor_kind=ActorKind.REPORTER, action="report.read")
    # A savepoint and its release, the locked head, the event, the head's new hash.
    with django_assert_num_queries(5):
        audit_append(actor=cast.caseworker, actor_kind=ActorKind.STAFF, action="case.read")

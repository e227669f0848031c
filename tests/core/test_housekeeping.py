"""Expired state is deleted: sessions, counters of past windows, spent gate tokens. Each row would otherwise
stay for good and date anonymous attempts or hold a staff member's wrapped private key."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from longarm.core.models import ThrottleCounter
from longarm.gate.models import SpentToken
from longarm.gate.pressure import pressure_record
from longarm.gate.tokens import Purpose
from tests.conftest import Cast, log_in

pytestmark = pytest.mark.django_db


def test_housekeeping_deletes_expired_sessions_old_counters_and_spent_tokens(cast: Cast) -> None:
    log_in(Client(), cast.caseworker)
    live = Session.objects.count()
    assert live >= 1
    Session.objects.create(
        session_key="x" * 32, session_data="", expire_date=timezone.now() - timedelta(days=1)
    )
    ThrottleCounter.objects.create(
        scope="receipt-session", key="k", window_start=timezone.now() - timedelta(days=3), count=4
    )
    SpentToken.objects.create(digest="d" * 64, expires_at=timezone.now() - timedelta(hours=2))
    out = StringIO()
    call_command("housekeeping", stdout=out)
    assert "deleted 1 expired session(s), 1 old counter(s), 1 spent token(s)" in out.getvalue()
    assert Session.objects.count() == live
    assert not ThrottleCounter.objects.filter(scope="receipt-session").exists()
    assert not SpentToken.objects.filter(digest="d" * 64).exists()


def test_the_gates_pressure_keeps_only_the_current_windows_count(db: None) -> None:
    pressure_record(Purpose.RECEIPT)
    ThrottleCounter.objects.filter(scope="gate-receipt").update(
        window_start=timezone.now() - timedelta(hours=1)
    )
    pressure_record(Purpose.RECEIPT)
    # The earlier window's count would say when anonymous attempts were made: it is gone.
    assert ThrottleCounter.objects.filter(scope="gate-receipt").count() == 1


def test_an_unpaid_attempt_writes_no_session_row(cast: Cast) -> None:
    before = Session.objects.count()
    Client().post(reverse("intake:mailbox_login"), {"receipt": "1234" * 5})
    Client().post(reverse("attestations:verify"), {"reference": "LA-A-2026-01234567", "code": "A" * 20})
    assert Session.objects.count() == before


def test_housekeeping_delivers_what_a_dead_worker_left_in_the_outbox(cast: Cast) -> None:
    from longarm.analytics.models import FactIncident
    from longarm.core.models import OutboxEvent
    from tests.intake.helpers import report_answers, submit_answers

    # Sent without running the on-commit delivery: as if the worker had died before it got to it.
    submit_answers(Client(), report_answers(), deliver=False)
    assert OutboxEvent.objects.exists()
    assert not FactIncident.objects.exists()

    out = StringIO()
    call_command("housekeeping", stdout=out)

    assert "a worker had left" in out.getvalue()
    assert FactIncident.objects.count() == 1
    assert not OutboxEvent.objects.exists()

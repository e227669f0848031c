"""Anonymous attempts are counted per window, never chained one by one (issue 11, item 6)."""

import math
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from longarm.accounts.services import staff_login_level
from longarm.audit.models import AuditEvent, AuditTally
from longarm.audit.selectors import audit_chain_verify
from longarm.audit.tally import (
    audit_count,
    audit_tally_flush,
    current_window,
    tally_counts,
    tally_object_ids,
)
from longarm.audit.tasks import flush_audit_tallies
from longarm.cases.models import Attestation
from longarm.gate.tokens import Purpose
from longarm.intake.models import Report
from tests.cases.referral_helpers import open_case
from tests.conftest import STAFF_PASSWORD, Cast, log_in
from tests.gate.helpers import gate_fields
from tests.intake.helpers import submit_report

pytestmark = pytest.mark.django_db

CODE = re.compile(r'<dd dir="ltr" class="code">([0-9A-Z-]+)</dd>')
# A window long enough that no test run crosses its end by chance.
YEAR = 366 * 24 * 3600


def _issue(cast: Cast) -> tuple[Attestation, str]:
    case = open_case(cast)
    staff = Client()
    log_in(staff, cast.caseworker)
    response = staff.post(
        reverse("cases:attestation_new", args=[case.public_id]),
        {"signatory_name": "Casey", "signatory_role": "Caseworker"},
    )
    match = CODE.search(staff.get(response["Location"]).content.decode())
    assert match
    return Attestation.objects.get(), match.group(1)


def _last_event_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _written_counts(since: int) -> dict[str, Counter[str]]:
    """Counts stated by the tally events after ``since``, summed per counted action."""
    counts: dict[str, Counter[str]] = {}
    for event in AuditEvent.objects.filter(id__gt=since):
        assert (event.action, event.object_type, event.actor) == ("audit.tally", "window", None)
        for key, count in tally_counts(event.object_id).items():
            action, outcome = key.split(":")
            counts.setdefault(action, Counter())[outcome] += count
    return counts


def _assert_chain_intact() -> None:
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert "intact" in out.getvalue()


@pytest.fixture
def at() -> Iterator[mock.MagicMock]:
    """Lets a test move the clock the counters and the chain read."""
    with mock.patch("django.utils.timezone.now") as now:
        now.return_value = datetime(2026, 3, 1, 9, 30, 5, tzinfo=UTC)
        yield now


@override_settings(LONGARM_AUDIT_TALLY_SECONDS=YEAR)
def test_a_flood_of_attestation_checks_writes_one_event_per_window_with_exact_counts(cast: Cast) -> None:
    attestation, code = _issue(cast)
    before = _last_event_id()
    wrong, right = 150, 60
    holder = Client()
    for _ in range(right):
        # Someone who holds one letter checks it again and again.
        holder.post(
            reverse("attestations:verify"),
            {"reference": attestation.reference, "code": code, **gate_fields(Purpose.ATTESTATION)},
        )
    for attempt in range(wrong):
        # A fresh client each time: the attacker drops cookies.
        Client().post(
            reverse("attestations:verify"),
            {
                "reference": attestation.reference,
                "code": f"{attempt:020d}",
                **gate_fields(Purpose.ATTESTATION),
            },
        )
    requests = wrong + right
    assert _last_event_id() == before  # nothing chained while the window is open
    call_command("audit", "flush", stdout=StringIO())
    rows = AuditEvent.objects.filter(id__gt=before).count()
    assert 1 <= rows <= math.ceil(requests / 100)
    counts = _written_counts(before)["attestation.verify"]
    assert sum(counts.values()) == requests
    assert counts["valid"] == right
    assert counts["invalid"] + counts["throttled"] == wrong
    assert not AuditTally.objects.exists()
    _assert_chain_intact()


@override_settings(LONGARM_AUDIT_TALLY_SECONDS=3600)
def test_the_next_attempt_after_a_window_closes_writes_it_dated_by_its_end(
    cast: Cast, at: mock.MagicMock
) -> None:
    before = _last_event_id()
    for _ in range(5):
        audit_count(action="attestation.verify", outcome="invalid")
    audit_count(action="attestation.verify", outcome="valid")
    assert _last_event_id() == before
    at.return_value += timedelta(hours=1)
    audit_count(action="attestation.verify", outcome="invalid")
    [event] = AuditEvent.objects.filter(id__gt=before)
    assert event.action == "audit.tally"
    assert (
        event.object_id == "2026-03-01T09:00Z/3600s attestation.verify:invalid=5 attestation.verify:valid=1"
    )
    assert event.created_at == datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    assert event.actor is None
    # The new window's attempt is still only counted.
    assert list(AuditTally.objects.values_list("outcome", "count")) == [("invalid", 1)]
    _assert_chain_intact()


@override_settings(LONGARM_AUDIT_TALLY_SECONDS=3600)
def test_checkpoint_and_the_task_write_closed_windows_and_flush_writes_the_open_one(
    cast: Cast, at: mock.MagicMock
) -> None:
    before = _last_event_id()
    audit_count(action="report.open", outcome="refused", times=3)
    at.return_value += timedelta(hours=2)
    assert audit_tally_flush() == 1  # the 09:00 window has closed
    assert _written_counts(before) == {"report.open": Counter(refused=3)}
    audit_count(action="report.open", outcome="refused")
    call_command("audit", "checkpoint", stdout=StringIO())
    assert AuditTally.objects.count() == 1  # the open window waits
    assert flush_audit_tallies.call() == 0
    out = StringIO()
    call_command("audit", "flush", stdout=out)
    assert "1 tally events written" in out.getvalue()
    assert _written_counts(before) == {"report.open": Counter(refused=4)}
    assert not AuditTally.objects.exists()
    at.return_value += timedelta(hours=2)
    audit_count(action="report.open", outcome="opened")
    at.return_value += timedelta(hours=2)
    assert flush_audit_tallies.call() == 1
    assert audit_chain_verify().intact


@override_settings(LONGARM_AUDIT_TALLY_SECONDS=3600)
def test_counts_too_long_for_one_event_are_split() -> None:
    window = current_window(datetime(2026, 3, 1, 9, 30, tzinfo=UTC))
    counts = {f"action.number{number}:outcome": 10**12 + number for number in range(20)}
    ids = tally_object_ids(window, counts)
    assert len(ids) == 2
    assert all(len(object_id) <= 512 for object_id in ids)
    assert all(object_id.startswith("2026-03-01T09:00Z/3600s ") for object_id in ids)
    merged: dict[str, int] = {}
    for object_id in ids:
        merged.update(tally_counts(object_id))
    assert merged == counts


@override_settings(LONGARM_AUDIT_TALLY_SECONDS=YEAR)
def test_wrong_receipts_are_counted_and_not_chained(cast: Cast) -> None:
    before = _last_event_id()
    requests = 150
    for attempt in range(requests):
        Client().post(
            reverse("intake:mailbox_login"), {"receipt": f"{attempt:020d}", **gate_fields(Purpose.RECEIPT)}
        )
    assert _last_event_id() == before
    call_command("audit", "flush", stdout=StringIO())
    assert AuditEvent.objects.filter(id__gt=before).count() <= math.ceil(requests / 100)
    counts = _written_counts(before)["report.open"]
    # Fresh sessions: no site-wide lock-out (the gate makes each attempt pay); every one is checked.
    assert counts["refused"] == requests


@override_settings(LONGARM_AUDIT_TALLY_SECONDS=YEAR, LONGARM_REPORTER_MESSAGES_PER_DAY=100)
def test_one_receipt_used_over_and_over_does_not_flood_the_chain(client: Client, cast: Cast) -> None:
    receipt = submit_report(client)
    before = _last_event_id()
    logins, reloads, messages = 40, 100, 60
    reporter = Client()
    for _ in range(logins):
        reporter = Client()
        assert (
            reporter.post(
                reverse("intake:mailbox_login"), {"receipt": receipt, **gate_fields(Purpose.RECEIPT)}
            ).status_code
            == 302
        )
    for _ in range(reloads):
        assert reporter.get(reverse("intake:mailbox")).status_code == 200
    for number in range(messages):
        reporter.post(reverse("intake:mailbox"), {"text": f"Message number {number} from the reporter."})
    requests = logins + reloads + messages
    assert _last_event_id() == before
    call_command("audit", "flush", stdout=StringIO())
    assert AuditEvent.objects.filter(id__gt=before).count() <= math.ceil(requests / 100)
    assert _written_counts(before) == {
        "report.open": Counter(opened=logins),
        "report.read": Counter(reporter=reloads),
        "message.create": Counter(reporter=messages),
    }
    _assert_chain_intact()


@override_settings(LONGARM_AUDIT_TALLY_SECONDS=YEAR)
def test_staff_reads_and_messages_are_still_chained_one_by_one(client: Client, cast: Cast) -> None:
    submit_report(client)
    report = Report.objects.get()
    staff = Client()
    log_in(staff, cast.caseworker)
    before = _last_event_id()
    staff.get(reverse("cases:report", args=[report.public_id]))
    staff.post(reverse("cases:report", args=[report.public_id]), {"text": "We read your report."})
    actions = list(AuditEvent.objects.filter(id__gt=before).values_list("action", "actor"))
    assert ("report.read", cast.caseworker.pk) in actions
    assert ("message.create", cast.caseworker.pk) in actions


@override_settings(LONGARM_AUDIT_TALLY_SECONDS=YEAR)
def test_failed_log_ins_at_an_account_add_one_event_a_window_and_never_what_was_typed(cast: Cast) -> None:
    before = _last_event_id()
    requests = 120
    for attempt in range(requests):
        Client().post(
            reverse("accounts:login"),
            {
                "username": cast.caseworker.username,
                "password": f"wrong {attempt}",
                "otp_token": "000000",
                **gate_fields(Purpose.LOGIN, level=staff_login_level(username=cast.caseworker.username)),
            },
        )
    named = AuditEvent.objects.get(id__gt=before)
    assert (named.action, named.object_type, named.object_id, named.actor) == (
        "staff.login_refused.password",
        "staff",
        str(cast.caseworker.pk),
        None,
    )
    call_command("audit", "flush", stdout=StringIO())
    tallies = AuditEvent.objects.filter(id__gt=named.pk)
    assert tallies.count() <= math.ceil(requests / 100)
    counts = _written_counts(named.pk)
    assert (
        1
        + counts["staff.login_refused.password"]["refused"]
        + counts.get("staff.login", Counter())["throttled"]
        == requests
    )
    recorded = repr(
        list(AuditEvent.objects.filter(id__gt=before).values("action", "object_type", "object_id"))
    )
    assert cast.caseworker.username not in recorded
    assert "wrong" not in recorded
    assert STAFF_PASSWORD not in recorded


@override_settings(LONGARM_AUDIT_TALLY_SECONDS=YEAR)
def test_failed_log_ins_under_names_of_no_account_are_only_counted(cast: Cast) -> None:
    before = _last_event_id()
    for attempt in range(5):
        Client().post(
            reverse("accounts:login"),
            {
                "username": f"nobody{attempt}",
                "password": "wrong",
                "otp_token": "000000",
                **gate_fields(Purpose.LOGIN, level=staff_login_level(username=f"nobody{attempt}")),
            },
        )
    assert _last_event_id() == before
    call_command("audit", "flush", stdout=StringIO())
    assert _written_counts(before)["staff.login"]["refused"] == 5


def test_the_counters_hold_no_session_report_or_typed_value(client: Client, cast: Cast) -> None:
    receipt = submit_report(client)
    Client().post(reverse("intake:mailbox_login"), {"receipt": receipt, **gate_fields(Purpose.RECEIPT)})
    Client().post(reverse("intake:mailbox_login"), {"receipt": "1" * 20, **gate_fields(Purpose.RECEIPT)})
    assert {field.name for field in AuditTally._meta.get_fields()} == {
        "id",
        "action",
        "outcome",
        "window_start",
        "window_end",
        "count",
    }
    stored = repr(list(AuditTally.objects.values()))
    assert receipt not in stored
    assert "1" * 20 not in stored
    assert timezone.now() < AuditTally.objects.first().window_end  # type: ignore[union-attr]


def test_counts_are_dated_to_a_day_by_default_like_every_other_date_of_a_reporters_acts() -> None:
    from longarm import settings as production

    # An hour's window holding the only mailbox message of a day would date that message to the hour.
    assert production.LONGARM_AUDIT_TALLY_SECONDS == 24 * 60 * 60

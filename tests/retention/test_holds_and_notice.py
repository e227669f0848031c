"""Retention you can see: staff see when a report or case will be shredded and can postpone it with a reason
(audited); a reporter whose report was shredded is told so, and that attempt counts against no limit."""

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from longarm.audit.models import AuditEvent
from longarm.cases.models import Case, CaseStatus
from longarm.cases.services import case_open
from longarm.intake.models import Report, ShreddedReceipt
from longarm.retention.exceptions import HoldRefused
from longarm.retention.models import HoldReason, RetentionHold
from longarm.retention.services import retention_apply, retention_postpone
from tests.api.helpers import private_key_of
from tests.conftest import Cast, log_in
from tests.gate.helpers import gate_fields
from tests.intake.helpers import submit_report

pytestmark = pytest.mark.django_db

THIRTY_DAYS = {
    "report": dict.fromkeys(settings.LONGARM_RETENTION_DAYS["report"], 30),
    "case": {**settings.LONGARM_RETENTION_DAYS["case"], "closed": 30},
}


def _today() -> Any:
    return timezone.now().date()


def _age(report: Report, days: int) -> None:
    Report.objects.filter(pk=report.pk).update(received_on=_today() - timedelta(days=days))


def _open_mailbox(receipt: str, client: Client | None = None) -> str:
    response = (client or Client()).post(
        reverse("intake:mailbox_login"), {"receipt": receipt, **gate_fields("receipt")}, follow=True
    )
    return response.content.decode()


@override_settings(LONGARM_RETENTION_DAYS=THIRTY_DAYS)
def test_a_held_report_outlives_its_period_until_the_hold_runs_out(cast: Cast) -> None:
    submit_report(Client())
    report = Report.objects.get()
    _age(report, 40)
    retention_postpone(
        actor=cast.caseworker,
        report=report,
        until=_today() + timedelta(days=10),
        reason=HoldReason.INVESTIGATION,
    )
    assert retention_apply().reports == 0
    assert retention_apply(today=_today() + timedelta(days=10)).reports == 0
    assert retention_apply(today=_today() + timedelta(days=11)).reports == 1
    event = AuditEvent.objects.get(action="report.retention_postponed:investigation")
    assert (event.actor, event.object_id) == (cast.caseworker, str(report.public_id))


@override_settings(LONGARM_RETENTION_DAYS=THIRTY_DAYS)
def test_a_held_case_outlives_its_period(cast: Cast) -> None:
    submit_report(Client())
    case = case_open(
        actor=cast.caseworker, private_key=private_key_of(cast.caseworker), report=Report.objects.get()
    )
    Case.objects.update(status=CaseStatus.CLOSED, status_changed_on=_today() - timedelta(days=60))
    case.refresh_from_db()
    retention_postpone(
        actor=cast.caseworker,
        case=case,
        until=_today() + timedelta(days=5),
        reason=HoldReason.LEGAL_PROCEEDINGS,
    )
    assert retention_apply().cases == 0
    assert retention_apply(today=_today() + timedelta(days=6)).cases == 1


@pytest.mark.parametrize(
    ("days", "reason"),
    [
        (0, HoldReason.INVESTIGATION),
        (-3, HoldReason.INVESTIGATION),
        (10_000, HoldReason.INVESTIGATION),
        (5, "x"),
    ],
)
def test_a_hold_needs_a_future_date_within_the_limit_and_a_known_reason(
    cast: Cast, days: int, reason: str
) -> None:
    submit_report(Client())
    with pytest.raises(HoldRefused):
        retention_postpone(
            actor=cast.caseworker,
            report=Report.objects.get(),
            until=_today() + timedelta(days=days),
            reason=reason,
        )
    assert not RetentionHold.objects.exists()


def test_a_report_in_a_case_follows_its_case(cast: Cast) -> None:
    submit_report(Client())
    report = Report.objects.get()
    case_open(actor=cast.caseworker, private_key=private_key_of(cast.caseworker), report=report)
    with pytest.raises(HoldRefused):
        retention_postpone(
            actor=cast.caseworker,
            report=report,
            until=_today() + timedelta(days=5),
            reason=HoldReason.INVESTIGATION,
        )


@override_settings(LONGARM_RETENTION_DAYS=THIRTY_DAYS)
def test_the_report_page_shows_the_shredding_date_and_a_hold_moves_it(client: Client, cast: Cast) -> None:
    submit_report(Client())
    report = Report.objects.get()
    log_in(client, cast.caseworker)
    page = client.get(reverse("cases:report", kwargs={"public_id": report.public_id})).content.decode()
    due = (report.received_on + timedelta(days=30)).isoformat()
    assert f"Shredded for good on {due}" in page
    postpone_url = reverse("retention:report_postpone", kwargs={"public_id": report.public_id})
    assert postpone_url in page
    until = _today() + timedelta(days=90)
    response = client.post(postpone_url, {"until": until.isoformat(), "reason": HoldReason.REPORTER_ASKED})
    assert response.status_code == 302
    page = client.get(reverse("cases:report", kwargs={"public_id": report.public_id})).content.decode()
    assert f"Shredded for good on {(until + timedelta(days=1)).isoformat()}" in page
    assert "The reporter asked us to keep it" in page


def test_a_postponement_with_a_past_date_is_refused_with_a_summary(client: Client, cast: Cast) -> None:
    submit_report(Client())
    report = Report.objects.get()
    log_in(client, cast.caseworker)
    url = reverse("retention:report_postpone", kwargs={"public_id": report.public_id})
    page = client.post(url, {"until": "2001-01-01", "reason": HoldReason.INVESTIGATION}).content.decode()
    assert "Choose a date after today." in page
    assert 'class="error-summary' in page
    assert not RetentionHold.objects.exists()


@override_settings(LONGARM_RETENTION_DAYS=THIRTY_DAYS)
def test_the_case_page_shows_when_the_case_goes(client: Client, cast: Cast) -> None:
    submit_report(Client())
    case = case_open(
        actor=cast.caseworker, private_key=private_key_of(cast.caseworker), report=Report.objects.get()
    )
    Case.objects.update(status=CaseStatus.CLOSED, status_changed_on=_today() - timedelta(days=2))
    log_in(client, cast.caseworker)
    page = client.get(reverse("cases:case", kwargs={"case_id": case.public_id})).content.decode()
    assert f"Shredded for good on {(_today() + timedelta(days=28)).isoformat()}" in page
    Case.objects.update(do_not_remove=True)
    page = client.get(reverse("cases:case", kwargs={"case_id": case.public_id})).content.decode()
    assert "Never shredded while flagged" in page


def test_someone_the_report_is_not_sealed_to_cannot_postpone_it(client: Client, cast: Cast) -> None:
    submit_report(Client())
    report = Report.objects.get()
    log_in(client, cast.outsider)
    url = reverse("retention:report_postpone", kwargs={"public_id": report.public_id})
    until = (_today() + timedelta(days=9)).isoformat()
    assert client.post(url, {"until": until, "reason": HoldReason.INVESTIGATION}).status_code == 404
    assert not RetentionHold.objects.exists()


@override_settings(LONGARM_RETENTION_DAYS=THIRTY_DAYS, LONGARM_RECEIPT_ATTEMPTS_PER_SESSION=2)
def test_the_reporter_of_a_shredded_report_is_told_and_not_counted_as_guessing(cast: Cast) -> None:
    receipt = submit_report(Client())
    _age(Report.objects.get(), 40)
    assert retention_apply().reports == 1
    reporter = Client()
    for _attempt in range(4):
        page = _open_mailbox(receipt, reporter)
        assert "This report has been removed" in page
        assert "Too many tries" not in page
        assert "does not open a report" not in page
    assert "does not open a report" in _open_mailbox("1" * 20, reporter)


@override_settings(LONGARM_RETENTION_DAYS=THIRTY_DAYS, LONGARM_RETENTION_NOTICE_DAYS=0)
def test_without_a_notice_period_nothing_of_the_receipt_is_kept(cast: Cast) -> None:
    receipt = submit_report(Client())
    _age(Report.objects.get(), 40)
    retention_apply()
    assert not ShreddedReceipt.objects.exists()
    assert "does not open a report" in _open_mailbox(receipt)


@override_settings(LONGARM_RETENTION_DAYS=THIRTY_DAYS, LONGARM_RETENTION_NOTICE_DAYS=60)
def test_the_notice_goes_once_its_period_is_over(cast: Cast) -> None:
    submit_report(Client())
    _age(Report.objects.get(), 40)
    retention_apply()
    assert ShreddedReceipt.objects.count() == 1
    retention_apply(today=_today() + timedelta(days=95))
    assert not ShreddedReceipt.objects.exists()

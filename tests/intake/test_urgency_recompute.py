"""Reports stored under the old urgency rule get the current rule's urgency from their answers, read with
the recovery key; a caseworker's rating is never touched."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from longarm.audit.models import AuditEvent
from longarm.crypto.envelopes import new_keypair, seal
from longarm.crypto.errors import KeyringError
from longarm.crypto.keyring import load_recovery_private_key
from longarm.intake.models import KeyKind, RecipientKind, Report, SealedKey, Urgency
from longarm.intake.urgency import Skip, reports_recompute_urgency
from longarm.taxonomy.exceptions import UnknownCodeError
from tests.conftest import Cast
from tests.intake.helpers import submit_report
from tests.settings import RECOVERY_KEY_PATH

pytestmark = pytest.mark.django_db


def _stored_under_the_old_rule(**answers: object) -> Report:
    """A report whose answers the current rule rates "high", stored "critical" as the old rule did (a threat
    to relatives counted as critical then)."""
    submit_report(Client(), **answers)
    report = Report.objects.order_by("-id").first()
    assert report is not None
    assert report.urgency == Urgency.HIGH
    Report.objects.filter(pk=report.pk).update(urgency=Urgency.CRITICAL)
    return report


def test_a_report_stored_under_the_old_rule_is_recomputed_and_audited() -> None:
    report = _stored_under_the_old_rule()
    result = reports_recompute_urgency(recovery_private_key=load_recovery_private_key(RECOVERY_KEY_PATH))
    report.refresh_from_db()
    assert report.urgency == Urgency.HIGH
    assert (result.checked, result.changed, result.overridden) == (1, 1, 0)
    event = AuditEvent.objects.get(action="report.urgency.recomputed:high")
    assert event.object_id == str(report.public_id)
    assert event.actor is None


def test_a_caseworkers_rating_is_left_as_it_is(cast: Cast) -> None:
    report = _stored_under_the_old_rule()
    Report.objects.filter(pk=report.pk).update(urgency_set_by=cast.caseworker)
    result = reports_recompute_urgency(recovery_private_key=load_recovery_private_key(RECOVERY_KEY_PATH))
    report.refresh_from_db()
    assert report.urgency == Urgency.CRITICAL
    assert (result.checked, result.changed, result.overridden) == (0, 0, 1)
    assert not AuditEvent.objects.filter(action__startswith="report.urgency.recomputed").exists()


def test_a_report_already_rated_by_the_current_rule_is_not_rewritten() -> None:
    submit_report(Client())
    result = reports_recompute_urgency(recovery_private_key=load_recovery_private_key(RECOVERY_KEY_PATH))
    assert (result.checked, result.changed) == (1, 0)


def test_the_command_recomputes_with_the_recovery_key_and_prints_counts_only() -> None:
    report = _stored_under_the_old_rule()
    out = StringIO()
    call_command("urgency", "recompute", "--recovery-key", str(RECOVERY_KEY_PATH), stdout=out)
    report.refresh_from_db()
    assert report.urgency == Urgency.HIGH
    assert "1 reports read: 1 re-rated, 0 unchanged, 0 skipped" in out.getvalue()
    assert "reading club" not in out.getvalue()


def test_a_key_that_is_not_the_recovery_key_is_refused() -> None:
    report = _stored_under_the_old_rule()
    with pytest.raises(KeyringError):
        reports_recompute_urgency(recovery_private_key=new_keypair().private)
    report.refresh_from_db()
    assert report.urgency == Urgency.CRITICAL


def test_the_command_needs_the_recovery_key() -> None:
    with pytest.raises(CommandError):
        call_command("urgency", "recompute")


def test_a_report_sealed_to_another_recovery_key_is_skipped_and_the_run_goes_on() -> None:
    """A rotation under way has already resealed some reports to the new recovery key: the old key opens
    the rest, and the run must re-rate them rather than stop at the first it cannot open."""
    first = _stored_under_the_old_rule()
    second = _stored_under_the_old_rule()
    unopenable = first if first.pk < second.pk else second
    openable = second if unopenable is first else first
    sealed = SealedKey.objects.get(
        report=unopenable, kind=KeyKind.DATA, recipient_kind=RecipientKind.RECOVERY
    )
    sealed.sealed = seal(new_keypair().public, b"k" * 32)
    sealed.save(update_fields=["sealed"])
    result = reports_recompute_urgency(recovery_private_key=load_recovery_private_key(RECOVERY_KEY_PATH))
    openable.refresh_from_db()
    unopenable.refresh_from_db()
    assert openable.urgency == Urgency.HIGH
    assert unopenable.urgency == Urgency.CRITICAL
    assert (result.checked, result.changed, result.unchanged) == (2, 1, 0)
    assert result.skipped == {Skip.SEALED_TO_ANOTHER_KEY: 1}


def test_answers_with_a_removed_code_are_skipped_and_counted_by_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    report = _stored_under_the_old_rule()
    submit_report(Client())  # rated "normal" under both rules

    def removed(codes: object) -> str:
        raise UnknownCodeError("gone", vocabulary="reporter_tactics", code="gone")

    monkeypatch.setattr("longarm.intake.urgency.urgency_for", removed)
    out = StringIO()
    call_command("urgency", "recompute", "--recovery-key", str(RECOVERY_KEY_PATH), stdout=out)
    report.refresh_from_db()
    assert report.urgency == Urgency.CRITICAL
    assert "2 reports read: 0 re-rated, 0 unchanged, 2 skipped" in out.getvalue()
    assert "skipped, answers use a removed code: 2" in out.getvalue()


def test_the_command_prints_re_rated_and_unchanged_counts() -> None:
    _stored_under_the_old_rule()
    submit_report(Client())
    out = StringIO()
    call_command("urgency", "recompute", "--recovery-key", str(RECOVERY_KEY_PATH), stdout=out)
    assert "2 reports read: 1 re-rated, 1 unchanged, 0 skipped" in out.getvalue()

"""Retention by crypto-shredding: after it, nothing of an expired report can be opened by anyone, the
organisation's offline recovery key included, and no ciphertext or file of it remains."""

import secrets
import uuid
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone

from longarm.audit.models import AuditEvent
from longarm.audit.selectors import audit_chain_verify
from longarm.backup.services import backup_create
from longarm.cases.models import Case, CaseKey, CaseStatus
from longarm.cases.services import case_open
from longarm.core.keyring import current_keyring
from longarm.crypto.envelopes import decrypt, new_data_key, seal, unseal
from longarm.crypto.errors import DecryptionError
from longarm.crypto.keyring import load_recovery_private_key
from longarm.evidence.contexts import blob_context
from longarm.evidence.models import EvidenceBlob, EvidenceItem, EvidenceKey, KeyHolder
from longarm.evidence.storage import BlobWriter, new_storage_name
from longarm.intake.contexts import answers_context
from longarm.intake.models import Message, Report, ReportStatus, SealedKey
from longarm.retention.services import retention_apply
from tests.api.helpers import private_key_of
from tests.conftest import Cast
from tests.evidence import store
from tests.intake.helpers import submit_report

KEEP_NOTHING_RECEIVED = {
    "report": {**settings.LONGARM_RETENTION_DAYS["report"], "received": 30},
    "case": {**settings.LONGARM_RETENTION_DAYS["case"], "closed": 30},
}


def age(report: Report, days: int) -> None:
    Report.objects.filter(pk=report.pk).update(received_on=timezone.now().date() - timedelta(days=days))


def attach_file(report: Report) -> tuple[str, bytes]:
    """An encrypted evidence file of the report, its key sealed to the recovery key."""
    item_id = uuid.uuid4()
    key = new_data_key()
    name = new_storage_name()
    writer = BlobWriter(name, key, context=blob_context(item_id, "original"))
    writer.write(secrets.token_bytes(3000))
    writer.finish()
    item = EvidenceItem.objects.create(
        public_id=item_id,
        report=report,
        added_by_kind="reporter",
        received_on=timezone.now().date(),
        name_ciphertext=b"x" * 60,
        record_ciphertext=b"r" * 60,
        kind="image",
    )
    blob = EvidenceBlob.objects.create(
        item=item, variant="original", storage_name=name, record_ciphertext=b"r" * 60
    )
    EvidenceKey.objects.create(
        blob=blob, holder=KeyHolder.RECOVERY, sealed=seal(current_keyring().recovery_public_key, key)
    )
    return name, store.stored_bytes(name)


def everything_stored() -> bytes:
    chunks: list[bytes] = []
    for root in {Path(settings.DATA_DIR), Path(settings.STORAGE_DIR)}:
        chunks.extend(path.read_bytes() for path in root.rglob("*") if path.is_file())
    chunks.extend(store.stored_bytes(name) for name in store.stored_names())
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in connection.introspection.table_names(cursor):
                cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - names from introspection
                chunks.extend(
                    bytes(value) if isinstance(value, (bytes, memoryview)) else str(value).encode()
                    for row in cursor.fetchall()
                    for value in row
                )
    return b"\n".join(chunks)


@pytest.mark.django_db(transaction=True)
def test_an_expired_report_is_unrecoverable_after_shredding(cast: Cast) -> None:
    submit_report(Client())
    submit_report(Client())
    expired, kept = Report.objects.order_by("id")
    age(expired, 40)
    age(kept, 10)
    Message.objects.create(
        report=expired, author_kind="reporter", created_at=timezone.now(), ciphertext=secrets.token_bytes(200)
    )
    file_name, file_bytes = attach_file(expired)
    secrets_before: list[bytes] = [
        bytes(expired.answers_ciphertext),
        bytes(expired.identity_ciphertext),
        *(bytes(key.sealed) for key in SealedKey.objects.filter(report=expired)),
        *(bytes(message.ciphertext) for message in Message.objects.filter(report=expired)),
        *(bytes(key.sealed) for key in EvidenceKey.objects.all()),
    ]

    with override_settings(LONGARM_RETENTION_DAYS=KEEP_NOTHING_RECEIVED):
        result = retention_apply()

    assert (result.reports, result.cases) == (1, 0)
    assert not Report.objects.filter(pk=expired.pk).exists()
    assert Report.objects.filter(pk=kept.pk).exists()
    assert not SealedKey.objects.filter(report_id=expired.pk).exists()
    assert not Message.objects.exists()
    assert not EvidenceKey.objects.exists()
    assert file_name not in store.stored_names()
    # The offline recovery key, which opens every report, opens nothing of the shredded one.
    recovery = load_recovery_private_key(settings.RECOVERY_KEY_PATH)
    opened = []
    for sealed in [*SealedKey.objects.all(), *CaseKey.objects.all()]:
        try:
            opened.append(unseal(recovery, bytes(sealed.sealed)))
        except DecryptionError:
            continue
    assert opened  # the kept report still opens
    for key in opened:  # a copy of the answers kept anywhere (a backup) opens with no key that remains
        with pytest.raises(DecryptionError):
            decrypt(key, secrets_before[0], context=answers_context(expired.public_id))
    stored = everything_stored()
    for ciphertext in [*secrets_before, file_bytes]:
        assert ciphertext[-32:] not in stored
    event = AuditEvent.objects.get(action="report.shredded")
    assert event.object_id == str(expired.public_id)
    assert audit_chain_verify().intact


@pytest.mark.django_db
def test_nothing_is_shredded_by_default(cast: Cast) -> None:
    submit_report(Client())
    age(Report.objects.get(), 5000)
    assert retention_apply().reports == 0
    assert Report.objects.count() == 1


@pytest.mark.django_db
def test_an_expired_case_is_shredded_with_its_reports_unless_it_must_protect_someone(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    submit_report(Client())
    submit_report(Client())
    first, second = Report.objects.order_by("id")
    key = private_key_of(cast.caseworker)
    closed = case_open(actor=cast.caseworker, private_key=key, report=first)
    protected = case_open(actor=cast.caseworker, private_key=key, report=second)
    long_ago = timezone.now().date() - timedelta(days=100)
    Case.objects.update(status=CaseStatus.CLOSED, status_changed_on=long_ago)
    Case.objects.filter(pk=protected.pk).update(do_not_remove=True)
    age(first, 100)
    age(second, 100)
    with (
        override_settings(LONGARM_RETENTION_DAYS=KEEP_NOTHING_RECEIVED),
        django_capture_on_commit_callbacks(execute=True),
    ):
        result = retention_apply()
    assert (result.cases, result.reports) == (1, 0)
    assert list(Case.objects.all()) == [protected]
    assert list(Report.objects.all()) == [second]
    assert not CaseKey.objects.filter(case_id=closed.pk).exists()
    assert AuditEvent.objects.filter(action="case.shredded", object_id=str(closed.public_id)).exists()
    assert AuditEvent.objects.filter(action="report.shredded", object_id=str(first.public_id)).exists()


@pytest.mark.django_db
def test_the_command_counts_then_shreds(cast: Cast) -> None:
    submit_report(Client())
    Report.objects.update(status=ReportStatus.CLOSED)
    age(Report.objects.get(), 40)
    days = {**KEEP_NOTHING_RECEIVED, "report": {**KEEP_NOTHING_RECEIVED["report"], "closed": 30}}
    with override_settings(LONGARM_RETENTION_DAYS=days):
        out = StringIO()
        call_command("retention", "apply", "--dry-run", stdout=out)
        assert "0 cases and 1 reports" in out.getvalue()
        assert Report.objects.count() == 1
        call_command("retention", "apply", stdout=out)
    assert Report.objects.count() == 0


def test_every_status_has_a_retention_setting() -> None:
    assert set(settings.LONGARM_RETENTION_DAYS["report"]) == set(ReportStatus.values)
    assert set(settings.LONGARM_RETENTION_DAYS["case"]) == set(CaseStatus.values)


@pytest.mark.django_db
def test_the_daily_task_applies_retention(cast: Cast) -> None:
    from longarm.retention.tasks import retention_apply_task

    submit_report(Client())
    age(Report.objects.get(), 40)
    with override_settings(LONGARM_RETENTION_DAYS=KEEP_NOTHING_RECEIVED):
        result = retention_apply_task.enqueue()
    assert result.return_value == {"reports": 1, "cases": 0}
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_the_dry_run_lists_what_would_go_and_the_backups_that_hold_it(cast: Cast, tmp_path: Path) -> None:
    submit_report(Client())
    report = Report.objects.get()
    Report.objects.update(status=ReportStatus.CLOSED)
    age(report, 40)
    backup_create(tmp_path / "monday.backup")
    days = {**KEEP_NOTHING_RECEIVED, "report": {**KEEP_NOTHING_RECEIVED["report"], "closed": 30}}
    with override_settings(LONGARM_RETENTION_DAYS=days):
        out = StringIO()
        call_command("retention", "apply", "--dry-run", stdout=out)
        listed = out.getvalue()
        assert f"report {report.public_id}: closed, received" in listed
        assert "1 backups made here" in listed
        assert "monday.backup" in listed
        assert Report.objects.count() == 1
        out = StringIO()
        call_command("retention", "apply", stdout=out)
    assert "still hold what was shredded" in out.getvalue()
    assert Report.objects.count() == 0

"""Evidence stored before issue 11 kept its hashes, sizes and types in clear columns. Migration 0003 adds the
encrypted records, `longarm evidence seal-records` fills them with the recovery key and blanks the clear
columns, and 0004 refuses to drop those columns until that is done."""

import hashlib
import io
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from longarm.core.keyring import current_keyring
from longarm.crypto.envelopes import new_data_key, seal, unseal
from longarm.crypto.keyring import write_recovery_private_key
from longarm.evidence.legacy import STEP_ONE, STEP_TWO
from longarm.evidence.models import CustodyEvent, EvidenceItem, ExportPackage
from longarm.evidence.records import manifest_context, open_hash
from longarm.intake.models import KeyKind, RecipientKind, Report
from tests.conftest import Cast
from tests.evidence.helpers import custody_sha256, item_record_of, record_of, recovery_private_key
from tests.intake.helpers import submit_report

BEFORE = ("evidence", "0002_pending_upload")
PHOTO = b"\xff\xd8\xff\xe0 a photo the police sent"
COPY = b"a sanitised copy of it"
UPLOADED = datetime(2026, 3, 14, 21, 47, 13, tzinfo=UTC)


def migrate(target: tuple[str, str]) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([target])


def latest() -> tuple[str, str]:
    """The newest evidence migration: the tables as the models hold them (later migrations change them)."""
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes("evidence")
    return leaves[0]


@pytest.fixture
def legacy(cast: Cast) -> Iterator[dict[str, object]]:
    """A report with one processed item, written as the tables stood before this change."""
    submit_report(Client())
    report = Report.objects.get()
    migrate(BEFORE)
    try:
        old = MigrationExecutor(connection).loader.project_state(BEFORE).apps
        item_model, blob_model = (
            old.get_model("evidence", "EvidenceItem"),
            old.get_model("evidence", "EvidenceBlob"),
        )
        key_model, event_model = (
            old.get_model("evidence", "EvidenceKey"),
            old.get_model("evidence", "CustodyEvent"),
        )
        recovery = current_keyring().recovery_public_key
        item = item_model.objects.create(
            public_id=uuid.uuid4(),
            report_id=report.pk,
            added_by_kind="reporter",
            received_at=UPLOADED,
            name_ciphertext=b"n",
            kind="image",
            content_type="image/jpeg",
            size=len(PHOTO),
            sha256=hashlib.sha256(PHOTO).hexdigest(),
            status="ready",
        )
        for variant, content, content_type in (
            ("original", PHOTO, "image/jpeg"),
            ("derivative", COPY, "image/png"),
        ):
            blob = blob_model.objects.create(
                item=item,
                variant=variant,
                storage_name=f"{item.public_id.hex[:2]}/{item.public_id.hex}-{variant}-{'0' * 16}.enc",
                content_type=content_type,
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
            )
            key_model.objects.create(blob=blob, holder="recovery", sealed=seal(recovery, new_data_key()))
            event_model.objects.create(
                item=item,
                at=UPLOADED,
                action="received" if variant == "original" else "sanitised",
                actor_kind="reporter" if variant == "original" else "system",
                variant=variant,
                sha256=hashlib.sha256(content).hexdigest(),
            )
        old.get_model("evidence", "ExportPackage").objects.create(
            public_id=uuid.uuid4(),
            report_id=report.pk,
            created_by_id=cast.investigator.pk,
            created_at=UPLOADED,
            manifest_sha256="ab" * 32,
            file_count=1,
        )
        migrate(STEP_ONE)
        yield {"report": report}
    finally:
        migrate(latest())


@pytest.mark.django_db(transaction=True)
def test_seal_records_moves_every_clear_fingerprint_into_its_record(legacy: dict[str, object]) -> None:
    with pytest.raises(RuntimeError, match="seal-records"):
        migrate(STEP_TWO)
    out = io.StringIO()
    call_command("evidence", "seal-records", "--recovery-key", str(settings.RECOVERY_KEY_PATH), stdout=out)
    assert (
        "sealed 1 item record(s), 2 file record(s), 2 custody hash(es), 1 manifest hash(es)" in out.getvalue()
    )
    migrate(latest())

    item = EvidenceItem.objects.get()
    assert item.received_on == UPLOADED.date()
    assert item_record_of(item).sha256 == record_of(item).sha256 == hashlib.sha256(PHOTO).hexdigest()
    assert (record_of(item).size, record_of(item).content_type) == (len(PHOTO), "image/jpeg")
    assert record_of(item, "derivative").sha256 == hashlib.sha256(COPY).hexdigest()
    for event in CustodyEvent.objects.select_related("item"):
        assert event.at.time() == time(0, 0)
        expected = PHOTO if event.variant == "original" else COPY
        assert custody_sha256(event) == hashlib.sha256(expected).hexdigest()
    package = ExportPackage.objects.get()
    report = Report.objects.get()
    sealed = report.sealed_keys.get(kind=KeyKind.DATA, recipient_kind=RecipientKind.RECOVERY)
    data_key = unseal(recovery_private_key(), bytes(sealed.sealed))
    manifest = open_hash(
        data_key,
        bytes(package.manifest_sha256_ciphertext),
        context=manifest_context(report.public_id, package.public_id),
    )
    assert manifest == "ab" * 32
    again = io.StringIO()
    call_command("evidence", "seal-records", "--recovery-key", str(settings.RECOVERY_KEY_PATH), stdout=again)
    assert "nothing to do" in again.getvalue()


@pytest.mark.django_db(transaction=True)
def test_seal_records_refuses_a_key_that_is_not_the_recovery_key(
    legacy: dict[str, object], tmp_path: Path
) -> None:
    wrong = tmp_path / "wrong.key"
    write_recovery_private_key(wrong, new_data_key(), forbidden_dirs=[])
    with pytest.raises(CommandError, match="not the recovery private key"):
        call_command("evidence", "seal-records", "--recovery-key", str(wrong))
    # Nothing was blanked: the migration still refuses, and the command can still be run with the real key.
    with pytest.raises(RuntimeError, match="seal-records"):
        migrate(STEP_TWO)
    call_command(
        "evidence", "seal-records", "--recovery-key", str(settings.RECOVERY_KEY_PATH), stdout=io.StringIO()
    )

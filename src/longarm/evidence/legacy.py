"""Moving the clear fingerprints of evidence stored before issue 11 into their encrypted records.

Between migrations ``0005_sealed_records`` and ``0006_drop_clear_fingerprints`` the evidence tables hold both
the old clear columns (SHA-256, size, type) and the new record columns. A migration has no keys, so this
runs as a command with the offline recovery private key, which opens every report's data key and every
file's key (both are always sealed to it): each clear value is written into its record and the clear column
is blanked, in one transaction per row. It works on the tables as they stand after 0005 (the historical
models), so it runs only there; a run broken off resumes where it stopped.
"""

from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from longarm.core.keyring import check_recovery_key
from longarm.crypto.envelopes import unseal
from longarm.evidence.records import (
    FileRecord,
    blob_record_context,
    custody_context,
    item_record_context,
    manifest_context,
    seal_hash,
    seal_record,
)

STEP_ONE = ("evidence", "0005_sealed_records")
STEP_TWO = ("evidence", "0006_drop_clear_fingerprints")


class NotBetweenSteps(Exception):
    """The database is not between the two migrations this command bridges."""


@dataclass(frozen=True)
class Sealed:
    items: int = 0
    blobs: int = 0
    custody_events: int = 0
    packages: int = 0
    # Custody steps whose version's file no longer exists: nobody could open their hash, so it is dropped.
    hashes_dropped: int = 0


def _historical_apps() -> Any | None:
    applied = MigrationRecorder(connection).applied_migrations()
    if STEP_TWO in applied:
        return None
    if STEP_ONE not in applied:
        raise NotBetweenSteps(f"apply migration {STEP_ONE[0]}.{STEP_ONE[1]} first (longarm migrate)")
    return MigrationLoader(connection).project_state(STEP_ONE).apps


class _Keys:
    def __init__(self, apps: Any, private_key: bytes) -> None:
        self._sealed_key = apps.get_model("intake", "SealedKey")
        self._evidence_key = apps.get_model("evidence", "EvidenceKey")
        self._private_key = private_key
        self._data: dict[int, bytes] = {}
        self._blobs: dict[int, bytes] = {}

    def data(self, report_id: int) -> bytes:
        if report_id not in self._data:
            sealed = self._sealed_key.objects.get(report_id=report_id, kind="data", recipient_kind="recovery")
            self._data[report_id] = unseal(self._private_key, bytes(sealed.sealed))
        return self._data[report_id]

    def blob(self, blob_id: int) -> bytes:
        if blob_id not in self._blobs:
            sealed = self._evidence_key.objects.get(blob_id=blob_id, holder="recovery")
            self._blobs[blob_id] = unseal(self._private_key, bytes(sealed.sealed))
        return self._blobs[blob_id]


def evidence_seal_legacy_records(*, recovery_private_key: bytes) -> Sealed | None:
    """Move every clear evidence fingerprint into its encrypted record; None if there is nothing to move
    (migration 0006 already ran).

    Raises:
        KeyringError: if ``recovery_private_key`` is not this installation's recovery key.
        NotBetweenSteps: if migration 0005 has not been applied yet.
        DecryptionError: if a sealed key does not open (tampered); rows done so far stay done.
    """
    apps = _historical_apps()
    if apps is None:
        return None
    check_recovery_key(recovery_private_key)
    keys = _Keys(apps, recovery_private_key)
    item_model = apps.get_model("evidence", "EvidenceItem")
    blob_model = apps.get_model("evidence", "EvidenceBlob")
    event_model = apps.get_model("evidence", "CustodyEvent")
    package_model = apps.get_model("evidence", "ExportPackage")
    items = blobs = events = packages = dropped = 0
    for item in list(item_model.objects.exclude(sha256="").select_related("report")):
        record = FileRecord(sha256=item.sha256, size=item.size, content_type=item.content_type)
        with transaction.atomic():
            item_model.objects.filter(pk=item.pk).update(
                record_ciphertext=seal_record(
                    keys.data(item.report_id),
                    record,
                    context=item_record_context(item.report.public_id, item.public_id),
                ),
                sha256="",
                size=0,
                content_type="",
            )
        items += 1
    for blob in list(blob_model.objects.exclude(sha256="").select_related("item")):
        record = FileRecord(sha256=blob.sha256, size=blob.size, content_type=blob.content_type)
        with transaction.atomic():
            blob_model.objects.filter(pk=blob.pk).update(
                record_ciphertext=seal_record(
                    keys.blob(blob.pk),
                    record,
                    context=blob_record_context(blob.item.public_id, blob.variant),
                ),
                sha256="",
                size=0,
                content_type="",
            )
        blobs += 1
    versions = {
        (item_id, variant): pk
        for pk, item_id, variant in blob_model.objects.values_list("pk", "item_id", "variant")
    }
    for event in list(event_model.objects.exclude(sha256="").select_related("item")):
        blob_id = versions.get((event.item_id, event.variant))
        sealed = (
            seal_hash(
                keys.blob(blob_id),
                event.sha256,
                context=custody_context(event.item.public_id, event.variant, event.action),
            )
            if blob_id is not None
            else b""
        )
        with transaction.atomic():
            event_model.objects.filter(pk=event.pk).update(sha256_ciphertext=sealed, sha256="")
        events += 1
        dropped += blob_id is None
    for package in list(package_model.objects.exclude(manifest_sha256="").select_related("report")):
        with transaction.atomic():
            package_model.objects.filter(pk=package.pk).update(
                manifest_sha256_ciphertext=seal_hash(
                    keys.data(package.report_id),
                    package.manifest_sha256,
                    context=manifest_context(package.report.public_id, package.public_id),
                ),
                manifest_sha256="",
            )
        packages += 1
    return Sealed(items=items, blobs=blobs, custody_events=events, packages=packages, hashes_dropped=dropped)

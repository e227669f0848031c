"""Writes on evidence: attaching uploads, processing them in the background, recording every access."""

import hashlib
import json
import logging
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from uuid import UUID

from django.apps import apps
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone

from longarm.accounts.models import StaffUser
from longarm.audit.models import ActorKind
from longarm.audit.services import audit_append
from longarm.core.keyring import current_keyring
from longarm.crypto.envelopes import encrypt, new_data_key
from longarm.crypto.errors import DecryptionError
from longarm.crypto.streams import HashingSource, decrypt_stream
from longarm.evidence.contexts import blob_context, metadata_context, name_context
from longarm.evidence.detection import BY_CONTENT_TYPE, extension_for
from longarm.evidence.exceptions import KeyNotHeld, StorageUnavailable, TooManyFiles, Unsanitisable
from longarm.evidence.keys import (
    blob_key_for_processing,
    blob_key_for_staff,
    report_recipients,
    seal_blob_key,
)
from longarm.evidence.models import (
    AddedBy,
    CustodyAction,
    CustodyEvent,
    EvidenceBlob,
    EvidenceItem,
    EvidenceKey,
    EvidenceStatus,
    ExportPackage,
    FailureReason,
    KeyHolder,
    PendingUpload,
    Variant,
)
from longarm.evidence.package import PackageFile, manifest_bytes, public_key_of
from longarm.evidence.processing import sanitise
from longarm.evidence.records import (
    DERIVATIVE_RECORD_BYTES,
    RECORD_BYTES,
    FileRecord,
    blob_record_context,
    custody_context,
    item_record_context,
    manifest_context,
    open_record,
    seal_hash,
    seal_record,
)
from longarm.evidence.sanitise import Sanitised
from longarm.evidence.selectors import (
    blob_plaintext,
    blob_record,
    custody_hash,
    custody_log,
    item_name,
    item_record,
)
from longarm.evidence.storage import (
    BlobWriter,
    delete_blob,
    delete_blobs_or_leave_to_sweep,
    new_storage_name,
    open_blob,
    stored_blobs,
)
from longarm.evidence.uploads import EncryptedUpload
from longarm.evidence.workspace import Workspace
from longarm.intake.models import Report

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 3


def _custody_time(actor_kind: str) -> datetime:
    """When a custody step happened, as precisely as may be kept: a staff member's step to the minute; the
    reporter's, and the worker's that follow an upload within moments, to the day (UTC), since their time
    could be matched against a watched connection."""
    now = timezone.now()
    if actor_kind == AddedBy.STAFF:
        return now.replace(second=0, microsecond=0)
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def custody_append(
    *,
    item: EvidenceItem,
    action: CustodyAction,
    variant: Variant,
    sha256: str,
    key: bytes | None,
    actor: StaffUser | None,
    actor_kind: str,
    detail: str = "",
) -> CustodyEvent:
    """Record one custody step. The version's hash is kept under ``key``, the key of that version; without
    a key (a worker that never opened the file) the step is recorded without its hash."""
    sealed = (
        seal_hash(key, sha256, context=custody_context(item.public_id, variant, action))
        if key is not None and sha256
        else b""
    )
    return CustodyEvent.objects.create(
        item=item,
        at=_custody_time(actor_kind),
        action=action,
        actor_kind=actor_kind,
        actor=actor,
        variant=variant,
        sha256_ciphertext=sealed,
        detail=detail,
    )


def _enqueue(item_ids: Iterable[UUID]) -> None:
    from longarm.evidence.tasks import process_evidence

    for item_id in item_ids:
        process_evidence.enqueue(str(item_id))


def _enqueue_after_commit(item_ids: Sequence[UUID]) -> None:
    """Queue items marked queued by a transaction that has committed. A queue that cannot be reached (Redis
    down) must not turn a stored report into an error page, nor leave the items marked queued with no task:
    those not queued go back to waiting, and the worker's redelivery (``evidence_reclaim``) queues them once
    the queue is back."""
    for number, item_id in enumerate(item_ids):
        try:
            _enqueue([item_id])
        except Exception:
            logger.exception(
                "evidence: the task queue refused %d items; they wait for redelivery", len(item_ids) - number
            )
            EvidenceItem.objects.filter(public_id__in=item_ids[number:], status=EvidenceStatus.QUEUED).update(
                status=EvidenceStatus.RECEIVED
            )
            return


def _queue_in_transaction(item_ids: list[UUID]) -> None:
    from longarm.core.outbox import enqueues_in_transaction
    from longarm.evidence.tasks import process_evidence

    if enqueues_in_transaction(process_evidence.get_backend()):
        # The task rows commit with the items' status: a process killed right after the commit cannot leave
        # an item marked queued that no task will ever run.
        _enqueue(item_ids)
    else:
        transaction.on_commit(partial(_enqueue_after_commit, item_ids))


# Items holding one of their report's places in the queue.
_IN_FLIGHT = (EvidenceStatus.QUEUED, EvidenceStatus.PROCESSING)


def _schedule_locked(report_id: int) -> list[UUID]:
    """Mark the next waiting items of a report queued, up to its fair share, and queue them on commit.
    The caller holds the report's row lock, so two workers finishing at once never exceed the share."""
    share = settings.LONGARM_EVIDENCE_QUEUED_PER_REPORT
    items = EvidenceItem.objects.filter(report_id=report_id)
    free = share - items.filter(status__in=_IN_FLIGHT).count()
    if free <= 0:
        return []
    ids = list(
        items.filter(status=EvidenceStatus.RECEIVED)
        .order_by("position")
        .values_list("public_id", flat=True)[:free]
    )
    if ids:
        EvidenceItem.objects.filter(public_id__in=ids).update(status=EvidenceStatus.QUEUED)
        _queue_in_transaction(ids)
    return ids


def evidence_schedule(*, report_id: int) -> list[UUID]:
    """Queue the next items of a report waiting for processing, so that at most
    ``LONGARM_EVIDENCE_QUEUED_PER_REPORT`` of them are queued or being processed at a time: one report's
    fifty files then take turns with every other report's instead of filling the queue ahead of them. Called
    when files are attached and whenever one of the report's items finishes.

    Returns:
        the ids queued now.
    """
    with transaction.atomic():
        if not Report.objects.select_for_update(no_key=True).filter(pk=report_id).exists():
            return []
        return _schedule_locked(report_id)


def evidence_attach(
    *, report: Report, data_key: bytes, uploads: Sequence[EncryptedUpload], actor: StaffUser | None
) -> list[EvidenceItem]:
    """Record uploaded (already encrypted) files as evidence of ``report`` and queue their processing.

    Each file's key is sealed to the report's recipients and to the processing key. ``actor`` is the staff
    member adding them, or None for the reporter. Returns the new items.

    Raises:
        TooManyFiles: if the report would hold more than ``LONGARM_MAX_FILES_PER_REPORT`` files.
        ValueError: if an upload was refused (forms must not pass those on).
    """
    if any(upload.refusal is not None or upload.detected is None for upload in uploads):
        raise ValueError("refused uploads cannot be attached")
    with transaction.atomic():
        locked = Report.objects.select_for_update(no_key=True).get(pk=report.pk)
        if locked.evidence_items.count() + len(uploads) > settings.LONGARM_MAX_FILES_PER_REPORT:
            raise TooManyFiles
        recipients = report_recipients(report)
        items = []
        for upload in uploads:
            assert upload.detected is not None  # noqa: S101 - checked above
            record = FileRecord(
                sha256=upload.sha256, size=upload.size or 0, content_type=upload.detected.content_type
            )
            item = EvidenceItem.objects.create(
                public_id=upload.item_id,
                report=report,
                added_by_kind=AddedBy.STAFF if actor else AddedBy.REPORTER,
                added_by=actor,
                received_on=timezone.now().date(),
                name_ciphertext=encrypt(
                    data_key,
                    (upload.name or "").encode(),
                    context=name_context(report.public_id, upload.item_id),
                ),
                record_ciphertext=seal_record(
                    data_key, record, context=item_record_context(report.public_id, upload.item_id)
                ),
                kind=upload.detected.kind,
            )
            blob = EvidenceBlob.objects.create(
                item=item,
                variant=Variant.ORIGINAL,
                storage_name=upload.storage_name,
                record_ciphertext=seal_record(
                    upload.key, record, context=blob_record_context(upload.item_id, Variant.ORIGINAL)
                ),
            )
            seal_blob_key(blob=blob, key=upload.key, recipients=recipients, for_processing=True)
            custody_append(
                item=item,
                action=CustodyAction.RECEIVED,
                variant=Variant.ORIGINAL,
                sha256=upload.sha256,
                key=upload.key,
                actor=actor,
                actor_kind=AddedBy.STAFF if actor else AddedBy.REPORTER,
            )
            audit_append(
                actor=actor,
                actor_kind=ActorKind.STAFF if actor else ActorKind.REPORTER,
                action="evidence.upload",
                object_type="evidence",
                object_id=str(item.public_id),
            )
            items.append(item)
        _schedule_locked(report.pk)
    return items


@dataclass
class _Stored:
    storage_name: str
    key: bytes
    size: int
    sha256: str


def _store(item: EvidenceItem, variant: Variant, pieces: Iterable[bytes]) -> _Stored:
    key = new_data_key()
    name = new_storage_name()
    try:
        writer = BlobWriter(name, key, context=blob_context(item.public_id, variant))
    except OSError as error:
        raise StorageUnavailable from error
    try:
        for piece in pieces:
            writer.write(piece)
        written = writer.finish()
    except OSError as error:
        writer.abort()
        raise StorageUnavailable from error
    except BaseException:
        writer.abort()
        raise
    return _Stored(storage_name=name, key=key, size=written.size, sha256=written.sha256)


@dataclass
class _Outcome:
    hash_verified: bool = False
    # The original's key and record, once the worker has opened them.
    original_key: bytes | None = None
    original: FileRecord | None = None
    failure: str = ""
    result: Sanitised | None = None
    metadata_ciphertext: bytes = b""
    derivative: _Stored | None = None
    preview: _Stored | None = None

    def new_blobs(self) -> list[_Stored]:
        return [stored for stored in (self.derivative, self.preview) if stored is not None]


def _claim(item_id: UUID) -> EvidenceItem | None:
    with transaction.atomic():
        item = EvidenceItem.objects.select_for_update(no_key=True).filter(public_id=item_id).first()
        if item is None or item.status in {EvidenceStatus.READY, EvidenceStatus.FAILED}:
            return None
        item.status = EvidenceStatus.PROCESSING
        item.attempts += 1
        item.processing_started_at = timezone.now()
        item.save(update_fields=["status", "attempts", "processing_started_at"])
        return item


def _work(item: EvidenceItem, outcome: _Outcome) -> None:
    original = item.blobs.get(variant=Variant.ORIGINAL)
    key = blob_key_for_processing(original)
    record = open_record(
        key,
        bytes(original.record_ciphertext),
        context=blob_record_context(item.public_id, Variant.ORIGINAL),
    )
    outcome.original_key, outcome.original = key, record
    detected = BY_CONTENT_TYPE[record.content_type]
    with Workspace() as source, Workspace() as out:
        plaintext = HashingSource(
            decrypt_stream(
                key,
                open_blob(original.storage_name),
                context=blob_context(item.public_id, "original"),
                length=record.size,
            )
        )
        source.fill(plaintext)
        if plaintext.hexdigest() != record.sha256:
            raise Unsanitisable(FailureReason.INTEGRITY)
        outcome.hash_verified = True
        outcome.result = sanitise(source, detected, out)
        outcome.metadata_ciphertext = encrypt(
            key,
            json.dumps(outcome.result.metadata, ensure_ascii=False, default=str).encode(),
            context=metadata_context(item.public_id),
        )
        outcome.derivative = _store(item, Variant.DERIVATIVE, out.chunks())
    if outcome.result.preview is not None:
        outcome.preview = _store(item, Variant.PREVIEW, [outcome.result.preview])


def evidence_process(*, item_id: UUID) -> str:
    """Hash-check, extract metadata from and sanitise one item; the body of the background task.

    Idempotent: an item already finished is left alone, and a retry after a killed worker replaces any
    half-made derivative rather than adding one. Every failure is recorded on the item; nothing raises.

    Returns:
        the item's status afterwards (or "missing" if it no longer exists).
    """
    item = _claim(item_id)
    if item is None:
        current = EvidenceItem.objects.filter(public_id=item_id).values("status", "report_id").first()
        if current is None:
            return "missing"
        # A duplicate run (after a requeue): make sure the report's turn passes on all the same.
        evidence_schedule(report_id=current["report_id"])
        return str(current["status"])
    outcome = _Outcome()
    if item.attempts > MAX_ATTEMPTS:
        # The file killed the worker each time it was tried (out of memory, a crash in a parser).
        outcome.failure = FailureReason.INTERNAL
    else:
        try:
            _work(item, outcome)
        except (StorageUnavailable, OperationalError, InterfaceError) as error:
            # Not the file's fault: the storage or the database is unavailable for now. The item keeps its
            # claim until its lease runs out and it is queued again (``evidence_reclaim``); the task's own
            # retry (``core.database.retrying_on_outage``) runs it again sooner if the database is back. The
            # try does not count towards the attempts that mark a file as one that kills the worker.
            _delete_blobs([stored.storage_name for stored in outcome.new_blobs()])
            if isinstance(error, StorageUnavailable):
                EvidenceItem.objects.filter(public_id=item_id).update(attempts=F("attempts") - 1)
            raise
        except Unsanitisable as error:
            outcome.failure = error.reason
        except (DecryptionError, KeyNotHeld):
            outcome.failure = FailureReason.INTEGRITY
        except Exception as error:
            # The traceback's frames, not the message: a parser's message can quote the file.
            # Nor the item's id: a timestamped line naming it would date the upload, which is kept to the day.
            # The failure is recorded on the item itself.
            logger.error(
                "evidence processing failed with %s\n%s",
                type(error).__name__,
                "".join(traceback.format_tb(error.__traceback__)),
            )
            outcome.failure = FailureReason.INTERNAL
    if outcome.failure:
        delete_blobs_or_leave_to_sweep(stored.storage_name for stored in outcome.new_blobs())
        outcome.derivative = outcome.preview = None
    status = _finish(item_id, outcome)
    # This item's place in the queue passes to the report's next file.
    evidence_schedule(report_id=item.report_id)
    evidence_task_results_forget()
    return status


def evidence_task_results_forget() -> int:
    """Delete the rows the database task queue keeps of finished evidence tasks; returns how many.

    Each names an item and says, to the microsecond, when it was queued, which is the moment its upload
    committed: the day-dated item would be undone by it. A task still waiting or running keeps its row
    (the queue needs it); once done, nothing needs it. Other backends keep no rows in the database.
    """
    if not apps.is_installed("django_tasks_db"):
        return 0
    from django_tasks_db.models import DBTaskResult

    from longarm.evidence.tasks import process_evidence

    deleted: int
    deleted, _ = DBTaskResult.objects.finished().filter(task_path=process_evidence.module_path).delete()
    return deleted


def _finish(item_id: UUID, outcome: _Outcome) -> str:
    replaced: list[str] = []
    with transaction.atomic():
        item = EvidenceItem.objects.select_for_update(no_key=True).get(public_id=item_id)
        if item.status != EvidenceStatus.PROCESSING:
            # Another run finished first; its result stands and this one's files go.
            leftovers = [stored.storage_name for stored in outcome.new_blobs()]
            transaction.on_commit(lambda: _delete_blobs(leftovers))
            return str(item.status)
        original = item.blobs.get(variant=Variant.ORIGINAL)
        original_sha256 = outcome.original.sha256 if outcome.original else ""
        if outcome.hash_verified:
            custody_append(
                item=item,
                action=CustodyAction.HASHED,
                variant=Variant.ORIGINAL,
                sha256=original_sha256,
                key=outcome.original_key,
                actor=None,
                actor_kind="system",
            )
        old = list(item.blobs.exclude(variant=Variant.ORIGINAL))
        replaced = [blob.storage_name for blob in old]
        for blob in old:
            blob.delete()
        if outcome.failure:
            item.status, item.failure_reason = EvidenceStatus.FAILED, outcome.failure
            custody_append(
                item=item,
                action=CustodyAction.FAILED,
                variant=Variant.ORIGINAL,
                sha256=original_sha256,
                key=outcome.original_key,
                actor=None,
                actor_kind="system",
                detail=outcome.failure,
            )
        else:
            assert outcome.result is not None  # noqa: S101 - set whenever there is no failure
            assert outcome.derivative is not None  # noqa: S101 - likewise
            recipients = report_recipients(item.report)
            for variant, stored, content_type in (
                (Variant.DERIVATIVE, outcome.derivative, outcome.result.content_type),
                (Variant.PREVIEW, outcome.preview, outcome.result.preview_type),
            ):
                if stored is None:
                    continue
                derivative = variant == Variant.DERIVATIVE
                offers = tuple((offer["kind"], offer["value"]) for offer in outcome.result.offers)
                record = FileRecord(
                    sha256=stored.sha256,
                    size=stored.size,
                    content_type=content_type,
                    offers=offers if derivative else (),
                )
                blob = EvidenceBlob.objects.create(
                    item=item,
                    variant=variant,
                    storage_name=stored.storage_name,
                    record_ciphertext=seal_record(
                        stored.key,
                        record,
                        context=blob_record_context(item.public_id, variant),
                        length=DERIVATIVE_RECORD_BYTES if derivative else RECORD_BYTES,
                    ),
                )
                seal_blob_key(blob=blob, key=stored.key, recipients=recipients, for_processing=False)
            item.status, item.failure_reason = EvidenceStatus.READY, ""
            item.metadata_ciphertext = outcome.metadata_ciphertext
            custody_append(
                item=item,
                action=CustodyAction.SANITISED,
                variant=Variant.DERIVATIVE,
                sha256=outcome.derivative.sha256,
                key=outcome.derivative.key,
                actor=None,
                actor_kind="system",
            )
        # Processing is over either way: the worker gives up its access to the original (DESIGN §3).
        EvidenceKey.objects.filter(blob=original, holder=KeyHolder.PROCESSING).delete()
        item.processing_started_at = None
        item.save()
        audit_append(
            actor=None,
            actor_kind=ActorKind.SYSTEM,
            action="evidence.process." + ("failed" if outcome.failure else "ready"),
            object_type="evidence",
            object_id=str(item.public_id),
            # Processing follows the upload within moments: dated like the reporter's own act.
            reporter_path=item.added_by_kind == AddedBy.REPORTER,
        )
        transaction.on_commit(lambda: _delete_blobs(replaced))
        return str(item.status)


def _delete_blobs(names: list[str]) -> None:
    delete_blobs_or_leave_to_sweep(names)


def evidence_requeue_unfinished() -> int:
    """Queue again every item whose processing never finished: queued before a worker crash (or a lost
    queue), or started by a worker that died (its lease has run out); then give every report with files
    still waiting its fair share of the queue (``evidence_schedule``). For start-up (``longarm serve``) and
    the daily sweep: an item queued a moment ago is queued twice, harmlessly (processing is idempotent).
    Returns how many were queued."""
    ids = list(EvidenceItem.objects.filter(status=EvidenceStatus.QUEUED).values_list("public_id", flat=True))
    _enqueue(ids)
    return len(ids) + evidence_reclaim()


def _forget_dead_tasks(item_ids: Sequence[UUID]) -> None:
    """Delete the database queue's rows of the tasks a killed worker left running on these items: nothing
    will finish them, and each names its item with the time it was queued, to the microsecond."""
    if not item_ids or not apps.is_installed("django_tasks_db"):
        return
    from django_tasks_db.models import DBTaskResult

    from longarm.evidence.tasks import process_evidence

    stale = DBTaskResult.objects.running().filter(task_path=process_evidence.module_path)
    for item_id in item_ids:
        stale.filter(args_kwargs__args=[str(item_id)]).delete()


def evidence_reclaim() -> int:
    """Give back to the queue what a dead worker held and what a queue that was down refused: items being
    processed longer than the lease (``LONGARM_EVIDENCE_LEASE_SECONDS``: their worker was killed) are marked
    queued again and queued, and every report with files waiting gets its fair share (``evidence_schedule``).
    Safe to run often beside live workers (the worker's redelivery does): it never touches an item that is
    queued or within its lease. Returns how many were queued."""
    stale = timezone.now() - timedelta(seconds=settings.LONGARM_EVIDENCE_LEASE_SECONDS)
    expired = EvidenceItem.objects.filter(status=EvidenceStatus.PROCESSING, processing_started_at__lt=stale)
    from longarm.core.outbox import enqueues_in_transaction
    from longarm.evidence.tasks import process_evidence

    in_transaction = enqueues_in_transaction(process_evidence.get_backend())
    with transaction.atomic():
        ids = list(expired.select_for_update(no_key=True).values_list("public_id", flat=True))
        # Marked queued first: the next pass must not queue them again while they wait for a worker.
        EvidenceItem.objects.filter(public_id__in=ids).update(status=EvidenceStatus.QUEUED)
        _forget_dead_tasks(ids)
        if in_transaction:
            _enqueue(ids)
    if not in_transaction:
        _enqueue_after_commit(ids)
    waiting = (
        EvidenceItem.objects.filter(status=EvidenceStatus.RECEIVED)
        .values_list("report_id", flat=True)
        .distinct()
    )
    scheduled = [item_id for report_id in list(waiting) for item_id in evidence_schedule(report_id=report_id)]
    return len(ids) + len(scheduled)


@transaction.atomic
def evidence_record_access(
    *,
    item: EvidenceItem,
    blob: EvidenceBlob,
    key: bytes,
    staff: StaffUser | None,
    action: CustodyAction,
) -> None:
    """Append the custody and audit events for someone viewing or downloading one version of an item;
    ``key`` is that version's key, which they hold.

    Raises:
        DecryptionError: if the version's record was altered.
    """
    custody_append(
        item=item,
        action=action,
        variant=Variant(blob.variant),
        sha256=blob_record(blob=blob, item=item, key=key).sha256,
        key=key,
        actor=staff,
        actor_kind=AddedBy.STAFF if staff else AddedBy.REPORTER,
    )
    audit_append(
        actor=staff,
        actor_kind=ActorKind.STAFF if staff else ActorKind.REPORTER,
        action=f"evidence.{action}.{blob.variant}",
        object_type="evidence",
        object_id=str(item.public_id),
    )


@dataclass(frozen=True)
class PreparedExport:
    package: ExportPackage
    files: list[PackageFile]
    manifest: bytes


def _custody_entry(event: CustodyEvent, keys: dict[tuple[int, str], bytes]) -> dict[str, Any]:
    return {
        "item": str(event.item.public_id),
        "action": event.action,
        "at": event.at.isoformat(),
        "actor": event.actor.username if event.actor else event.actor_kind,
        "version": event.variant,
        "sha256": custody_hash(event=event, key=keys.get((event.item_id, event.variant))),
        **({"detail": event.detail} if event.detail else {}),
    }


def _version_keys(
    *, items: Sequence[EvidenceItem], staff: StaffUser, private_key: bytes
) -> dict[tuple[int, str], bytes]:
    """The keys ``staff`` holds to every version of ``items``, by (item, version)."""
    keys: dict[tuple[int, str], bytes] = {}
    for blob in EvidenceBlob.objects.filter(item__in=items):
        try:
            keys[(blob.item_id, blob.variant)] = blob_key_for_staff(
                blob=blob, staff=staff, private_key=private_key
            )
        except KeyNotHeld:
            continue
    return keys


def evidence_export(
    *,
    report: Report,
    staff: StaffUser,
    private_key: bytes,
    data_key: bytes,
    choices: Sequence[tuple[EvidenceItem, EvidenceBlob]],
) -> PreparedExport:
    """Record an export of the chosen versions of items and prepare its manifest and file streams.

    Appends an ``exported`` custody event per file and an audit event, in one transaction, before the
    manifest is made, so the manifest's custody log includes the export itself. Hashes, sizes and types
    come from the encrypted records: the chosen files' under their keys, the originals' under ``data_key``.

    Raises:
        KeyNotHeld: if a chosen file's key is not sealed to ``staff``.
        DecryptionError: if a record or custody hash was altered.
    """
    created = timezone.now().replace(microsecond=0)
    keys = {
        blob.pk: blob_key_for_staff(blob=blob, staff=staff, private_key=private_key) for _, blob in choices
    }
    items = list(dict.fromkeys(item for item, _ in choices))
    version_keys = _version_keys(items=items, staff=staff, private_key=private_key)
    with transaction.atomic():
        package = ExportPackage.objects.create(
            report=report,
            created_by=staff,
            created_at=created,
            manifest_sha256_ciphertext=b"",
            file_count=len(choices),
        )
        files: list[PackageFile] = []
        described: list[dict[str, Any]] = []
        for number, (item, blob) in enumerate(choices, start=1):
            key = keys[blob.pk]
            record = blob_record(blob=blob, item=item, key=key)
            original = item_record(item=item, report=report, data_key=data_key)
            if original is None:
                raise DecryptionError("the item's record does not open with the report's data key")
            extension = extension_for(record.content_type)
            path = f"files/{number:03d}-{item.reference}-{blob.variant}.{extension}"
            files.append(
                PackageFile(
                    path=path,
                    sha256=record.sha256,
                    size=record.size,
                    content=partial(blob_plaintext, blob=blob, item=item, key=key, size=record.size),
                )
            )
            described.append(
                {
                    "path": path,
                    "item": str(item.public_id),
                    "version": blob.variant,
                    "content_type": record.content_type,
                    "original_name": item_name(item=item, report=report, data_key=data_key),
                    "original_sha256": original.sha256,
                    "original_size": original.size,
                    "status": item.status,
                    **({"failure_reason": item.failure_reason} if item.failure_reason else {}),
                }
            )
            custody_append(
                item=item,
                action=CustodyAction.EXPORTED,
                variant=Variant(blob.variant),
                sha256=record.sha256,
                key=key,
                actor=staff,
                actor_kind=AddedBy.STAFF,
                detail=f"package {package.public_id.hex[:12]}",
            )
        manifest = manifest_bytes(
            header={
                "package": str(package.public_id),
                "created_at": created.isoformat(),
                "created_by": staff.username,
                "report": {"reference": report.reference, "id": str(report.public_id)},
                "signing_public_key": public_key_of(current_keyring().signing_seed),
                "items": described,
            },
            files=files,
            custody=[_custody_entry(event, version_keys) for event in custody_log(items=items)],
        )
        package.manifest_sha256_ciphertext = seal_hash(
            data_key,
            hashlib.sha256(manifest).hexdigest(),
            context=manifest_context(report.public_id, package.public_id),
        )
        package.save(update_fields=["manifest_sha256_ciphertext"])
        audit_append(
            actor=staff,
            actor_kind=ActorKind.STAFF,
            action="evidence.export",
            object_type="report",
            object_id=str(report.public_id),
        )
    return PreparedExport(package=package, files=files, manifest=manifest)


SWEEP_GRACE = timedelta(hours=24)


@dataclass(frozen=True)
class Swept:
    expired_pending: int
    orphans: int


def evidence_sweep(*, grace: timedelta | None = None) -> Swept:
    """Delete what storage holds that nothing will ever read: files kept for a questionnaire whose time ran
    out, and blobs no row refers to (an upload or processing step that crashed between writing its blob and
    committing the row) once they are older than ``grace``, so that no upload or processing still under way
    is touched. Audited as counts only.
    """
    grace = grace if grace is not None else SWEEP_GRACE
    now = timezone.now()
    evidence_task_results_forget()
    with transaction.atomic():
        expired = list(
            PendingUpload.objects.select_for_update()
            .filter(expires_at__lte=now)
            .values_list("storage_name", flat=True)
        )
        PendingUpload.objects.filter(storage_name__in=expired).delete()
        if expired:
            audit_append(
                actor=None,
                actor_kind=ActorKind.SYSTEM,
                action="evidence.pending_expired",
                object_type="evidence",
                object_id=str(len(expired)),
            )
        transaction.on_commit(partial(_delete_blobs, expired))
    cutoff = (now - grace).timestamp()
    old = {name for name, written_at in stored_blobs() if written_at < cutoff}
    # Pending rows first: a questionnaire sent meanwhile turns its pending row into an evidence row in one
    # transaction, so that whichever moment it commits, one of the two queries sees the blob referred to.
    referred = set(PendingUpload.objects.filter(storage_name__in=old).values_list("storage_name", flat=True))
    referred |= set(EvidenceBlob.objects.filter(storage_name__in=old).values_list("storage_name", flat=True))
    orphans = sorted(old - referred)
    if orphans:
        for name in orphans:
            delete_blob(name)
        with transaction.atomic():
            audit_append(
                actor=None,
                actor_kind=ActorKind.SYSTEM,
                action="evidence.orphans_deleted",
                object_type="evidence",
                object_id=str(len(orphans)),
            )
    return Swept(expired_pending=len(expired), orphans=len(orphans))

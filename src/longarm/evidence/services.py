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

from django.conf import settings
from django.db import transaction
from django.db.models import Q
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
from longarm.evidence.exceptions import KeyNotHeld, TooManyFiles, Unsanitisable
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
from longarm.evidence.sanitise import Sanitised
from longarm.evidence.selectors import blob_plaintext, custody_log, item_name
from longarm.evidence.storage import BlobWriter, delete_blob, new_storage_name, open_blob, stored_blobs
from longarm.evidence.uploads import EncryptedUpload
from longarm.evidence.workspace import Workspace
from longarm.intake.models import Report

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 3


def _now() -> datetime:
    # Minutes, as for messages: a to-the-second time could be matched against a watched connection.
    return timezone.now().replace(second=0, microsecond=0)


def custody_append(
    *,
    item: EvidenceItem,
    action: CustodyAction,
    variant: Variant,
    sha256: str,
    actor: StaffUser | None,
    actor_kind: str,
    detail: str = "",
) -> CustodyEvent:
    return CustodyEvent.objects.create(
        item=item,
        at=_now(),
        action=action,
        actor_kind=actor_kind,
        actor=actor,
        variant=variant,
        sha256=sha256,
        detail=detail,
    )


def _enqueue(item_ids: Iterable[UUID]) -> None:
    from longarm.evidence.tasks import process_evidence

    for item_id in item_ids:
        process_evidence.enqueue(str(item_id))


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
        locked = Report.objects.select_for_update().get(pk=report.pk)
        if locked.evidence_items.count() + len(uploads) > settings.LONGARM_MAX_FILES_PER_REPORT:
            raise TooManyFiles
        recipients = report_recipients(report)
        items = []
        for upload in uploads:
            assert upload.detected is not None  # noqa: S101 - checked above
            item = EvidenceItem.objects.create(
                public_id=upload.item_id,
                report=report,
                added_by_kind=AddedBy.STAFF if actor else AddedBy.REPORTER,
                added_by=actor,
                received_at=_now(),
                name_ciphertext=encrypt(
                    data_key,
                    (upload.name or "").encode(),
                    context=name_context(report.public_id, upload.item_id),
                ),
                kind=upload.detected.kind,
                content_type=upload.detected.content_type,
                size=upload.size or 0,
                sha256=upload.sha256,
            )
            blob = EvidenceBlob.objects.create(
                item=item,
                variant=Variant.ORIGINAL,
                storage_name=upload.storage_name,
                content_type=upload.detected.content_type,
                size=upload.size or 0,
                sha256=upload.sha256,
            )
            seal_blob_key(blob=blob, key=upload.key, recipients=recipients, for_processing=True)
            custody_append(
                item=item,
                action=CustodyAction.RECEIVED,
                variant=Variant.ORIGINAL,
                sha256=upload.sha256,
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
        ids = [item.public_id for item in items]
        transaction.on_commit(lambda: _enqueue(ids))
    return items


@dataclass
class _Stored:
    storage_name: str
    key: bytes
    size: int
    sha256: str


def _store(item: EvidenceItem, variant: Variant, pieces: Iterable[bytes]) -> _Stored:
    key = new_data_key()
    name = new_storage_name(item.public_id, variant)
    writer = BlobWriter(name, key, context=blob_context(item.public_id, variant))
    try:
        for piece in pieces:
            writer.write(piece)
        written = writer.finish()
    except BaseException:
        writer.abort()
        raise
    return _Stored(storage_name=name, key=key, size=written.size, sha256=written.sha256)


@dataclass
class _Outcome:
    hash_verified: bool = False
    failure: str = ""
    result: Sanitised | None = None
    metadata_ciphertext: bytes = b""
    derivative: _Stored | None = None
    preview: _Stored | None = None

    def new_blobs(self) -> list[_Stored]:
        return [stored for stored in (self.derivative, self.preview) if stored is not None]


def _claim(item_id: UUID) -> EvidenceItem | None:
    with transaction.atomic():
        item = EvidenceItem.objects.select_for_update().filter(public_id=item_id).first()
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
    detected = BY_CONTENT_TYPE[item.content_type]
    with Workspace() as source, Workspace() as out:
        plaintext = HashingSource(
            decrypt_stream(
                key, open_blob(original.storage_name), context=blob_context(item.public_id, "original")
            )
        )
        source.fill(plaintext)
        if plaintext.hexdigest() != item.sha256:
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
        current = EvidenceItem.objects.filter(public_id=item_id).values_list("status", flat=True).first()
        return current or "missing"
    outcome = _Outcome()
    if item.attempts > MAX_ATTEMPTS:
        # The file killed the worker each time it was tried (out of memory, a crash in a parser).
        outcome.failure = FailureReason.INTERNAL
    else:
        try:
            _work(item, outcome)
        except Unsanitisable as error:
            outcome.failure = error.reason
        except (DecryptionError, KeyNotHeld):
            outcome.failure = FailureReason.INTEGRITY
        except Exception as error:
            # The traceback's frames, not the message: a parser's message can quote the file.
            logger.error(
                "evidence %s: processing failed with %s\n%s",
                item.public_id,
                type(error).__name__,
                "".join(traceback.format_tb(error.__traceback__)),
            )
            outcome.failure = FailureReason.INTERNAL
    if outcome.failure:
        for stored in outcome.new_blobs():
            delete_blob(stored.storage_name)
        outcome.derivative = outcome.preview = None
    return _finish(item_id, outcome)


def _finish(item_id: UUID, outcome: _Outcome) -> str:
    replaced: list[str] = []
    with transaction.atomic():
        item = EvidenceItem.objects.select_for_update().get(public_id=item_id)
        if item.status != EvidenceStatus.PROCESSING:
            # Another run finished first; its result stands and this one's files go.
            leftovers = [stored.storage_name for stored in outcome.new_blobs()]
            transaction.on_commit(lambda: _delete_blobs(leftovers))
            return str(item.status)
        original = item.blobs.get(variant=Variant.ORIGINAL)
        if outcome.hash_verified:
            custody_append(
                item=item,
                action=CustodyAction.HASHED,
                variant=Variant.ORIGINAL,
                sha256=item.sha256,
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
                sha256=item.sha256,
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
                blob = EvidenceBlob.objects.create(
                    item=item,
                    variant=variant,
                    storage_name=stored.storage_name,
                    content_type=content_type,
                    size=stored.size,
                    sha256=stored.sha256,
                )
                seal_blob_key(blob=blob, key=stored.key, recipients=recipients, for_processing=False)
            item.status, item.failure_reason = EvidenceStatus.READY, ""
            item.metadata_ciphertext = outcome.metadata_ciphertext
            custody_append(
                item=item,
                action=CustodyAction.SANITISED,
                variant=Variant.DERIVATIVE,
                sha256=outcome.derivative.sha256,
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
    for name in names:
        delete_blob(name)


def evidence_requeue_unfinished() -> int:
    """Queue again every item whose processing never finished: queued before a worker crash, or started
    by a worker that died (its lease has run out). Returns how many were queued."""
    stale = timezone.now() - timedelta(seconds=settings.LONGARM_EVIDENCE_LEASE_SECONDS)
    ids = list(
        EvidenceItem.objects.filter(
            Q(status=EvidenceStatus.RECEIVED)
            | Q(status=EvidenceStatus.PROCESSING, processing_started_at__lt=stale)
        ).values_list("public_id", flat=True)
    )
    _enqueue(ids)
    return len(ids)


@transaction.atomic
def evidence_record_access(
    *, item: EvidenceItem, blob: EvidenceBlob, staff: StaffUser | None, action: CustodyAction
) -> None:
    """Append the custody and audit events for someone viewing or downloading one version of an item."""
    custody_append(
        item=item,
        action=action,
        variant=Variant(blob.variant),
        sha256=blob.sha256,
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


def _custody_entry(event: CustodyEvent) -> dict[str, Any]:
    return {
        "item": str(event.item.public_id),
        "action": event.action,
        "at": event.at.isoformat(),
        "actor": event.actor.username if event.actor else event.actor_kind,
        "version": event.variant,
        "sha256": event.sha256,
        **({"detail": event.detail} if event.detail else {}),
    }


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
    manifest is made, so the manifest's custody log includes the export itself.

    Raises:
        KeyNotHeld: if a chosen file's key is not sealed to ``staff``.
    """
    created = timezone.now().replace(microsecond=0)
    keys = {
        blob.pk: blob_key_for_staff(blob=blob, staff=staff, private_key=private_key) for _, blob in choices
    }
    with transaction.atomic():
        package = ExportPackage.objects.create(
            report=report, created_by=staff, created_at=created, manifest_sha256="", file_count=len(choices)
        )
        files: list[PackageFile] = []
        described: list[dict[str, Any]] = []
        for number, (item, blob) in enumerate(choices, start=1):
            extension = extension_for(blob.content_type)
            path = f"files/{number:03d}-{item.reference}-{blob.variant}.{extension}"
            key = keys[blob.pk]
            files.append(
                PackageFile(
                    path=path,
                    sha256=blob.sha256,
                    size=blob.size,
                    content=partial(blob_plaintext, blob=blob, item=item, key=key),
                )
            )
            described.append(
                {
                    "path": path,
                    "item": str(item.public_id),
                    "version": blob.variant,
                    "content_type": blob.content_type,
                    "original_name": item_name(item=item, report=report, data_key=data_key),
                    "original_sha256": item.sha256,
                    "original_size": item.size,
                    "status": item.status,
                    **({"failure_reason": item.failure_reason} if item.failure_reason else {}),
                }
            )
            custody_append(
                item=item,
                action=CustodyAction.EXPORTED,
                variant=Variant(blob.variant),
                sha256=blob.sha256,
                actor=staff,
                actor_kind=AddedBy.STAFF,
                detail=f"package {package.public_id.hex[:12]}",
            )
        items = list(dict.fromkeys(item for item, _ in choices))
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
            custody=[_custody_entry(event) for event in custody_log(items=items)],
        )
        package.manifest_sha256 = hashlib.sha256(manifest).hexdigest()
        package.save(update_fields=["manifest_sha256"])
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

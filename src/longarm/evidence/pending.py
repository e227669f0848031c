"""Files attached to a questionnaire that came back with errors are kept, so the reporter need not choose
them again (a slow, frightening upload is not repeated over a typo).

The ciphertext stays where the upload wrote it. Its key, name, type, size and hash go into the reporter's
session vault (``core.session_vault``: encrypted under a key only their cookie holds); the database keeps
only a ``PendingUpload`` row with the storage name and when it expires. Nothing there is plaintext or names
anyone, and only the session that sent a file can attach it. Files not claimed in time are deleted by
``evidence_sweep``.
"""

import base64
import binascii
import json
from collections.abc import Collection, Iterable, Sequence
from datetime import timedelta
from typing import Any, NamedTuple
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from longarm.audit.tally import audit_count
from longarm.core.session_vault import vault_load, vault_store
from longarm.evidence.budget import budget_take, pending_budget, units_for
from longarm.evidence.detection import BY_CONTENT_TYPE
from longarm.evidence.exceptions import PendingExpired
from longarm.evidence.models import EvidenceBlob, PendingUpload
from longarm.evidence.storage import delete_blobs_or_leave_to_sweep
from longarm.evidence.uploads import EncryptedUpload

FIELD = "attached"
_VAULT_NAME = "pending-uploads"


def lifetime() -> timedelta:
    # Short: these files belong to no report yet, and anyone can make them by sending a form with a mistake.
    # Never longer than the session that alone can claim them.
    return timedelta(seconds=min(settings.LONGARM_PENDING_UPLOAD_SECONDS, settings.SESSION_COOKIE_AGE))


def _encode(upload: EncryptedUpload) -> dict[str, str | int]:
    assert upload.detected is not None  # noqa: S101 - only accepted uploads are kept
    return {
        "id": upload.item_id.hex,
        "key": base64.b64encode(upload.key).decode("ascii"),
        "storage_name": upload.storage_name,
        "name": upload.name or "",
        "content_type": upload.detected.content_type,
        "size": upload.size or 0,
        "sha256": upload.sha256,
    }


def _decode(entry: dict[str, str | int]) -> EncryptedUpload | None:
    try:
        return EncryptedUpload.restored(
            item_id=UUID(str(entry["id"])),
            key=base64.b64decode(str(entry["key"]), validate=True),
            storage_name=str(entry["storage_name"]),
            name=str(entry["name"]),
            detected=BY_CONTENT_TYPE[str(entry["content_type"])],
            size=int(entry["size"]),
            sha256=str(entry["sha256"]),
        )
    except (KeyError, ValueError, TypeError, binascii.Error):
        return None


def _remember(request: HttpRequest, uploads: Sequence[EncryptedUpload]) -> None:
    vault_store(request, _VAULT_NAME, json.dumps([_encode(upload) for upload in uploads]).encode())


def pending_uploads(request: HttpRequest) -> list[EncryptedUpload]:
    """The files this session keeps from an earlier try that have not expired, oldest first."""
    stored = vault_load(request, _VAULT_NAME)
    if not stored:
        return []
    try:
        entries = json.loads(stored)
    except ValueError:
        return []
    uploads = [upload for upload in map(_decode, entries if isinstance(entries, list) else []) if upload]
    if not uploads:
        return []  # the usual report, sent without files: no query to build
    alive = set(
        PendingUpload.objects.filter(
            storage_name__in=[upload.storage_name for upload in uploads], expires_at__gt=timezone.now()
        ).values_list("storage_name", flat=True)
    )
    return [upload for upload in uploads if upload.storage_name in alive]


def pending_attached(request: HttpRequest) -> bool:
    """Whether a file this session keeps is already evidence of a report: the questionnaire was sent and
    committed, but the answer never reached the browser (the connection broke, the server was killed), so
    the session still holds the draft. Storage names are random and known only to this session."""
    stored = vault_load(request, _VAULT_NAME)
    try:
        entries = json.loads(stored) if stored else []
    except ValueError:
        return False
    names = [
        upload.storage_name for upload in map(_decode, entries if isinstance(entries, list) else []) if upload
    ]
    return bool(names) and EvidenceBlob.objects.filter(storage_name__in=names).exists()


def pending_forget(request: HttpRequest) -> None:
    """Forget the files this session kept (they belong to a report now, or to nothing)."""
    if vault_load(request, _VAULT_NAME):
        _remember(request, [])


def pending_choose(request: HttpRequest) -> list[EncryptedUpload]:
    """Of the files kept from an earlier try, those the reporter left ticked in the form (``FIELD``); the
    others are deleted now."""
    pending = pending_uploads(request)
    ticked = set(request.POST.getlist(FIELD))
    chosen = [upload for upload in pending if upload.item_id.hex in ticked]
    dropped = [upload for upload in pending if upload.item_id.hex not in ticked]
    if dropped:
        _discard(dropped)
    if dropped or vault_load(request, _VAULT_NAME):
        _remember(request, chosen)
    return chosen


def not_kept_error(upload: EncryptedUpload) -> ValidationError:
    return ValidationError(
        _("“%(name)s” could not be kept while you correct the form. Please choose it again."),
        code="not_kept",
        params={"name": upload.name},
    )


class Kept(NamedTuple):
    kept: list[EncryptedUpload]
    """What this session keeps now, earlier files included."""
    dropped: list[EncryptedUpload]
    """New files over the quota: deleted when the request ends; the reporter chooses them again."""


def _within_quota(known: Sequence[EncryptedUpload], new: Sequence[EncryptedUpload]) -> list[EncryptedUpload]:
    """Of ``new``, in order, those that fit this session's quota besides the ``known`` ones, and then the
    quota of all sessions together (``evidence.budget.pending_budget``): all of them or none."""
    files, size = len(known), sum(upload.size or 0 for upload in known)
    fitting = []
    for upload in new:
        if (
            files + 1 > settings.LONGARM_PENDING_FILES_PER_SESSION
            or size + (upload.size or 0) > settings.LONGARM_PENDING_BYTES_PER_SESSION
        ):
            continue
        fitting.append(upload)
        files, size = files + 1, size + (upload.size or 0)
    if (
        fitting
        and budget_take(pending_budget(), units_for(sum(upload.size or 0 for upload in fitting))) is None
    ):
        return []
    return fitting


def pending_keep(request: HttpRequest, uploads: Iterable[UploadedFile[Any]]) -> Kept:
    """Keep the accepted ones of ``uploads`` for this session until the questionnaire is sent (or they
    expire), as far as the quotas allow: files and bytes per session, bytes of all sessions per window
    (``LONGARM_PENDING_*``). They may include files kept before; only the new ones get a row.

    Returns:
        what is kept now, and the new files that were not (over the quota).
    """
    accepted = [
        upload
        for upload in uploads
        if isinstance(upload, EncryptedUpload) and upload.refusal is None and upload.detected is not None
    ]
    known_names = set(
        PendingUpload.objects.filter(
            storage_name__in=[upload.storage_name for upload in accepted]
        ).values_list("storage_name", flat=True)
    )
    known = [upload for upload in accepted if upload.storage_name in known_names]
    candidates = [upload for upload in accepted if upload.storage_name not in known_names]
    new = _within_quota(known, candidates)
    keeping = known_names | {upload.storage_name for upload in new}
    kept = [upload for upload in accepted if upload.storage_name in keeping]
    dropped = [upload for upload in candidates if upload.storage_name not in keeping]
    expires_at = timezone.now().replace(second=0, microsecond=0) + lifetime()
    if new:  # a step posted without new files opens no transaction (on SQLite, the write lock)
        with transaction.atomic():
            for upload in new:
                PendingUpload.objects.create(storage_name=upload.storage_name, expires_at=expires_at)
            # Anyone may send a form with errors: counted per window, not chained file by file.
            audit_count(action="evidence.pending", outcome="kept", times=len(new))
    if kept or vault_load(request, _VAULT_NAME):  # no session and cookie just for a form with a typo
        _remember(request, kept)
    return Kept(kept=kept, dropped=dropped)


def pending_claimed(request: HttpRequest, uploads: Collection[EncryptedUpload]) -> None:
    """The kept files are now evidence of a report: call in the transaction that attached them.

    Raises:
        PendingExpired: if a file expired meanwhile (and may be deleted); roll the transaction back.
    """
    names = [upload.storage_name for upload in uploads]
    deleted, _ = PendingUpload.objects.filter(storage_name__in=names, expires_at__gt=timezone.now()).delete()
    if deleted != len(names):
        raise PendingExpired
    transaction.on_commit(lambda: _remember(request, []))


def _discard(uploads: Sequence[EncryptedUpload]) -> None:
    names = [upload.storage_name for upload in uploads]
    with transaction.atomic():
        PendingUpload.objects.filter(storage_name__in=names).delete()
        audit_count(action="evidence.pending", outcome="removed", times=len(uploads))
        transaction.on_commit(lambda: delete_blobs_or_leave_to_sweep(names))

"""Streaming uploads: every file is type-checked from its first bytes, then encrypted and hashed chunk by
chunk straight into evidence storage. No upload is held whole in memory or written anywhere in plaintext.

Views that accept files install ``EncryptingUploadHandler`` (see ``evidence.views.accepts_evidence``);
everywhere else ``DiscardingUploadHandler`` drops file parts unread, so Django's default handlers never
spool a plaintext upload to a temporary file.
"""

import errno
import logging
import uuid
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from longarm.crypto.envelopes import new_data_key
from longarm.crypto.streams import CHUNK_BYTES
from longarm.evidence.budget import Reservation
from longarm.evidence.contexts import blob_context
from longarm.evidence.detection import SNIFF_BYTES, DetectedType, detect
from longarm.evidence.models import Variant
from longarm.evidence.storage import (
    BlobWriter,
    StorageUnavailable,
    delete_blobs_or_leave_to_sweep,
    new_storage_name,
)

logger = logging.getLogger(__name__)


class Refusal(models.TextChoices):
    EMPTY = "empty", _("The file is empty.")
    UNSUPPORTED = (
        "unsupported",
        _(
            "This kind of file is not accepted. We accept photos (JPEG, PNG, WebP, HEIC, AVIF, JPEG XL, "
            "TIFF, GIF, BMP, SVG), PDF, office documents (Word, Excel, PowerPoint, OpenDocument, RTF) and "
            "e-books (EPUB), audio (M4A, AAC, MP3, Ogg, Opus, AMR, WAV, FLAC, AIFF, WeChat voice messages), "
            "video (MP4, MOV, WebM, MKV, 3GP, AVI, WMV), chat exports from WhatsApp, LINE or WeChat (text, "
            "HTML) and CSV files, and ZIP archives of exports."
        ),
    )
    TOO_LARGE = "too_large", _("The file is larger than the limit.")
    TOO_MANY = "too_many", _("Too many files were sent at once.")
    REQUEST_TOO_LARGE = "request_too_large", _("The files sent together are larger than the limit.")
    BUSY = "busy", _("We are receiving more files than we can take just now. Please try again later.")
    UNAVAILABLE = (
        "unavailable",
        _("This file could not be stored just now. Your other answers are kept: please try it again later."),
    )


class EncryptedUpload(UploadedFile):  # type: ignore[type-arg]  # holds no file object at all
    """What a form receives for one uploaded file: where its ciphertext is and what it holds, or why it was
    refused. Only the name is plaintext here, and it is encrypted when the file is attached."""

    def __init__(self, *, name: str, field_name: str) -> None:
        super().__init__(file=None, name=name, content_type="application/octet-stream", size=0)
        self.field_name = field_name
        self.item_id = uuid.uuid4()
        self.key = new_data_key()
        self.storage_name = new_storage_name()
        self.detected: DetectedType | None = None
        self.sha256 = ""
        self.refusal: Refusal | None = None

    @classmethod
    def restored(
        cls,
        *,
        item_id: uuid.UUID,
        key: bytes,
        storage_name: str,
        name: str,
        detected: DetectedType,
        size: int,
        sha256: str,
    ) -> "EncryptedUpload":
        """An upload received by an earlier request and kept since (see ``evidence.pending``)."""
        upload = cls(name=name, field_name="attachments")
        upload.item_id, upload.key, upload.storage_name = item_id, key, storage_name
        upload.detected, upload.content_type = detected, detected.content_type
        upload.size, upload.sha256 = size, sha256
        return upload

    def open(self, *args: Any, **kwargs: Any) -> "EncryptedUpload":
        raise ValueError("an encrypted upload has no plaintext to open")

    def close(self) -> None:
        """Nothing to close: the ciphertext was written and closed as it arrived."""


class EncryptingUploadHandler(FileUploadHandler):
    """Checks every file against the limits as its bytes arrive, before anything is written: its own size,
    the request's total (``LONGARM_MAX_REQUEST_UPLOAD_BYTES``), the number of files and, for reporters'
    requests, the site-wide upload budget (``budget``, see ``evidence.budget``). A file over any of them is
    refused, what was written of it deleted, and the rest of it read off the wire unwritten, so the rest of
    the form still arrives. So is a file that evidence storage fails to take (a bucket out of reach): the
    reporter is told, and the answers and other files stay."""

    # Django's multipart parser hands the body over in pieces of this size; each piece costs it some Python
    # (reading, finding the boundary), so they are 1 MiB, not the 64 KiB the encryption cuts them into.
    chunk_size = 16 * CHUNK_BYTES

    def __init__(
        self,
        request: HttpRequest | None = None,
        *,
        max_files: int | None = None,
        budget: Reservation | None = None,
    ) -> None:
        super().__init__(request)
        self.max_bytes: int = settings.LONGARM_MAX_UPLOAD_BYTES
        self.max_request_bytes: int = settings.LONGARM_MAX_REQUEST_UPLOAD_BYTES
        self.max_files: int = max_files if max_files is not None else settings.LONGARM_MAX_FILES_PER_REPORT
        self.budget = budget
        self.uploads: list[EncryptedUpload] = []
        self._current: EncryptedUpload | None = None
        self._head = bytearray()
        self._writer: BlobWriter | None = None
        # Bytes of this request's files not refused so far, and how many of them are the current file's.
        self._accepted = 0
        self._current_bytes = 0

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, file_name, *args, **kwargs)
        upload = EncryptedUpload(name=file_name, field_name=field_name)
        self.uploads.append(upload)
        self._current, self._head, self._writer = upload, bytearray(), None
        self._current_bytes = 0
        if len(self.uploads) > self.max_files:
            upload.refusal = Refusal.TOO_MANY

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        upload = self._current
        if upload is None or upload.refusal is not None:
            return None
        if start + len(raw_data) > self.max_bytes:
            self._refuse(Refusal.TOO_LARGE)
            return None
        accepted = self._accepted + len(raw_data)
        if accepted > self.max_request_bytes:
            self._refuse(Refusal.REQUEST_TOO_LARGE)
            return None
        if self.budget is not None and not self.budget.cover(accepted):
            self._refuse(Refusal.BUSY)
            return None
        self._accepted, self._current_bytes = accepted, self._current_bytes + len(raw_data)
        if self._writer is None:
            self._head += raw_data
            if len(self._head) >= SNIFF_BYTES:
                self._start_writing(complete=False)
            return None
        try:
            self._writer.write(raw_data)
        except OSError as error:
            self._storage_failed(error)
        return None

    def _storage_failed(self, error: OSError) -> None:
        """Storage refused a write (full, read-only, gone): the file is refused as if the site were busy,
        which it is, and what was written of it removed; the rest of the form still arrives. Logged with the
        system's reason only."""
        if isinstance(error, StorageUnavailable):
            # The bucket is unreachable: the reporter is told this file could not be stored just now.
            logger.error("evidence storage refused an upload: the bucket is unavailable")
            self._refuse(Refusal.UNAVAILABLE)
            return
        logger.error("evidence storage refused an upload: %s", errno.errorcode.get(error.errno or 0, "?"))
        self._refuse(Refusal.BUSY)

    def _start_writing(self, *, complete: bool) -> None:
        upload = self._current
        assert upload is not None  # noqa: S101 - called only while a file is open
        upload.detected = detect(bytes(self._head[:SNIFF_BYTES]), complete=complete)
        if upload.detected is None:
            self._refuse(Refusal.UNSUPPORTED)
            return
        # Only now, with the type accepted, does anything reach the disk.
        head, self._head = bytes(self._head), bytearray()
        try:
            self._writer = BlobWriter(
                upload.storage_name, upload.key, context=blob_context(upload.item_id, Variant.ORIGINAL)
            )
            self._writer.write(head)
        except OSError as error:
            self._storage_failed(error)

    def _refuse(self, refusal: Refusal) -> None:
        upload = self._current
        assert upload is not None  # noqa: S101 - called only while a file is open
        upload.refusal = refusal
        self._head = bytearray()
        self._accepted -= self._current_bytes
        self._current_bytes = 0
        if self._writer is not None:
            self._writer.abort()
            self._writer = None

    def file_complete(self, file_size: int) -> EncryptedUpload | None:
        upload = self._current
        if upload is None:
            return None
        if upload.refusal is None and self._writer is None:
            if file_size == 0:
                self._refuse(Refusal.EMPTY)
            else:
                self._start_writing(complete=True)
        if upload.refusal is None and self._writer is not None:
            try:
                written = self._writer.finish()  # on failure, the blob is removed
            except OSError as error:
                self._writer = None
                self._storage_failed(error)
                self._current = None
                return upload
            self._writer = None
            upload.size = written.size
            upload.sha256 = written.sha256
            assert upload.detected is not None  # noqa: S101 - set before writing started
            upload.content_type = upload.detected.content_type
        self._current = None
        return upload

    def upload_interrupted(self) -> None:
        if self._writer is not None:
            self._writer.abort()
            self._writer = None

    def discard_unclaimed(self, claimed: set[str]) -> None:
        """Delete every blob this request wrote that no committed item (nor kept file) refers to, and give
        back to the budget what it took for them."""
        self.upload_interrupted()
        kept = sum(
            upload.size or 0
            for upload in self.uploads
            if upload.storage_name in claimed and upload.refusal is None
        )
        delete_blobs_or_leave_to_sweep(
            upload.storage_name for upload in self.uploads if upload.storage_name not in claimed
        )
        if self.budget is not None:
            self.budget.settle(kept)


class DiscardingUploadHandler(FileUploadHandler):
    """The default for every other view: file parts are read off the wire and dropped."""

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        return None

    def file_complete(self, file_size: int) -> None:
        return None

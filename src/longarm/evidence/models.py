"""Evidence files (DESIGN §4): each item has an encrypted original and, once processed, a sanitised
derivative and a preview; every handling step is a custody event. File names, extracted metadata, hashes,
exact sizes and exact types are ciphertext (see ``evidence.records``); only the coarse kind of file, the day
it came and the processing state are in clear."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from longarm.core.ids import random_id
from longarm.core.positions import TakesNextPlace
from longarm.intake.models import Report


class EvidenceKind(models.TextChoices):
    IMAGE = "image", _("Image")
    PDF = "pdf", _("PDF document")
    DOCUMENT = "document", _("Office document")
    AUDIO = "audio", _("Audio recording")
    VIDEO = "video", _("Video")
    TEXT = "text", _("Text or chat export")
    ARCHIVE = "archive", _("ZIP archive")


class EvidenceStatus(models.TextChoices):
    # Waiting for its report's turn in the queue (fair share, see ``evidence.services.evidence_schedule``);
    # then queued. Both read the same to people.
    RECEIVED = "received", _("Received, waiting to be processed")
    QUEUED = "queued", _("Received, waiting to be processed")
    PROCESSING = "processing", _("Being processed")
    READY = "ready", _("Sanitised copy ready")
    FAILED = "failed", _("Could not be sanitised; the original is kept")


class FailureReason(models.TextChoices):
    DAMAGED = "damaged", _("The file is damaged or incomplete (corrupt or truncated).")
    POLYGLOT = "polyglot", _("The file is at the same time a file of another type (a polyglot).")
    ENCRYPTED = "encrypted", _("The file is password-protected.")
    ARCHIVE_BOMB = "archive_bomb", _("The archive unpacks to far more than its size (a ZIP bomb).")
    TOO_MANY_ENTRIES = "too_many_entries", _("The archive holds more files than are accepted.")
    UNSAFE_ARCHIVE = "unsafe_archive", _("The archive has encrypted entries or unsafe names.")
    PIXEL_BOMB = "pixel_bomb", _("The image has too many pixels to open safely (a pixel bomb).")
    TIMEOUT = "timeout", _("Processing took too long.")
    TOO_MANY_PAGES = "too_many_pages", _("The document has more pages than are rendered.")
    UNRENDERABLE = "unrenderable", _("The document could not be rendered; the original is kept.")
    INTEGRITY = "integrity", _("The stored original no longer matches its hash.")
    INTERNAL = "internal", _("An unexpected error stopped the processing.")


class AddedBy(models.TextChoices):
    REPORTER = "reporter", _("Reporter")
    STAFF = "staff", _("Staff member")


class EvidenceItem(TakesNextPlace):
    place_among = "report"

    # Random, not a sequence: ids numbered across every report placed a reporter's upload (dated to the day)
    # between files staff added, chained to the second (threat model §5.5, "Message ids").
    id = models.BigIntegerField(primary_key=True, default=random_id, editable=False)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="evidence_items")
    # The file's place among its report's files (1, 2, …), given under the report's row lock: the order
    # they came in, within one report only.
    position = models.PositiveIntegerField(editable=False)
    added_by_kind = models.CharField(max_length=10, choices=AddedBy.choices)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    # The day only: the exact time of an upload could be matched against a watched connection.
    received_on = models.DateField()
    # The name the sender's device gave the file: under the report's data key, since it often says a lot.
    name_ciphertext = models.BinaryField()
    # The original's SHA-256, exact size and exact type, under the report's data key (``records``).
    record_ciphertext = models.BinaryField()
    kind = models.CharField(max_length=10, choices=EvidenceKind.choices)
    status = models.CharField(max_length=12, choices=EvidenceStatus.choices, default=EvidenceStatus.RECEIVED)
    failure_reason = models.CharField(max_length=16, choices=FailureReason.choices, blank=True)
    # Extracted capture metadata, JSON under the original's key; shown to investigators only.
    metadata_ciphertext = models.BinaryField(blank=True, default=b"")
    attempts = models.PositiveSmallIntegerField(default=0)
    processing_started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["report_id", "position"]
        indexes = [models.Index(fields=["status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(added_by_kind="staff", added_by__isnull=False)
                | models.Q(added_by_kind="reporter", added_by__isnull=True),
                name="evidence_added_by_matches_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(status="failed") ^ models.Q(failure_reason=""),
                name="evidence_failure_reason_iff_failed",
            ),
            models.UniqueConstraint(fields=["report", "position"], name="evidence_position_once"),
        ]

    def __str__(self) -> str:
        return str(self.public_id)

    @property
    def reference(self) -> str:
        return self.public_id.hex[:8].upper()


class Variant(models.TextChoices):
    ORIGINAL = "original", _("Original")
    DERIVATIVE = "derivative", _("Sanitised copy")
    PREVIEW = "preview", _("Preview")


class EvidenceBlob(models.Model):
    """One encrypted file in storage, with its own random key (sealed in ``EvidenceKey`` rows)."""

    # Random, not a sequence: an upload's original, numbered between the files of staff and the worker's
    # copies, would date it (threat model §5.5, "Message ids").
    id = models.BigIntegerField(primary_key=True, default=random_id, editable=False)
    item = models.ForeignKey(EvidenceItem, on_delete=models.CASCADE, related_name="blobs")
    variant = models.CharField(max_length=12, choices=Variant.choices)
    storage_name = models.CharField(max_length=120, unique=True)
    # This file's SHA-256, exact size and type, under its own key (``records``).
    record_ciphertext = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "variant"], name="evidence_blob_once_per_variant")
        ]

    def __str__(self) -> str:
        return f"{self.variant} of {self.item_id}"


class KeyHolder(models.TextChoices):
    STAFF = "staff", _("Staff member")
    RECOVERY = "recovery", _("Organisation recovery key")
    REPORTER = "reporter", _("Reporter")
    PROCESSING = "processing", _("Background processing (until it finishes)")


class EvidenceKey(models.Model):
    """A blob's key sealed (X25519 SealedBox) to one holder's public key."""

    # Random, not a sequence: an upload's seals, numbered between the seals of staff grants and downloads,
    # would date it (threat model §5.5, "Message ids").
    id = models.BigIntegerField(primary_key=True, default=random_id, editable=False)
    blob = models.ForeignKey(EvidenceBlob, on_delete=models.CASCADE, related_name="keys")
    holder = models.CharField(max_length=10, choices=KeyHolder.choices)
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE)
    sealed = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["blob", "staff"],
                condition=models.Q(holder="staff"),
                name="evidence_key_once_per_staff",
            ),
            models.UniqueConstraint(
                fields=["blob", "holder"],
                condition=~models.Q(holder="staff"),
                name="evidence_key_once_per_holder",
            ),
            models.CheckConstraint(
                condition=models.Q(holder="staff", staff__isnull=False)
                | (~models.Q(holder="staff") & models.Q(staff__isnull=True)),
                name="evidence_key_staff_iff_staff_holder",
            ),
        ]

    def __str__(self) -> str:
        return f"key of blob {self.blob_id} for {self.holder}"


class CustodyAction(models.TextChoices):
    RECEIVED = "received", _("Received")
    HASHED = "hashed", _("Hash verified")
    SANITISED = "sanitised", _("Sanitised copy made")
    FAILED = "failed", _("Processing failed")
    VIEWED = "viewed", _("Viewed")
    DOWNLOADED = "downloaded", _("Downloaded")
    EXPORTED = "exported", _("Exported in a package")


class CustodyEvent(TakesNextPlace):
    """One step in the chain of custody of an item: who handled which version, when, with which hash.

    Steps of the reporter and of the background worker (which follows an upload within moments) are dated
    to the day; staff steps to the minute. The hash is under the key of the version concerned, and empty
    when whoever recorded the step could not open that key (processing that never got to the file)."""

    place_among = "item"

    # Random, not a sequence: ids numbered across every item placed a reporter's upload (dated to the day)
    # between staff steps of other files, dated to the minute (threat model §5.5, "Message ids").
    id = models.BigIntegerField(primary_key=True, default=random_id, editable=False)
    item = models.ForeignKey(EvidenceItem, on_delete=models.CASCADE, related_name="custody_events")
    # The step's place in its item's chain of custody (1, 2, …), given under the item's row lock.
    position = models.PositiveIntegerField(editable=False)
    at = models.DateTimeField()
    action = models.CharField(max_length=12, choices=CustodyAction.choices)
    actor_kind = models.CharField(max_length=10, choices=[*AddedBy.choices, ("system", _("System"))])
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    variant = models.CharField(max_length=12, choices=Variant.choices)
    sha256_ciphertext = models.BinaryField(blank=True, default=b"")
    detail = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["item_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["item", "position"], name="custody_position_once"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.item_id} {self.at:%Y-%m-%d %H:%M}"


class ExportPackage(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="evidence_exports")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField()
    # The SHA-256 of the signed manifest, under the report's data key: the manifest names the files.
    manifest_sha256_ciphertext = models.BinaryField()
    file_count = models.PositiveIntegerField()

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return str(self.public_id)


class PendingUpload(models.Model):
    """A file a reporter attached to a questionnaire that was sent back with errors: its ciphertext waits in
    storage until the questionnaire is sent. Its key, name and type live only in the reporter's session
    vault, so this row says nothing but where the blob is and when it is deleted unless claimed."""

    storage_name = models.CharField(max_length=120, unique=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.storage_name

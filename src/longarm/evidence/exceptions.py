class EvidenceError(Exception):
    """Base class of the evidence app's named failures."""


class TooManyFiles(EvidenceError):
    """The report already holds the configured maximum number of files."""


class KeyNotHeld(EvidenceError):
    """No key of this file is sealed to the person (or process) asking for it."""


class Unsanitisable(EvidenceError):
    """A file that cannot be sanitised safely; ``reason`` is a ``FailureReason`` value, shown to staff.

    Never carries the underlying parser's message, which may quote the file's content.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PackageInvalid(EvidenceError):
    """An evidence package whose signature, manifest or files do not verify."""


class PendingExpired(EvidenceError):
    """A file kept from an earlier try of the questionnaire expired before the questionnaire was sent."""


class StorageUnavailable(EvidenceError, OSError):
    """Storage refused a write or a read (full, read-only, an unreachable bucket): not the file's fault, so
    processing is tried again later (the lease gives the item back) rather than recorded as failed. Its text
    names no key, no path and no host."""

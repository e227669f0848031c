"""What an evidence file is, kept only as ciphertext (DESIGN §3: no plaintext-derived value in clear).

A file's SHA-256 fingerprints it: anyone holding the same picture finds every report that contains it, and a
sanitised copy's hash is stable across re-encodings of one picture. Its exact size and MIME type narrow it
down too. So each of these lives only inside an AEAD record:

- the **item record** (``EvidenceItem.record_ciphertext``): the original's hash, size and type under the
  report's data key, for the reporter's mailbox, the staff page, dossiers and export manifests;
- the **blob record** (``EvidenceBlob.record_ciphertext``): each stored version's hash, size and type under
  that file's own key, so that exactly those who can read a file can check it, including the background
  worker while it holds the processing seal;
- a custody event's hash (``CustodyEvent.sha256_ciphertext``), under the key of the version it concerns;
- an export's manifest hash (``ExportPackage.manifest_sha256_ciphertext``), under the report's data key.

The associated data names the report, item, version and field, so no record can be moved to another row.
Records are padded to one length, so the ciphertext's length says nothing about the size or type either.

A sanitised copy's record also holds the identifiers found in it (phone numbers and messenger IDs of a chat
export, ``sanitise.chats``), offered to its readers to add to the case: they are as sensitive as the copy,
so they live under its key and nowhere else. Every copy's record is padded to ``DERIVATIVE_RECORD_BYTES``,
with identifiers or without.
"""

import json
from dataclasses import dataclass
from uuid import UUID

from longarm.crypto.envelopes import decrypt, encrypt
from longarm.crypto.errors import DecryptionError

RECORD_BYTES = 256
# Room for the identifiers a copy offers (at most ``OFFER_LIMIT`` of ``chats``, each a short value).
DERIVATIVE_RECORD_BYTES = 4096
HASH_BYTES = 32


@dataclass(frozen=True)
class FileRecord:
    """The fingerprint of one file: hex SHA-256, exact size in bytes and exact MIME type."""

    sha256: str
    size: int
    content_type: str
    # (kind, value) pairs: identifiers a sanitised copy offers to be added to the case.
    offers: tuple[tuple[str, str], ...] = ()


def item_record_context(report_id: UUID, item_id: UUID) -> bytes:
    return f"longarm report {report_id} evidence {item_id} record".encode()


def blob_record_context(item_id: UUID, variant: str) -> bytes:
    return f"longarm evidence {item_id} {variant} record".encode()


def custody_context(item_id: UUID, variant: str, action: str) -> bytes:
    return f"longarm evidence {item_id} {variant} custody {action}".encode()


def manifest_context(report_id: UUID, package_id: UUID) -> bytes:
    return f"longarm report {report_id} export {package_id} manifest".encode()


def seal_record(key: bytes, record: FileRecord, *, context: bytes, length: int = RECORD_BYTES) -> bytes:
    """Encrypt ``record`` under ``key``, padded to ``length`` so that every record of its kind has the same
    length. Offers that do not fit are left out (the last first)."""
    fields: dict[str, object] = {
        "sha256": record.sha256,
        "size": record.size,
        "content_type": record.content_type,
    }
    offers = [list(offer) for offer in record.offers]
    while True:
        if offers:
            fields["offers"] = offers
        body = json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()
        if len(body) <= length or not offers:
            break
        offers.pop()
    if len(body) > length:
        raise ValueError("an evidence record is longer than its padded length")
    return encrypt(key, body.ljust(length), context=context)


def open_record(key: bytes, ciphertext: bytes, *, context: bytes) -> FileRecord:
    """Decrypt a record made by :func:`seal_record`.

    Raises:
        DecryptionError: if the ciphertext was altered or moved, the key is wrong, or it is no record.
    """
    body = decrypt(key, ciphertext, context=context)
    try:
        fields = json.loads(body)
        return FileRecord(
            sha256=str(fields["sha256"]),
            size=int(fields["size"]),
            content_type=str(fields["content_type"]),
            offers=tuple((str(kind), str(value)) for kind, value in fields.get("offers", [])),
        )
    except (ValueError, KeyError, TypeError) as error:
        raise DecryptionError("not an evidence record") from error


def seal_hash(key: bytes, sha256: str, *, context: bytes) -> bytes:
    """Encrypt a hex SHA-256 (as its 32 bytes) under ``key``."""
    return encrypt(key, bytes.fromhex(sha256), context=context)


def open_hash(key: bytes, ciphertext: bytes, *, context: bytes) -> str:
    """Decrypt a hash made by :func:`seal_hash`; raises ``DecryptionError`` as :func:`open_record` does."""
    digest = decrypt(key, ciphertext, context=context)
    if len(digest) != HASH_BYTES:
        raise DecryptionError("not a SHA-256")
    return digest.hex()

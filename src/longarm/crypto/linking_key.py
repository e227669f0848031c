"""The linking key: keys the blind indexes of identifiers (DESIGN §3), apart from ``index.key``.

``index.key`` also keys API token lookup hashes and attestation codes, whose plaintext is never kept, so it
can never be rotated. Identifiers can be re-indexed (their ciphertext is decrypted with the recovery key), so
they get their own key, which `longarm linking reindex` rotates. The file ``linking.key`` (mode 0600) holds
one line ``<version>:<base64 of 32 bytes>``; a rotation stages the next key in ``linking.key.next`` and
swaps it in with one atomic rename once every identifier has a blind index under it.
"""

import base64
import binascii
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from longarm.crypto._secure_files import (
    _fsync_directory,
    check_private_directory,
    create_new_file,
    read_small_file,
)
from longarm.crypto.errors import KeyringError

LINKING_KEY_FILE = "linking.key"
NEXT_LINKING_KEY_FILE = "linking.key.next"
LINKING_KEY_BYTES = 32


@dataclass(frozen=True, repr=False)
class LinkingKey:
    version: int
    key: bytes

    def __repr__(self) -> str:
        return f"LinkingKey(version={self.version})"


def _encode(linking_key: LinkingKey) -> bytes:
    return f"{linking_key.version}:".encode() + base64.b64encode(linking_key.key) + b"\n"


def _decode(content: bytes, path: Path) -> LinkingKey:
    version_text, separator, key_text = content.strip().partition(b":")
    try:
        version = int(version_text)
        key = base64.b64decode(key_text, validate=True)
    except (ValueError, binascii.Error):
        raise KeyringError(f"key file {path} is not <version>:<base64>") from None
    if not separator or version < 1 or len(key) != LINKING_KEY_BYTES:
        raise KeyringError(f"key file {path} is not <version>:<base64 of {LINKING_KEY_BYTES} bytes>")
    return LinkingKey(version=version, key=key)


def _new(version: int) -> LinkingKey:
    return LinkingKey(version=version, key=secrets.token_bytes(LINKING_KEY_BYTES))


def ensure_linking_key(directory: Path) -> bool:
    """Create ``linking.key`` (version 1) in the keyring directory unless it exists; returns whether it
    did. Raises ``KeyringError`` if the directory is missing or accessible to group or others."""
    check_private_directory(directory)
    path = directory / LINKING_KEY_FILE
    return not path.exists() and create_new_file(path, _encode(_new(1)))


def load_linking_key(directory: Path) -> LinkingKey:
    """The current linking key, created first if an older installation lacks it.

    Raises:
        KeyringError: if the directory or the file is accessible to group or others, or the file is
            malformed.
    """
    ensure_linking_key(directory)
    path = directory / LINKING_KEY_FILE
    return _decode(read_small_file(path, private=True), path)


def linking_key_stamp(directory: Path) -> tuple[int, int]:
    """Changes when the key file is replaced, so a long-running process can notice a rotation cheaply."""
    status = (directory / LINKING_KEY_FILE).stat()
    return status.st_ino, status.st_mtime_ns


def stage_next_linking_key(directory: Path) -> LinkingKey:
    """The key a rotation moves to: the staged one if an interrupted rotation left it, else a new one with
    the next version. Raises ``KeyringError`` as ``load_linking_key``."""
    current = load_linking_key(directory)
    path = directory / NEXT_LINKING_KEY_FILE
    if not path.exists():
        create_new_file(path, _encode(_new(current.version + 1)))
    staged = _decode(read_small_file(path, private=True), path)
    if staged.version <= current.version:
        raise KeyringError(f"{path} is not newer than the current linking key; remove it and run again")
    return staged


def commit_linking_key(directory: Path) -> LinkingKey:
    """Make the staged key current (one atomic rename; the old key is gone for good); returns it.
    Raises ``KeyringError`` when nothing is staged."""
    path = directory / NEXT_LINKING_KEY_FILE
    if not path.exists():
        raise KeyringError("no linking key is staged")
    staged = _decode(read_small_file(path, private=True), path)
    os.replace(path, directory / LINKING_KEY_FILE)
    _fsync_directory(directory)
    return staged

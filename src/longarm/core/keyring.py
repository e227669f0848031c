"""The running server's access to the keyring and to the Argon2id costs chosen in settings."""

import os
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from longarm.crypto.envelopes import keypair_from_private_key
from longarm.crypto.errors import KeyringError, SignatureError
from longarm.crypto.kdf import Argon2Cost
from longarm.crypto.keyring import KEY_FILES, Keyring, load_keyring, load_signing_transitions
from longarm.crypto.signing_transitions import KeyPeriod, key_periods, signer_among

_Stamp = tuple[str, tuple[tuple[int, int] | None, ...]]
_DirectoryStamp = tuple[int, int, int] | None

# How long the files' own stamps are trusted without looking at them again, and how old the directory's last
# change must be before its stamp alone is trusted (longer than any file system's timestamp granularity).
_FILES_RECHECK_NS = 1_000_000_000
_SETTLED_NS = 2_000_000_000


@dataclass(frozen=True)
class _Cached:
    directory: _DirectoryStamp
    files: _Stamp
    keyring: Keyring
    # The directory's stamp alone tells a change: its last change was long enough before it was read that
    # a later one cannot carry the same time.
    settled: bool
    files_checked_ns: int


_loaded: dict[str, _Cached] = {}


def _stamp(directory: Path) -> _Stamp:
    identities: list[tuple[int, int] | None] = []
    for name in KEY_FILES:
        try:
            status = os.stat(directory / name)
        except OSError:
            identities.append(None)
        else:
            identities.append((status.st_ino, status.st_mtime_ns))
    return str(directory), tuple(identities)


def _directory_stamp(directory: str) -> _DirectoryStamp:
    try:
        status = os.stat(directory)
    except OSError:
        return None
    return status.st_ino, status.st_mtime_ns, status.st_ctime_ns


def current_keyring() -> Keyring:
    """The keyring in ``LONGARM_KEYS_DIR``; raises ``KeyringError`` if `longarm init` has not made it.

    Loaded once per process and loaded again when a key file is replaced: a web or task worker that runs for
    weeks seals to the recovery key, and signs with the signing key, that the keyring holds now, not those of
    the day it started. Every rotation (``replace_file``) writes a new file and renames it into place, which
    changes the directory's modification time, so a call stats the directory once instead of every key file;
    the files themselves are stat'ed again when the directory changed, when its last change is too recent
    for its time to tell a later one apart (the file system's timestamp granularity), and at most once a
    second besides, for a file edited in place by hand. A signing rotation must be seen at once, not after
    a delay: a checkpoint the retired key signed after its retirement would not verify.
    """
    directory = str(settings.KEYS_DIR)
    now = time.time_ns()
    directory_stamp = _directory_stamp(directory)
    cached = _loaded.get(directory)
    if (
        cached is not None
        and cached.settled
        and directory_stamp is not None
        and directory_stamp == cached.directory
        and now - cached.files_checked_ns < _FILES_RECHECK_NS
    ):
        return cached.keyring
    files = _stamp(Path(directory))
    unchanged = cached is not None and cached.files == files
    keyring = cached.keyring if cached is not None and unchanged else load_keyring(Path(directory))
    settled = directory_stamp is not None and now - directory_stamp[1] > _SETTLED_NS
    _loaded[directory] = _Cached(directory_stamp, files, keyring, settled, now)
    return keyring


def check_recovery_key(private_key: bytes) -> None:
    """Raise ``KeyringError`` unless ``private_key`` is the private half of the keyring's recovery key."""
    if keypair_from_private_key(private_key).public != current_keyring().recovery_public_key:
        raise KeyringError("this is not the recovery private key of this installation")


def receipt_cost() -> Argon2Cost:
    opslimit, memlimit = settings.LONGARM_RECEIPT_ARGON2
    return Argon2Cost(opslimit=opslimit, memlimit=memlimit)


def staff_cost() -> Argon2Cost:
    opslimit, memlimit = settings.LONGARM_STAFF_ARGON2
    return Argon2Cost(opslimit=opslimit, memlimit=memlimit)


def signing_key_periods() -> list[KeyPeriod]:
    """Every signing key this installation has used, oldest first, each with its retirement (None: today's),
    as the keyring's chain of rotations (each signed by both keys) links them."""
    return key_periods(current_keyring().signing_public_key, load_signing_transitions(settings.KEYS_DIR))


def own_signer(message: bytes, signature: bytes) -> KeyPeriod | None:
    """The key of this installation, today's or a retired one, that signed ``message``; None if none did."""
    try:
        return signer_among(signing_key_periods(), message, signature)
    except SignatureError:
        return None

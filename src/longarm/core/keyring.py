"""The running server's access to the keyring and to the Argon2id costs chosen in settings."""

import os
from pathlib import Path

from django.conf import settings

from longarm.crypto.envelopes import keypair_from_private_key
from longarm.crypto.errors import KeyringError, SignatureError
from longarm.crypto.kdf import Argon2Cost
from longarm.crypto.keyring import KEY_FILES, Keyring, load_keyring, load_signing_transitions
from longarm.crypto.signing_transitions import KeyPeriod, key_periods, signer_among

_Stamp = tuple[str, tuple[tuple[int, int] | None, ...]]
_loaded: dict[str, tuple[_Stamp, Keyring]] = {}


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


def current_keyring() -> Keyring:
    """The keyring in ``LONGARM_KEYS_DIR``; raises ``KeyringError`` if `longarm init` has not made it.

    Loaded once per process and loaded again when a key file is replaced (a rotation writes a new file and
    renames it into place): a web or task worker that runs for weeks seals to the recovery key, and signs
    with the signing key, that the keyring holds now, not those of the day it started.
    """
    directory = Path(settings.KEYS_DIR)
    stamp = _stamp(directory)
    cached = _loaded.get(str(directory))
    if cached is not None and cached[0] == stamp:
        return cached[1]
    keyring = load_keyring(directory)
    _loaded[str(directory)] = (stamp, keyring)
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

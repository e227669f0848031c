"""Staff private keys at rest, encrypted under a key derived from the staff member's password."""

from dataclasses import dataclass

from longarm.crypto._checks import require_length
from longarm.crypto.envelopes import X25519_KEY_BYTES, decrypt, encrypt
from longarm.crypto.errors import DecryptionError
from longarm.crypto.kdf import SALT_BYTES, Argon2Cost, derive_key, new_salt

_CONTEXT = b"longarm staff private key"


@dataclass(frozen=True)
class LockedPrivateKey:
    """A private key encrypted under Argon2id(password, ``salt``); both fields are safe to store."""

    salt: bytes
    ciphertext: bytes


def lock_private_key(private_key: bytes, password: str, *, cost: Argon2Cost) -> LockedPrivateKey:
    """Encrypt ``private_key`` under a key derived from ``password`` with a fresh salt.

    The password is used exactly as given (UTF-8); the caller normalises it if it wants to.

    Returns:
        the salt and ciphertext to store; unlocking needs the same ``cost``.

    Raises:
        ValueError: if ``private_key`` is not 32 bytes.
    """
    require_length(private_key, X25519_KEY_BYTES, "private key")
    salt = new_salt()
    key = derive_key(password.encode("utf-8"), salt, cost)
    return LockedPrivateKey(salt=salt, ciphertext=encrypt(key, private_key, context=_CONTEXT))


def unlock_private_key(locked: LockedPrivateKey, password: str, *, cost: Argon2Cost) -> bytes:
    """Decrypt a key locked by :func:`lock_private_key`.

    Returns:
        the 32-byte private key.

    Raises:
        DecryptionError: if the password or cost is wrong, or the stored salt or ciphertext was altered.
    """
    if len(locked.salt) != SALT_BYTES:
        raise DecryptionError("cannot unlock: the stored salt has the wrong length")
    key = derive_key(password.encode("utf-8"), locked.salt, cost)
    private_key = decrypt(key, locked.ciphertext, context=_CONTEXT)
    if len(private_key) != X25519_KEY_BYTES:
        raise DecryptionError("cannot unlock: the stored key has the wrong length")
    return private_key

"""Argon2id key derivation and its cost presets."""

import secrets
from dataclasses import dataclass

from nacl.encoding import RawEncoder
from nacl.pwhash import argon2id

from longarm.crypto._checks import require_length

SALT_BYTES = 16
DERIVED_KEY_BYTES = 32


@dataclass(frozen=True)
class Argon2Cost:
    """Argon2id work factors: ``opslimit`` passes over ``memlimit`` bytes of memory."""

    opslimit: int
    memlimit: int

    def __post_init__(self) -> None:
        if not argon2id.OPSLIMIT_MIN <= self.opslimit <= argon2id.OPSLIMIT_MAX:
            raise ValueError(f"opslimit {self.opslimit} is outside libsodium's Argon2id range")
        if not argon2id.MEMLIMIT_MIN <= self.memlimit <= argon2id.MEMLIMIT_MAX:
            raise ValueError(f"memlimit {self.memlimit} is outside libsodium's Argon2id range")


INTERACTIVE = Argon2Cost(argon2id.OPSLIMIT_INTERACTIVE, argon2id.MEMLIMIT_INTERACTIVE)
MODERATE = Argon2Cost(argon2id.OPSLIMIT_MODERATE, argon2id.MEMLIMIT_MODERATE)
# Offers no protection against guessing: for tests only, never in production settings.
MINIMUM = Argon2Cost(argon2id.OPSLIMIT_MIN, argon2id.MEMLIMIT_MIN)


def new_salt() -> bytes:
    """Return a fresh random 16-byte salt."""
    return secrets.token_bytes(SALT_BYTES)


def derive_key(secret: bytes, salt: bytes, cost: Argon2Cost) -> bytes:
    """Stretch ``secret`` (a password or receipt) into a key with Argon2id.

    Returns:
        32 bytes, the same for the same secret, salt and cost.

    Raises:
        ValueError: if ``salt`` is not 16 bytes.
    """
    require_length(salt, SALT_BYTES, "salt")
    return argon2id.kdf(
        DERIVED_KEY_BYTES, secret, salt, opslimit=cost.opslimit, memlimit=cost.memlimit, encoder=RawEncoder
    )

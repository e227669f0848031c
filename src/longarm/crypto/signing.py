"""Ed25519 detached signatures for evidence manifests, attestations and audit checkpoints."""

import secrets

import nacl.exceptions
from nacl.signing import SigningKey, VerifyKey

from longarm.crypto._checks import require_length
from longarm.crypto.errors import SignatureError

SEED_BYTES = 32
PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64


def new_signing_seed() -> bytes:
    """Return a fresh random 32-byte Ed25519 seed (the private signing key)."""
    return secrets.token_bytes(SEED_BYTES)


def signing_public_key(signing_seed: bytes) -> bytes:
    """Return the 32-byte Ed25519 public key for ``signing_seed``.

    Raises:
        ValueError: if ``signing_seed`` is not 32 bytes.
    """
    require_length(signing_seed, SEED_BYTES, "signing seed")
    return bytes(SigningKey(signing_seed).verify_key)


def sign(signing_seed: bytes, message: bytes) -> bytes:
    """Sign ``message``.

    Returns:
        the 64-byte detached signature.

    Raises:
        ValueError: if ``signing_seed`` is not 32 bytes.
    """
    require_length(signing_seed, SEED_BYTES, "signing seed")
    return SigningKey(signing_seed).sign(message).signature


def verify_signature(public_key: bytes, message: bytes, signature: bytes) -> None:
    """Return if ``signature`` is a valid signature of ``message`` by ``public_key``.

    Raises:
        SignatureError: if it is not, including when ``signature`` is not 64 bytes long.
        ValueError: if ``public_key`` is not 32 bytes.
    """
    require_length(public_key, PUBLIC_KEY_BYTES, "public key")
    try:
        VerifyKey(public_key).verify(message, signature)
    except nacl.exceptions.CryptoError:
        raise SignatureError(
            "invalid signature: the message or signature was altered, or the key differs"
        ) from None

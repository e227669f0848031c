"""Exceptions raised by ``longarm.crypto``.

Messages never contain key material or plaintext, so they are safe to log.
"""


class CryptoError(Exception):
    """Base class: catch this to handle every cryptographic failure at once."""


class DecryptionError(CryptoError):
    """Ciphertext was tampered with, truncated, in an unknown format, or the key or context is wrong."""


class KeyringError(CryptoError):
    """A key file is missing, malformed, too widely readable, or would be written somewhere unsafe."""


class SignatureError(CryptoError):
    """A signature does not match the message and public key."""


class ShareError(CryptoError):
    """Recovery key shares that cannot be unlocked or combined: a wrong passphrase, too few, or mismatched."""

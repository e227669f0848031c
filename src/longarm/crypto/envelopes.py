"""Per-record encryption (XChaCha20-Poly1305) and sealing keys to X25519 public keys.

Ciphertext format: one version byte (0x01), a 24-byte random nonce, then the AEAD output
(ciphertext and 16-byte Poly1305 tag). The associated data is the version byte followed by
the caller's context, so a ciphertext only decrypts for the record and field it was made for.
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

import nacl.exceptions
from nacl.bindings import (
    crypto_aead_xchacha20poly1305_ietf_ABYTES,
    crypto_aead_xchacha20poly1305_ietf_decrypt,
    crypto_aead_xchacha20poly1305_ietf_encrypt,
    crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
)
from nacl.public import PrivateKey, PublicKey, SealedBox

from longarm.crypto._checks import require_context, require_length
from longarm.crypto.errors import DecryptionError

KEY_BYTES = 32
X25519_KEY_BYTES = 32
VERSION = b"\x01"
NONCE_BYTES = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
TAG_BYTES = crypto_aead_xchacha20poly1305_ietf_ABYTES


def new_data_key() -> bytes:
    """Return a fresh random 32-byte symmetric key."""
    return secrets.token_bytes(KEY_BYTES)


def encrypt(key: bytes, plaintext: bytes, *, context: bytes) -> bytes:
    """Encrypt and authenticate ``plaintext`` under ``key``, bound to ``context``.

    ``context`` names what the ciphertext is (e.g. ``b"report:<uuid>:answers"``); decryption
    needs the same bytes, so ciphertexts cannot be moved between records or fields.

    Returns:
        version byte ‖ 24-byte nonce ‖ ciphertext with tag (41 bytes longer than ``plaintext``).

    Raises:
        ValueError: if ``key`` is not 32 bytes or ``context`` is empty.
    """
    require_length(key, KEY_BYTES, "key")
    require_context(context)
    nonce = secrets.token_bytes(NONCE_BYTES)
    body = crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, VERSION + context, nonce, key)
    return VERSION + nonce + body


def decrypt(key: bytes, ciphertext: bytes, *, context: bytes) -> bytes:
    """Verify and decrypt a ciphertext made by :func:`encrypt`.

    Returns:
        the plaintext, only if every byte is authentic.

    Raises:
        DecryptionError: if the ciphertext was altered or truncated, its version is unknown, or
            ``key`` or ``context`` differ from those used to encrypt. A key of the wrong length
            counts as a wrong key, since keys usually come from unsealing stored data.
        ValueError: if ``context`` is empty.
    """
    require_context(context)
    if len(key) != KEY_BYTES:
        raise DecryptionError("cannot decrypt: the key has the wrong length")
    if len(ciphertext) < len(VERSION) + NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("cannot decrypt: the ciphertext is truncated")
    if ciphertext[:1] != VERSION:
        raise DecryptionError("cannot decrypt: unknown ciphertext version")
    nonce = ciphertext[1 : 1 + NONCE_BYTES]
    body = ciphertext[1 + NONCE_BYTES :]
    try:
        return crypto_aead_xchacha20poly1305_ietf_decrypt(body, VERSION + context, nonce, key)
    except nacl.exceptions.CryptoError:
        raise DecryptionError("cannot decrypt: tampered ciphertext, wrong key or wrong context") from None


@dataclass(frozen=True)
class KeyPair:
    """An X25519 key pair; ``repr`` shows only the public half."""

    public: bytes
    private: bytes = field(repr=False)

    def __post_init__(self) -> None:
        require_length(self.public, X25519_KEY_BYTES, "public key")
        require_length(self.private, X25519_KEY_BYTES, "private key")
        if bytes(PrivateKey(self.private).public_key) != self.public:
            raise ValueError("public key does not belong to the private key")


def _keypair(private_key: PrivateKey) -> KeyPair:
    return KeyPair(public=bytes(private_key.public_key), private=bytes(private_key))


def keypair_from_private_key(private_key: bytes) -> KeyPair:
    """Return the key pair that a 32-byte X25519 ``private_key`` belongs to.

    Raises:
        ValueError: if ``private_key`` is not 32 bytes.
    """
    require_length(private_key, X25519_KEY_BYTES, "private key")
    return _keypair(PrivateKey(private_key))


def new_keypair() -> KeyPair:
    """Return a fresh random X25519 key pair."""
    return _keypair(PrivateKey(secrets.token_bytes(X25519_KEY_BYTES)))


def keypair_from_seed(seed: bytes) -> KeyPair:
    """Return the X25519 key pair deterministically derived from a 32-byte ``seed``.

    Raises:
        ValueError: if ``seed`` is not 32 bytes.
    """
    require_length(seed, X25519_KEY_BYTES, "seed")
    return _keypair(PrivateKey.from_seed(seed))


def seal(public_key: bytes, secret: bytes) -> bytes:
    """Encrypt ``secret`` (typically a data key) anonymously to ``public_key`` (libsodium sealed box).

    Sealing needs no private key, so anyone holding the public key can do it.

    Returns:
        the sealed box, 48 bytes longer than ``secret``.

    Raises:
        ValueError: if ``public_key`` is not 32 bytes.
    """
    require_length(public_key, X25519_KEY_BYTES, "public key")
    return SealedBox(PublicKey(public_key)).encrypt(secret)


def unseal(private_key: bytes, sealed: bytes) -> bytes:
    """Open a sealed box made by :func:`seal` for the matching public key.

    Returns:
        the secret.

    Raises:
        DecryptionError: if ``sealed`` was altered or truncated, or was sealed to another key.
        ValueError: if ``private_key`` is not 32 bytes.
    """
    require_length(private_key, X25519_KEY_BYTES, "private key")
    try:
        return SealedBox(PrivateKey(private_key)).decrypt(sealed)
    except nacl.exceptions.CryptoError:
        raise DecryptionError("cannot unseal: tampered sealed box or wrong private key") from None


def unsealer(private_key: bytes) -> Callable[[bytes], bytes]:
    """:func:`unseal` for many boxes sealed to one key pair, without deriving its public half for each.

    Raises:
        ValueError: if ``private_key`` is not 32 bytes; the function returned raises ``DecryptionError`` as
            :func:`unseal` does.
    """
    require_length(private_key, X25519_KEY_BYTES, "private key")
    box = SealedBox(PrivateKey(private_key))

    def open_one(sealed: bytes) -> bytes:
        try:
            return box.decrypt(sealed)
        except nacl.exceptions.CryptoError:
            raise DecryptionError("cannot unseal: tampered sealed box or wrong private key") from None

    return open_one


def seal_data(public_key: bytes, plaintext: bytes, *, context: bytes) -> bytes:
    """Encrypt ``plaintext`` of any length so that only the holder of ``public_key``'s private half reads it.

    A fresh data key encrypts ``plaintext`` (:func:`encrypt`, bound to ``context``) and is itself sealed to
    ``public_key`` (:func:`seal`), so sealing needs no private key.

    Returns:
        the sealed data key (80 bytes) ‖ the ciphertext (41 bytes longer than ``plaintext``).

    Raises:
        ValueError: if ``public_key`` is not 32 bytes or ``context`` is empty.
    """
    key = new_data_key()
    return seal(public_key, key) + encrypt(key, plaintext, context=context)


_SEALED_KEY_BYTES = KEY_BYTES + 48


def unseal_data(private_key: bytes, sealed: bytes, *, context: bytes) -> bytes:
    """Open what :func:`seal_data` made for the matching public key and ``context``.

    Raises:
        DecryptionError: if ``sealed`` was altered or truncated, or was made for another key or context.
        ValueError: if ``private_key`` is not 32 bytes or ``context`` is empty.
    """
    key = unseal(private_key, sealed[:_SEALED_KEY_BYTES])
    return decrypt(key, sealed[_SEALED_KEY_BYTES:], context=context)

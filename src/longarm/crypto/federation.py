"""Keys and envelopes of federated linking (issue 19): the federation key, signed requests between
deployments, and messages sealed to a partner's signing key.

``federation.key`` (mode 0600, beside ``linking.key``; made by `longarm init` or `longarm federation key
create`, never on first use, and replaced by `longarm federation key rotate`) encrypts the canonical strong
match keys a deployment offers to private set intersection, each run's figures and findings, and partners'
pending answers. Unlike the linking key it keys nothing shared with other deployments: the values it
protects are what the PSI library blinds afresh on every run.

Partners know each other by their Ed25519 signing public keys, exchanged out of band. A message sealed to a
partner uses the X25519 form of that key (libsodium's ``crypto_sign_ed25519_pk_to_curve25519``), so no
second key has to be exchanged.
"""

import base64
import binascii
import os
from pathlib import Path

import nacl.exceptions
from nacl.encoding import RawEncoder
from nacl.hash import blake2b
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.signing import SigningKey, VerifyKey

from longarm.crypto._checks import require_length
from longarm.crypto._secure_files import (
    _fsync_directory,
    check_private_directory,
    create_new_file,
    read_small_file,
    replace_file,
)
from longarm.crypto.envelopes import new_data_key
from longarm.crypto.errors import DecryptionError, KeyringError
from longarm.crypto.signing import PUBLIC_KEY_BYTES, SEED_BYTES

FEDERATION_KEY_FILE = "federation.key"
# A rotation's staged key, and the key it replaced until every row is re-encrypted (`longarm federation key
# rotate`).
NEXT_FEDERATION_KEY_FILE = "federation.key.next"
PREVIOUS_FEDERATION_KEY_FILE = "federation.key.previous"
FEDERATION_KEY_BYTES = 32
TAG_BYTES = 16
_TAG_PERSON = b"longarm-fedtag"
# Prefixed to everything signed between deployments, so that no other signature of the signing key (evidence
# manifests, audit checkpoints) can be replayed as a federation request, nor a request as a response.
REQUEST_DOMAIN = b"longarm federation request v1\n"
RESPONSE_DOMAIN = b"longarm federation response v1\n"


class FederationKeyMissing(KeyringError):
    """The keyring has no ``federation.key``: federated linking is off until an administrator creates it."""


def _key_missing(path: Path) -> FederationKeyMissing:
    return FederationKeyMissing(
        f"{path} is missing: federated linking needs it. Create it with `longarm federation key create` "
        "(a new installation gets it from `longarm init`), then offer existing identifiers with "
        "`longarm federation offer --recovery-key PATH`. If it was lost, restore it from a keyring export: "
        "what was stored under it cannot be read without it."
    )


def create_federation_key(directory: Path) -> bool:
    """Create ``federation.key`` in the keyring directory unless it exists; returns whether it did. Only
    `longarm init` and `longarm federation key create` call this: every other use of a missing key is
    refused (:class:`FederationKeyMissing`), never answered by a new key that cannot read what the old one
    protected.

    Raises ``KeyringError`` if the directory is missing or accessible to group or others."""
    check_private_directory(directory)
    path = directory / FEDERATION_KEY_FILE
    if path.exists():
        return False
    return create_new_file(path, _encode(new_data_key()))


def _encode(key: bytes) -> bytes:
    return base64.b64encode(key) + b"\n"


def _read(path: Path) -> bytes:
    try:
        key = base64.b64decode(read_small_file(path, private=True).strip(), validate=True)
    except binascii.Error:
        raise KeyringError(f"key file {path} is not base64") from None
    if len(key) != FEDERATION_KEY_BYTES:
        raise KeyringError(f"key file {path} does not hold {FEDERATION_KEY_BYTES} bytes")
    return key


def load_federation_key(directory: Path) -> bytes:
    """The federation key.

    Raises:
        FederationKeyMissing: if the installation has none (it is never created here).
        KeyringError: if the directory or the file is accessible to group or others, or it is malformed.
    """
    path = directory / FEDERATION_KEY_FILE
    if not path.exists():
        raise _key_missing(path)
    return _read(path)


def federation_keys(directory: Path) -> list[bytes]:
    """The keys that may have encrypted something: the current one first, then, while a rotation runs,
    the staged next one and the previous one (:func:`stage_federation_key`). Raises as
    :func:`load_federation_key`."""
    keys = [load_federation_key(directory)]
    for name in (NEXT_FEDERATION_KEY_FILE, PREVIOUS_FEDERATION_KEY_FILE):
        path = directory / name
        if path.exists():
            keys.append(_read(path))
    return keys


def stage_federation_key(directory: Path) -> tuple[bytes, bytes]:
    """Start (or resume) a rotation: returns the current key and the staged next one
    (``federation.key.next``, created unless an interrupted rotation left it). Raises as
    :func:`load_federation_key`."""
    current = load_federation_key(directory)
    path = directory / NEXT_FEDERATION_KEY_FILE
    if not path.exists():
        create_new_file(path, _encode(new_data_key()))
    staged = _read(path)
    if staged == current:
        raise KeyringError(f"{path} is the current key; remove it and run again")
    return current, staged


def commit_federation_key(directory: Path) -> tuple[bytes, bytes]:
    """Make the staged key current; the old one stays as ``federation.key.previous`` until
    :func:`drop_previous_federation_key`, so that rows written under it meanwhile can still be read and
    re-encrypted. Returns (previous, current). Raises ``KeyringError`` when nothing is staged."""
    staged_path = directory / NEXT_FEDERATION_KEY_FILE
    if not staged_path.exists():
        raise KeyringError("no federation key is staged")
    staged, current = _read(staged_path), load_federation_key(directory)
    replace_file(directory / PREVIOUS_FEDERATION_KEY_FILE, _encode(current))
    os.replace(staged_path, directory / FEDERATION_KEY_FILE)
    _fsync_directory(directory)
    return current, staged


def previous_federation_key(directory: Path) -> bytes | None:
    path = directory / PREVIOUS_FEDERATION_KEY_FILE
    return _read(path) if path.exists() else None


def drop_previous_federation_key(directory: Path) -> None:
    """The end of a rotation: nothing is under the previous key any more, so it is deleted."""
    (directory / PREVIOUS_FEDERATION_KEY_FILE).unlink(missing_ok=True)
    _fsync_directory(directory)


def federation_tag(key: bytes, label: str) -> bytes:
    """A 16-byte keyed digest of ``label`` (BLAKE2b under the federation key): equal labels give equal tags,
    and without the key a tag says nothing about its label."""
    require_length(key, FEDERATION_KEY_BYTES, "federation key")
    return blake2b(label.encode(), digest_size=TAG_BYTES, key=key, person=_TAG_PERSON, encoder=RawEncoder)


def sign_request(signing_seed: bytes, body: bytes) -> bytes:
    """The 64-byte Ed25519 signature of a request ``body`` (domain-separated from every other signature)."""
    require_length(signing_seed, SEED_BYTES, "signing seed")
    return SigningKey(signing_seed).sign(REQUEST_DOMAIN + body).signature


def sign_response(signing_seed: bytes, body: bytes) -> bytes:
    """The 64-byte Ed25519 signature of a response ``body``."""
    require_length(signing_seed, SEED_BYTES, "signing seed")
    return SigningKey(signing_seed).sign(RESPONSE_DOMAIN + body).signature


def _verify(domain: bytes, public_key: bytes, body: bytes, signature: bytes) -> bool:
    if len(public_key) != PUBLIC_KEY_BYTES:
        return False
    try:
        VerifyKey(public_key).verify(domain + body, signature)
    except (nacl.exceptions.CryptoError, ValueError, TypeError):
        return False
    return True


def request_signed_by(public_key: bytes, body: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is ``public_key``'s signature of the request ``body``."""
    return _verify(REQUEST_DOMAIN, public_key, body, signature)


def response_signed_by(public_key: bytes, body: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is ``public_key``'s signature of the response ``body``."""
    return _verify(RESPONSE_DOMAIN, public_key, body, signature)


def seal_to_signing_key(signing_public_key: bytes, plaintext: bytes) -> bytes:
    """Seal ``plaintext`` (an anonymous sealed box) to the X25519 form of a partner's Ed25519 key.

    Raises:
        ValueError: if ``signing_public_key`` is not 32 bytes or not a point of the curve.
    """
    require_length(signing_public_key, PUBLIC_KEY_BYTES, "signing public key")
    try:
        recipient = VerifyKey(signing_public_key).to_curve25519_public_key()
    except nacl.exceptions.CryptoError:
        raise ValueError("not an Ed25519 public key") from None
    return SealedBox(PublicKey(bytes(recipient))).encrypt(plaintext)


def unseal_with_signing_seed(signing_seed: bytes, sealed: bytes) -> bytes:
    """Open what :func:`seal_to_signing_key` sealed to this deployment's signing key.

    Raises:
        DecryptionError: if ``sealed`` was altered or sealed to another key.
    """
    require_length(signing_seed, SEED_BYTES, "signing seed")
    private = SigningKey(signing_seed).to_curve25519_private_key()
    try:
        return SealedBox(PrivateKey(bytes(private))).decrypt(sealed)
    except nacl.exceptions.CryptoError:
        raise DecryptionError("cannot unseal: tampered message or another recipient") from None

"""Keys and envelopes of federated linking (issue 19): the federation key, signed requests between
deployments, and messages sealed to a partner's signing key.

``federation.key`` (mode 0600, beside ``linking.key``) encrypts the canonical strong match keys a deployment
offers to private set intersection and keys the tags that mark which of its identifiers a run found in
common. Unlike the linking key it keys nothing shared with other deployments: the values it protects are
what the PSI library blinds afresh on every run.

Partners know each other by their Ed25519 signing public keys, exchanged out of band. A message sealed to a
partner uses the X25519 form of that key (libsodium's ``crypto_sign_ed25519_pk_to_curve25519``), so no
second key has to be exchanged.
"""

import base64
import binascii
from pathlib import Path

import nacl.exceptions
from nacl.encoding import RawEncoder
from nacl.hash import blake2b
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.signing import SigningKey, VerifyKey

from longarm.crypto._checks import require_length
from longarm.crypto._secure_files import check_private_directory, create_new_file, read_small_file
from longarm.crypto.envelopes import new_data_key
from longarm.crypto.errors import DecryptionError, KeyringError
from longarm.crypto.signing import PUBLIC_KEY_BYTES, SEED_BYTES

FEDERATION_KEY_FILE = "federation.key"
FEDERATION_KEY_BYTES = 32
TAG_BYTES = 16
_TAG_PERSON = b"longarm-fedtag"
# Prefixed to everything signed between deployments, so that no other signature of the signing key (evidence
# manifests, audit checkpoints) can be replayed as a federation request, nor a request as a response.
REQUEST_DOMAIN = b"longarm federation request v1\n"
RESPONSE_DOMAIN = b"longarm federation response v1\n"


def ensure_federation_key(directory: Path) -> bool:
    """Create ``federation.key`` in the keyring directory unless it exists; returns whether it did.
    Raises ``KeyringError`` if the directory is missing or accessible to group or others."""
    check_private_directory(directory)
    path = directory / FEDERATION_KEY_FILE
    if path.exists():
        return False
    return create_new_file(path, base64.b64encode(new_data_key()) + b"\n")


def load_federation_key(directory: Path) -> bytes:
    """The federation key, created first if the installation lacks it.

    Raises:
        KeyringError: if the directory or the file is accessible to group or others, or it is malformed.
    """
    ensure_federation_key(directory)
    path = directory / FEDERATION_KEY_FILE
    try:
        key = base64.b64decode(read_small_file(path, private=True).strip(), validate=True)
    except binascii.Error:
        raise KeyringError(f"key file {path} is not base64") from None
    if len(key) != FEDERATION_KEY_BYTES:
        raise KeyringError(f"key file {path} does not hold {FEDERATION_KEY_BYTES} bytes")
    return key


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

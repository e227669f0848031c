"""The keyring directory: server secrets kept outside the database, and the offline recovery key.

The directory (``LONGARM_KEYS_DIR``, mode 0700) holds one file per key, mode 0600, each a line of
base64 encoding 32 bytes:

- ``receipt-pepper.key``: keys the receipt lookup hash, so a stolen database allows no guessing.
- ``index.key``: keys the blind indexes used for linking identifiers.
- ``signing.key``: Ed25519 seed signing evidence manifests, attestations and audit checkpoints.
- ``processing.key``: X25519 private key for background processing of evidence.
- ``recovery.pub``: the organisation's recovery public key. Its private half never enters this
  directory; it is written once, elsewhere, and kept offline, or split among keyholders
  (``recovery_shares``). A recovery-key rotation replaces this file.

After the first signing-key rotation it also holds ``signing-transitions.json``, the public chain of
rotations, each signed by the retiring and the new key (``signing_transitions``).
"""

import base64
import binascii
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from longarm.crypto import signing
from longarm.crypto._checks import require_length
from longarm.crypto._secure_files import (
    check_private_directory,
    create_new_file,
    ensure_private_directory,
    read_small_file,
    replace_file,
)
from longarm.crypto.envelopes import X25519_KEY_BYTES, keypair_from_private_key, new_keypair
from longarm.crypto.errors import KeyringError, SignatureError
from longarm.crypto.signing_transitions import (
    TRANSITIONS_FILE,
    SigningTransition,
    decode_transitions,
    encode_transitions,
)

KEY_BYTES = 32
RECEIPT_PEPPER_FILE = "receipt-pepper.key"
INDEX_KEY_FILE = "index.key"
SIGNING_KEY_FILE = "signing.key"
PROCESSING_KEY_FILE = "processing.key"
RECOVERY_PUBLIC_KEY_FILE = "recovery.pub"
# A new signing seed while a rotation installs it (``install_signing_key``).
NEXT_SIGNING_KEY_FILE = "signing-next.key"
KEY_FILES = (
    RECEIPT_PEPPER_FILE,
    INDEX_KEY_FILE,
    SIGNING_KEY_FILE,
    PROCESSING_KEY_FILE,
    RECOVERY_PUBLIC_KEY_FILE,
)

RECOVERY_KEY_HEADER = (
    "# Longarm recovery private key.\n"
    "# It can decrypt every report this installation has received. Keep it offline (printed or on\n"
    "# removable media in a safe), never on the server, and never in the keyring directory.\n"
)


@dataclass(frozen=True, repr=False)
class Keyring:
    """The server's keys, as loaded from the keyring directory; ``repr`` shows public keys only."""

    receipt_pepper: bytes
    index_key: bytes
    signing_seed: bytes
    processing_private_key: bytes
    recovery_public_key: bytes

    def __post_init__(self) -> None:
        require_length(self.receipt_pepper, KEY_BYTES, "receipt pepper")
        require_length(self.index_key, KEY_BYTES, "index key")
        require_length(self.signing_seed, KEY_BYTES, "signing seed")
        require_length(self.processing_private_key, X25519_KEY_BYTES, "processing private key")
        require_length(self.recovery_public_key, X25519_KEY_BYTES, "recovery public key")

    @property
    def signing_public_key(self) -> bytes:
        """The Ed25519 public key matching ``signing_seed``."""
        return signing.signing_public_key(self.signing_seed)

    @property
    def processing_public_key(self) -> bytes:
        """The X25519 public key matching ``processing_private_key``."""
        return keypair_from_private_key(self.processing_private_key).public

    def __repr__(self) -> str:
        return (
            f"Keyring(signing_public_key={self.signing_public_key.hex()}, "
            f"processing_public_key={self.processing_public_key.hex()}, "
            f"recovery_public_key={self.recovery_public_key.hex()})"
        )


@dataclass(frozen=True, repr=False)
class KeyringCreation:
    """What :func:`create_keyring` did.

    ``created`` names the files written by this call. ``recovery_private_key`` is set only when this
    call generated the recovery key pair; the caller must write it somewhere offline (see
    :func:`write_recovery_private_key`) before anything is sealed to the recovery public key.
    """

    keyring: Keyring
    created: tuple[str, ...]
    recovery_private_key: bytes | None

    def __repr__(self) -> str:
        generated = self.recovery_private_key is not None
        return (
            f"KeyringCreation(keyring={self.keyring!r}, created={self.created!r}, "
            f"recovery_private_key={'<generated>' if generated else None})"
        )


def _encode(key: bytes) -> bytes:
    return base64.b64encode(key) + b"\n"


def _decode(text: bytes, path: Path) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except binascii.Error:
        raise KeyringError(f"key file {path} is not base64") from None
    if len(key) != KEY_BYTES:
        raise KeyringError(f"key file {path} holds {len(key)} bytes, expected {KEY_BYTES}")
    return key


def create_keyring(directory: Path) -> KeyringCreation:
    """Create the keyring directory and every key file it lacks; never replace an existing one.

    Safe to run again, and concurrently: each file is created atomically only if its name is free.

    Returns:
        the loaded keyring, the names of files created by this call (empty if none), and the recovery
        private key if this call generated the recovery pair.

    Raises:
        KeyringError: if the directory is accessible to group or others, or an existing key file is
            malformed or accessible to group or others.
        OSError: if the directory cannot be created or written.
    """
    ensure_private_directory(directory)
    created: list[str] = []
    for name in (RECEIPT_PEPPER_FILE, INDEX_KEY_FILE, SIGNING_KEY_FILE, PROCESSING_KEY_FILE):
        path = directory / name
        # Skipping a present file saves generating a key; creation below stays safe if this races.
        if not path.exists() and create_new_file(path, _encode(secrets.token_bytes(KEY_BYTES))):
            created.append(name)
    recovery_private_key = None
    recovery_path = directory / RECOVERY_PUBLIC_KEY_FILE
    if not recovery_path.exists():
        recovery = new_keypair()
        if create_new_file(recovery_path, _encode(recovery.public)):
            created.append(RECOVERY_PUBLIC_KEY_FILE)
            recovery_private_key = recovery.private
    return KeyringCreation(
        keyring=load_keyring(directory), created=tuple(created), recovery_private_key=recovery_private_key
    )


def load_keyring(directory: Path) -> Keyring:
    """Load and check every key in the keyring directory.

    Returns:
        the keyring.

    Raises:
        KeyringError: if the directory is missing or accessible to group or others, or a key file is
            missing, accessible to group or others, or not base64 of exactly 32 bytes.
    """
    check_private_directory(directory)
    keys = {
        name: _decode(read_small_file(directory / name, private=True), directory / name) for name in KEY_FILES
    }
    return Keyring(
        receipt_pepper=keys[RECEIPT_PEPPER_FILE],
        index_key=keys[INDEX_KEY_FILE],
        signing_seed=keys[SIGNING_KEY_FILE],
        processing_private_key=keys[PROCESSING_KEY_FILE],
        recovery_public_key=keys[RECOVERY_PUBLIC_KEY_FILE],
    )


def write_recovery_private_key(path: Path, private_key: bytes, *, forbidden_dirs: Sequence[Path]) -> None:
    """Write the recovery private key to a new file (mode 0600) with a header saying what it is.

    Raises:
        KeyringError: if ``path`` is inside one of ``forbidden_dirs`` (after resolving symlinks), already
            exists, or cannot be written.
        ValueError: if ``private_key`` is not 32 bytes.
    """
    require_length(private_key, X25519_KEY_BYTES, "recovery private key")
    target = path.resolve()
    for forbidden in forbidden_dirs:
        if target.is_relative_to(forbidden.resolve()):
            raise KeyringError(f"refusing to write the recovery private key inside {forbidden}")
    content = RECOVERY_KEY_HEADER.encode("ascii") + _encode(private_key)
    try:
        created = create_new_file(target, content)
    except OSError as error:
        raise KeyringError(f"cannot write the recovery private key to {path}: {error.strerror}") from None
    if not created:
        raise KeyringError(f"{path} already exists; refusing to overwrite it")


def load_recovery_private_key(path: Path) -> bytes:
    """Read a recovery private key written by :func:`write_recovery_private_key`.

    Permissions are not checked: the file lives on offline media whose filesystem may not keep them.

    Returns:
        the 32-byte private key.

    Raises:
        KeyringError: if the file is missing, or holds anything but comment lines and one base64 key.
    """
    lines = [
        line.strip()
        for line in read_small_file(path, private=False).splitlines()
        if line.strip() and not line.startswith(b"#")
    ]
    if len(lines) != 1:
        raise KeyringError(f"{path} does not hold exactly one key")
    return _decode(lines[0], path)


def replace_recovery_public_key(directory: Path, public_key: bytes) -> None:
    """Put ``public_key`` in the keyring as the recovery public key, atomically (a recovery-key rotation).

    Raises:
        ValueError: if it is not 32 bytes. OSError: if it cannot be written.
    """
    require_length(public_key, X25519_KEY_BYTES, "recovery public key")
    check_private_directory(directory)
    replace_file(directory / RECOVERY_PUBLIC_KEY_FILE, _encode(public_key))


def load_signing_transitions(directory: Path) -> list[SigningTransition]:
    """The chain of signing-key rotations kept in the keyring (empty before the first), checked.

    Raises:
        KeyringError: if the file is malformed, a signature does not hold, or the chain does not end in the
            keyring's signing key (a rotation interrupted: :func:`finish_signing_key_install` ends it).
    """
    path = directory / TRANSITIONS_FILE
    if not path.exists():
        return []
    try:
        transitions = decode_transitions(path.read_bytes())
    except (ValueError, SignatureError) as error:
        raise KeyringError(f"{path}: {error}") from None
    if transitions and transitions[-1].new_public_key != load_keyring(directory).signing_public_key:
        raise KeyringError(
            f"{path} does not end in the keyring's signing key: a rotation was interrupted; run "
            "`longarm keyring rotate-signing` again to finish it"
        )
    return transitions


def install_signing_key(directory: Path, new_seed: bytes, transition: SigningTransition) -> None:
    """Append ``transition`` to the keyring's chain and make ``new_seed`` the signing key.

    The new seed is first kept as ``signing-next.key``, then the chain written, then the seed moved into
    place: after a crash at any step :func:`finish_signing_key_install` completes the change, or there was
    none.

    Raises:
        KeyringError: if the transition does not start from the keyring's signing key. OSError: on a write.
    """
    require_length(new_seed, KEY_BYTES, "signing seed")
    transitions = load_signing_transitions(directory)
    if transition.old_public_key != load_keyring(directory).signing_public_key:
        raise KeyringError("the transition does not start from the keyring's signing key")
    if transition.new_public_key != signing.signing_public_key(new_seed):
        raise KeyringError("the transition does not name the new signing key")
    replace_file(directory / NEXT_SIGNING_KEY_FILE, _encode(new_seed))
    replace_file(directory / TRANSITIONS_FILE, encode_transitions([*transitions, transition]))
    replace_file(directory / SIGNING_KEY_FILE, _encode(new_seed))
    (directory / NEXT_SIGNING_KEY_FILE).unlink()


def finish_signing_key_install(directory: Path) -> bool:
    """Complete a signing-key change a crash interrupted; returns whether there was one to complete.

    A ``signing-next.key`` the chain names as its newest key is moved into place; one it does not name never
    signed anything (the chain was not written) and is deleted.
    """
    next_path = directory / NEXT_SIGNING_KEY_FILE
    if not next_path.exists():
        return False
    seed = _decode(read_small_file(next_path, private=True), next_path)
    path = directory / TRANSITIONS_FILE
    chain = decode_transitions(path.read_bytes()) if path.exists() else []
    named = bool(chain) and chain[-1].new_public_key == signing.signing_public_key(seed)
    if named:
        replace_file(directory / SIGNING_KEY_FILE, _encode(seed))
    next_path.unlink()
    return named

"""The recovery private key split among keyholders: SLIP-39 shares, each locked under its holder's passphrase.

Splitting and combining are SLIP-39 (``shamir-mnemonic``, SatoshiLabs' reference implementation): one group,
``threshold`` of ``count`` member shares, each a mnemonic of 33 words that carries a checksum, the set's
identifier and the threshold, so a mistyped word, a share of another set or too few shares are named.

Each share is then locked under a passphrase its holder chose: Argon2id over the passphrase with a fresh salt,
and XChaCha20-Poly1305 (``envelopes.encrypt``) with the share file's public fields as associated data.
SLIP-39's own passphrase is deliberately left empty: it is one passphrase for the whole set (every holder
would have to know it), and by design a wrong one yields a different secret without any error. Per-holder
passphrases need a lock per share, and a wrong passphrase must be told apart from a wrong share, which an
AEAD does.

A share file is JSON text (printable, and readable back from a printout): format, its number, the threshold
and count, the recovery public key it belongs to (so combining checks the result, and a stray share of another
installation is refused), the Argon2id parameters, salt and the ciphertext.
"""

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import shamir_mnemonic

from longarm.crypto._checks import require_length
from longarm.crypto._secure_files import create_new_file, read_small_file
from longarm.crypto.envelopes import X25519_KEY_BYTES, decrypt, encrypt, keypair_from_private_key
from longarm.crypto.errors import DecryptionError, KeyringError, ShareError
from longarm.crypto.kdf import Argon2Cost, derive_key, new_salt

SHARE_FORMAT = "longarm-recovery-share/1"
MAX_SHARES = 16
MIN_PASSPHRASE_CHARACTERS = 10


@dataclass(frozen=True, repr=False)
class LockedShare:
    """One keyholder's share as it is stored: everything but ``ciphertext`` is public."""

    number: int
    threshold: int
    count: int
    recovery_public_key: bytes
    cost: Argon2Cost
    salt: bytes
    ciphertext: bytes = field(repr=False)

    def __repr__(self) -> str:
        return f"LockedShare({self.number} of {self.count}, {self.threshold} needed)"

    def context(self) -> bytes:
        """The associated data: a share's ciphertext opens only with the fields it was written with."""
        return (
            f"{SHARE_FORMAT} {self.number} {self.threshold} {self.count} "
            f"{self.cost.opslimit} {self.cost.memlimit} "
        ).encode() + self.recovery_public_key

    def encode(self) -> bytes:
        document = {
            "format": SHARE_FORMAT,
            "note": (
                f"Longarm recovery key share {self.number} of {self.count}; {self.threshold} of them "
                "together open every report. Locked under its holder's passphrase. Keep it offline."
            ),
            "share": self.number,
            "threshold": self.threshold,
            "count": self.count,
            "recovery_public_key": _b64(self.recovery_public_key),
            "argon2id": {"opslimit": self.cost.opslimit, "memlimit": self.cost.memlimit},
            "salt": _b64(self.salt),
            "ciphertext": _b64(self.ciphertext),
        }
        return json.dumps(document, indent=2).encode("ascii") + b"\n"

    @staticmethod
    def decode(content: bytes, *, name: str) -> "LockedShare":
        try:
            document = json.loads(content)
            if document.get("format") != SHARE_FORMAT:
                raise ValueError("format")
            share = LockedShare(
                number=int(document["share"]),
                threshold=int(document["threshold"]),
                count=int(document["count"]),
                recovery_public_key=base64.b64decode(document["recovery_public_key"], validate=True),
                cost=Argon2Cost(int(document["argon2id"]["opslimit"]), int(document["argon2id"]["memlimit"])),
                salt=base64.b64decode(document["salt"], validate=True),
                ciphertext=base64.b64decode(document["ciphertext"], validate=True),
            )
            require_length(share.recovery_public_key, X25519_KEY_BYTES, "recovery public key")
        except (ValueError, KeyError, TypeError, AttributeError, binascii.Error):
            raise ShareError(f"{name} is not a Longarm recovery key share") from None
        return share


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def check_share_parameters(threshold: int, count: int) -> None:
    """Raise ``ValueError`` unless ``threshold`` of ``count`` is a split that SLIP-39 and Longarm accept.

    One share alone would be the single file again, so at least two are needed; SLIP-39 allows 16 at most.
    """
    if not 2 <= threshold <= count <= MAX_SHARES:
        raise ValueError(
            f"{threshold}-of-{count}: the shares needed must be at least 2 and at most the number of shares, "
            f"which is at most {MAX_SHARES}"
        )


def parse_share_parameters(text: str) -> tuple[int, int]:
    """``"3-of-5"`` (or ``"3/5"``) as ``(3, 5)``; raises ``ValueError`` for anything else."""
    for separator in ("-of-", "/", "of"):
        if separator in text:
            threshold, _, count = text.partition(separator)
            try:
                parsed = int(threshold.strip()), int(count.strip())
            except ValueError:
                break
            check_share_parameters(*parsed)
            return parsed
    raise ValueError(f"{text!r} is not M-of-N, e.g. 3-of-5")


def check_passphrase(passphrase: str) -> None:
    """Raise ``ValueError`` for a passphrase too short to resist guessing even behind Argon2id."""
    if len(passphrase) < MIN_PASSPHRASE_CHARACTERS:
        raise ValueError(f"a share passphrase needs at least {MIN_PASSPHRASE_CHARACTERS} characters")


def split_recovery_key(
    private_key: bytes, *, threshold: int, count: int, passphrases: Sequence[str], cost: Argon2Cost
) -> list[LockedShare]:
    """Split ``private_key`` into ``count`` SLIP-39 shares, any ``threshold`` of which rebuild it, and lock
    share ``i`` under ``passphrases[i]``.

    Returns:
        the locked shares, numbered from 1, in order.

    Raises:
        ValueError: for a key that is not 32 bytes, bad parameters, or a passphrase too short or missing.
    """
    require_length(private_key, X25519_KEY_BYTES, "recovery private key")
    check_share_parameters(threshold, count)
    if len(passphrases) != count:
        raise ValueError(f"{count} passphrases are needed, one per share; {len(passphrases)} were given")
    for passphrase in passphrases:
        check_passphrase(passphrase)
    public_key = keypair_from_private_key(private_key).public
    (mnemonics,) = shamir_mnemonic.generate_mnemonics(
        group_threshold=1, groups=[(threshold, count)], master_secret=private_key
    )
    shares = []
    for number, (mnemonic, passphrase) in enumerate(zip(mnemonics, passphrases, strict=True), start=1):
        share = LockedShare(
            number=number,
            threshold=threshold,
            count=count,
            recovery_public_key=public_key,
            cost=cost,
            salt=new_salt(),
            ciphertext=b"",
        )
        lock = derive_key(passphrase.encode(), share.salt, cost)
        shares.append(
            LockedShare(
                number=share.number,
                threshold=share.threshold,
                count=share.count,
                recovery_public_key=share.recovery_public_key,
                cost=share.cost,
                salt=share.salt,
                ciphertext=encrypt(lock, mnemonic.encode("ascii"), context=share.context()),
            )
        )
    return shares


def unlock_share(share: LockedShare, passphrase: str, *, name: str) -> str:
    """The share's SLIP-39 mnemonic.

    Raises:
        ShareError: if the passphrase is wrong or the file was altered.
    """
    lock = derive_key(passphrase.encode(), share.salt, share.cost)
    try:
        return decrypt(lock, share.ciphertext, context=share.context()).decode("ascii")
    except (DecryptionError, UnicodeDecodeError):
        raise ShareError(f"{name}: wrong passphrase, or the share file was altered") from None


def combine_recovery_key(unlocked: Sequence[tuple[LockedShare, str]]) -> bytes:
    """Rebuild the recovery private key from unlocked shares (share, mnemonic), in memory.

    Returns:
        the 32-byte private key, checked against the public key the shares name.

    Raises:
        ShareError: if the shares belong to different keys, are too few, repeat one another, or do not
            combine into the private half of the public key they name.
    """
    if not unlocked:
        raise ShareError("no share was given")
    first = unlocked[0][0]
    if any(share.recovery_public_key != first.recovery_public_key for share, _ in unlocked):
        raise ShareError("these shares belong to different recovery keys")
    distinct = {share.number: mnemonic for share, mnemonic in unlocked}
    if len(distinct) < first.threshold:
        raise ShareError(
            f"{first.threshold} different shares of {first.count} are needed to rebuild the recovery key; "
            f"{len(distinct)} {'was' if len(distinct) == 1 else 'were'} given"
        )
    chosen = [distinct[number] for number in sorted(distinct)[: first.threshold]]
    try:
        private_key = bytes(shamir_mnemonic.combine_mnemonics(chosen))
    except (shamir_mnemonic.MnemonicError, ValueError):
        # The library's messages quote words of the shares: never repeated here.
        raise ShareError("the shares do not combine: one is damaged or from another split") from None
    if len(private_key) != X25519_KEY_BYTES or (
        keypair_from_private_key(private_key).public != first.recovery_public_key
    ):
        raise ShareError("the shares combine into a key that is not the recovery key they name")
    return private_key


def write_share_file(path: Path, share: LockedShare) -> None:
    """Write a share to a new file (mode 0600); never replace one.

    Raises:
        KeyringError: if ``path`` exists or cannot be written.
    """
    try:
        created = create_new_file(path, share.encode())
    except OSError as error:
        raise KeyringError(f"cannot write the share to {path}: {error.strerror}") from None
    if not created:
        raise KeyringError(f"{path} already exists; refusing to overwrite it")


def read_share_file(path: Path) -> LockedShare:
    """Read a share file (permissions unchecked: it lives on a keyholder's own media).

    Raises:
        KeyringError: if it is missing or too large. ShareError: if it is not a share file.
    """
    return LockedShare.decode(read_small_file(path, private=False), name=str(path))

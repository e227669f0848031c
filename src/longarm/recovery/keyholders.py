"""The recovery private key at the command line: read from the single offline file, or combined in memory
from keyholders' shares, for one operation; and new shares written out, one file per keyholder.

Every command that needs the recovery key (``linking reindex``, ``backup verify``/``restore``, ``keyring
import``, ``evidence seal-records``, ``recovery rotate``) takes ``--recovery-key FILE`` or
``--recovery-shares FILE FILE …`` through :func:`add_recovery_key_arguments`. Passphrases are asked for on
the terminal, without echo; for automation and tests ``--share-passphrases FILE`` gives one per line (a file
only its owner can read). The combined key exists only in this process's memory and is never written.
"""

import getpass
from argparse import ArgumentParser
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings

from longarm.crypto._secure_files import read_small_file
from longarm.crypto.errors import KeyringError, ShareError
from longarm.crypto.kdf import Argon2Cost
from longarm.crypto.keyring import load_recovery_private_key
from longarm.crypto.recovery_shares import (
    LockedShare,
    check_passphrase,
    combine_recovery_key,
    read_share_file,
    split_recovery_key,
    unlock_share,
    write_share_file,
)

Prompt = Callable[[str], str]


def add_recovery_key_arguments(parser: ArgumentParser, *, required: bool, prefix: str = "") -> None:
    """``--recovery-key FILE`` or ``--recovery-shares FILE …``, and ``--share-passphrases FILE``."""
    group = parser.add_mutually_exclusive_group(required=required)
    group.add_argument(
        f"--{prefix}recovery-key", type=Path, metavar="FILE", help="The offline recovery private key file."
    )
    group.add_argument(
        f"--{prefix}recovery-shares",
        type=Path,
        nargs="+",
        metavar="SHARE",
        help="Keyholders' share files, as many as the split needs; combined in memory, never written.",
    )
    parser.add_argument(
        f"--{prefix}share-passphrases",
        type=Path,
        metavar="FILE",
        help="One passphrase per line for the shares, in the order given (default: asked for each).",
    )


def _passphrases_from_file(path: Path) -> list[str]:
    return read_small_file(path, private=True).decode("utf-8").split("\n")


def recovery_key_from_options(
    options: dict[str, Any], *, prefix: str = "", prompt: Prompt = getpass.getpass
) -> bytes | None:
    """The recovery private key the options name, or None when they name none.

    Raises:
        KeyringError: for a key or share file that cannot be read. ShareError: for shares that do not open
            (wrong passphrase) or combine (too few, mismatched).
    """
    option = prefix.replace("-", "_")
    if options.get(f"{option}recovery_key"):
        return load_recovery_private_key(options[f"{option}recovery_key"])
    paths: list[Path] | None = options.get(f"{option}recovery_shares")
    if not paths:
        return None
    shares = [read_share_file(path) for path in paths]
    passphrase_file: Path | None = options.get(f"{option}share_passphrases")
    given = _passphrases_from_file(passphrase_file) if passphrase_file else None
    if given is not None and len(given) < len(paths):
        raise ShareError(f"--share-passphrases holds fewer lines than the {len(paths)} shares given")
    unlocked = []
    for index, (path, share) in enumerate(zip(paths, shares, strict=True)):
        passphrase = (
            given[index]
            if given is not None
            else prompt(f"Passphrase of share {share.number} of {share.count} ({path.name}): ")
        )
        unlocked.append((share, unlock_share(share, passphrase, name=str(path))))
    return combine_recovery_key(unlocked)


def new_passphrases(
    count: int, *, passphrase_file: Path | None, prompt: Prompt = getpass.getpass
) -> list[str]:
    """One passphrase per keyholder: from the file's first ``count`` lines, or asked twice each.

    Raises:
        ValueError: for a file with too few lines, a passphrase too short, or two entries that differ.
    """
    if passphrase_file is not None:
        lines = _passphrases_from_file(passphrase_file)
        if len(lines) < count or any(not line for line in lines[:count]):
            raise ValueError(f"the passphrase file must hold {count} passphrases, one per line")
        for line in lines[:count]:
            check_passphrase(line)
        return lines[:count]
    passphrases = []
    for number in range(1, count + 1):
        passphrase = prompt(f"Keyholder {number} of {count}, choose a passphrase for your share: ")
        check_passphrase(passphrase)
        if prompt(f"Keyholder {number} of {count}, the same passphrase again: ") != passphrase:
            raise ValueError(f"the two passphrases of keyholder {number} differ; nothing was written")
        passphrases.append(passphrase)
    return passphrases


def share_cost() -> Argon2Cost:
    opslimit, memlimit = settings.LONGARM_SHARE_ARGON2
    return Argon2Cost(opslimit=opslimit, memlimit=memlimit)


def share_paths(directory: Path, count: int, *, today: date) -> list[Path]:
    """Where each keyholder's share goes: numbered, dated files in ``directory``."""
    return [
        directory / f"longarm-recovery-share-{today:%Y%m%d}-{n}-of-{count}.json" for n in range(1, count + 1)
    ]


def check_share_destination(paths: Sequence[Path], forbidden_dirs: Sequence[Path]) -> None:
    """Refuse, before any key is made or split, a destination the shares could not be written to.

    Raises:
        KeyringError: naming the problem.
    """
    for path in paths:
        target = path.resolve()
        for forbidden in forbidden_dirs:
            if target.is_relative_to(Path(forbidden).resolve()):
                raise KeyringError(f"refusing to write recovery key shares inside {forbidden}")
        if target.exists():
            raise KeyringError(f"{path} already exists; refusing to overwrite it")
        if not target.parent.is_dir():
            raise KeyringError(f"the directory {target.parent} does not exist; create it first")


def write_shares(
    private_key: bytes, *, threshold: int, paths: Sequence[Path], passphrases: Sequence[str]
) -> list[LockedShare]:
    """Split ``private_key`` and write one locked share per path; returns the shares written.

    Raises:
        KeyringError: if a file cannot be written (those written before stay; the caller says which).
    """
    shares = lock_shares(private_key, threshold=threshold, passphrases=passphrases)
    for path, share in zip(paths, shares, strict=True):
        write_share_file(path, share)
    return shares


def lock_shares(private_key: bytes, *, threshold: int, passphrases: Sequence[str]) -> list[LockedShare]:
    """Split ``private_key`` into one share per passphrase, each locked under it, at the configured cost."""
    return split_recovery_key(
        private_key, threshold=threshold, count=len(passphrases), passphrases=passphrases, cost=share_cost()
    )


def printed_share(share: LockedShare) -> str:
    """A share as printed for its keyholder: a line saying whose it is, then the file's text, which typed or
    scanned back into a file is read like any share file."""
    return (
        f"----- Longarm recovery key share {share.number} of {share.count}: "
        f"for keyholder {share.number} only -----\n" + share.encode().decode("ascii")
    )

"""`longarm recovery split | combine | rotate`: the recovery key ceremonies (README, Operations: the key
ceremony).

- `split M-of-N --recovery-key FILE [--out DIR]`: an installation holding its recovery key in one file
  hands it to N keyholders as SLIP-39 shares, each under its holder's passphrase; then the file is destroyed.
- `combine --recovery-shares SHARE…`: the drill. The shares are combined in memory, checked against the
  keyring and against a key sealed to it, and forgotten. Operations that need the key take the shares
  themselves (`--recovery-shares` on `linking reindex`, `backup verify`/`restore`, `keyring import`,
  `recovery rotate`), so the combined key never leaves the process that uses it.
- `rotate (--recovery-key FILE | --recovery-shares SHARE…) (--new-shares M-of-N | --new-key-out FILE)`: a new
  key pair, written out first; then every key sealed to the old public key sealed again to the new one.
  Interrupted, the same command resumes it; run after it has finished, it seals anew what the old key still
  opens.
"""

import getpass
from argparse import ArgumentParser, ArgumentTypeError
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from longarm.core.keyring import current_keyring
from longarm.crypto.envelopes import keypair_from_private_key, new_keypair, unseal
from longarm.crypto.errors import DecryptionError, KeyringError, ShareError
from longarm.crypto.keyring import write_recovery_private_key
from longarm.crypto.recovery_shares import parse_share_parameters
from longarm.operations.oserror import os_error_line
from longarm.recovery.exceptions import RotationInProgress
from longarm.recovery.keyholders import (
    add_recovery_key_arguments,
    check_share_destination,
    new_passphrases,
    recovery_key_from_options,
    share_paths,
    write_shares,
)
from longarm.recovery.models import RecoveryRotation
from longarm.recovery.services import (
    RotationProgress,
    fingerprint,
    recovery_rotation_begin,
    recovery_rotation_run,
    recovery_rotation_sweep,
    recovery_seal_count,
    recovery_seals,
    unfinished_rotation,
)


def _share_parameters(text: str) -> tuple[int, int]:
    try:
        return parse_share_parameters(text)
    except ValueError as error:
        raise ArgumentTypeError(str(error)) from error


def _forbidden() -> list[Path]:
    return [Path(settings.KEYS_DIR), Path(settings.DATA_DIR), Path(settings.STORAGE_DIR)]


class Command(BaseCommand):
    help = "Split the recovery key among keyholders, check their shares, or rotate the recovery key."
    requires_system_checks = ()

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        split = actions.add_parser("split", help="Split a recovery key file into keyholders' shares.")
        split.add_argument("shares", metavar="M-of-N", type=_share_parameters)
        split.add_argument("--recovery-key", type=Path, required=True, metavar="FILE")
        split.add_argument("--out", type=Path, help="The directory the share files go to (default: here).")
        split.add_argument(
            "--new-share-passphrases",
            type=Path,
            metavar="FILE",
            help="Keyholders' passphrases, one per line.",
        )
        combine = actions.add_parser("combine", help="Check that shares rebuild this installation's key.")
        add_recovery_key_arguments(combine, required=True)
        rotate = actions.add_parser("rotate", help="Replace the recovery key pair and reseal every key.")
        add_recovery_key_arguments(rotate, required=True)
        new = rotate.add_mutually_exclusive_group()
        new.add_argument("--new-shares", metavar="M-of-N", type=_share_parameters)
        new.add_argument("--new-key-out", type=Path, metavar="FILE", help="Write the new key to one file.")
        rotate.add_argument("--out", type=Path, help="With --new-shares: the directory the shares go to.")
        rotate.add_argument(
            "--new-share-passphrases",
            type=Path,
            metavar="FILE",
            help="Keyholders' passphrases, one per line.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except (KeyringError, ShareError, ValueError, RotationInProgress) as error:
            raise CommandError(str(error)) from error
        except OSError as error:
            raise CommandError(os_error_line(error)) from error

    def _write_new_shares(self, private_key: bytes, split: tuple[int, int], options: dict[str, Any]) -> None:
        directory = (options["out"] or Path.cwd()).resolve()
        paths = share_paths(directory, split[1], today=timezone.now().date())
        check_share_destination(paths, _forbidden())
        passphrases = new_passphrases(
            split[1], passphrase_file=options["new_share_passphrases"], prompt=getpass.getpass
        )
        write_shares(private_key, threshold=split[0], paths=paths, passphrases=passphrases)
        self.stdout.write(
            f"{split[1]} shares written, any {split[0]} of which rebuild the recovery key "
            f"{fingerprint(keypair_from_private_key(private_key).public)}:"
        )
        for path in paths:
            self.stdout.write(f"  {path}")
        self.stdout.write(
            "Give each to its keyholder, to keep offline apart from the others; delete them here."
        )

    def _split(self, options: dict[str, Any]) -> None:
        private_key = recovery_key_from_options(options)
        if private_key is None or keypair_from_private_key(private_key).public != (
            current_keyring().recovery_public_key
        ):
            raise KeyringError("this is not the recovery private key of this installation")
        self._write_new_shares(private_key, options["shares"], options)
        self.stdout.write(
            self.style.WARNING(
                f"Check the shares with `longarm recovery combine`, then DESTROY {options['recovery_key']} "
                "and every copy of it: while it exists, one person can still open every report."
            )
        )

    def _combine(self, options: dict[str, Any]) -> None:
        private_key = recovery_key_from_options(options)
        if private_key is None:
            raise KeyringError("no recovery key was given")
        public = keypair_from_private_key(private_key).public
        if public != current_keyring().recovery_public_key:
            raise KeyringError(
                f"the shares rebuild the recovery key {fingerprint(public)}, not this installation's "
                f"({fingerprint(current_keyring().recovery_public_key)})"
            )
        self.stdout.write(f"The recovery key {fingerprint(public)} is whole again, in memory only.")
        sealed = recovery_seals("report").order_by("-pk").first()
        if sealed is None:
            self.stdout.write("Nothing is sealed to it yet.")
            return
        try:
            unseal(private_key, bytes(sealed.sealed))
        except DecryptionError as error:
            raise KeyringError("it does not open the newest report key sealed to it") from error
        self.stdout.write(
            f"It opens the newest of the {recovery_seal_count()} keys sealed to it. Forgotten now."
        )

    def _rotate(self, options: dict[str, Any]) -> None:
        old_private_key = recovery_key_from_options(options)
        if old_private_key is None:
            raise KeyringError("no recovery key was given")
        rotation = unfinished_rotation()
        if rotation is None:
            current = current_keyring().recovery_public_key
            if keypair_from_private_key(old_private_key).public != current:
                self._sweep(old_private_key)
                return
            rotation = self._begin(old_private_key, options)
        else:
            self.stdout.write(f"Resuming the rotation begun {rotation.started_at:%Y-%m-%d %H:%M} UTC.")

        def report(step: RotationProgress) -> None:
            if options["verbosity"] > 1:
                self.stdout.write(f"{step.stage}: {step.resealed} resealed")

        rotation = recovery_rotation_run(rotation=rotation, old_private_key=old_private_key, progress=report)
        self.stdout.write(
            f"Rotation finished: {rotation.resealed} keys sealed to the new recovery key "
            f"{fingerprint(bytes(rotation.new_public_key))}; the old seals are overwritten."
        )
        self.stdout.write(
            "Now: take a new backup and a new keyring export (older ones open only with the OLD key); keep "
            "the old key's shares sealed for as long as you keep backups made before today, then destroy "
            "them; run this command again with the old key tomorrow to seal anything a long task sealed to "
            "it since."
        )

    def _begin(self, old_private_key: bytes, options: dict[str, Any]) -> RecoveryRotation:
        new = new_keypair()
        if options["new_shares"] is not None:
            self._write_new_shares(new.private, options["new_shares"], options)
        elif options["new_key_out"] is not None:
            write_recovery_private_key(
                options["new_key_out"].resolve(), new.private, forbidden_dirs=_forbidden()
            )
            self.stdout.write(f"New recovery key written to {options['new_key_out']}: move it offline now.")
        else:
            raise ValueError(
                "name where the new recovery key goes: --new-shares M-of-N or --new-key-out FILE"
            )
        return recovery_rotation_begin(old_private_key=old_private_key, new_public_key=new.public)

    def _sweep(self, old_private_key: bytes) -> None:
        resealed = recovery_rotation_sweep(old_private_key=old_private_key)
        self.stdout.write(
            f"This key was rotated out; {resealed} keys it still opened are now sealed to the current one."
        )

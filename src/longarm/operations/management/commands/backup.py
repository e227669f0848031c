"""`longarm backup create DEST`, `longarm backup verify FILE --public-key KEY [--recovery-key PATH]`,
`longarm backup restore FILE --recovery-key PATH` (README, Operations: backups). Wherever the recovery key is
taken, `--recovery-shares SHARE…` combines keyholders' shares in memory instead."""

import json
import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from longarm.backup.container import ContainerError
from longarm.backup.services import Summary, backup_create, backup_restore, backup_verify
from longarm.core.keyring import current_keyring
from longarm.crypto.errors import KeyringError, ShareError, SignatureError
from longarm.crypto.signing_transitions import decode_transitions
from longarm.evidence.verify import encode_public_key, parse_public_key
from longarm.operations.oserror import os_error_line
from longarm.recovery.keyholders import add_recovery_key_arguments, recovery_key_from_options


def _describe(summary: Summary) -> str:
    counts = ", ".join(f"{value} {name.replace('_', ' ')}" for name, value in sorted(summary.counts.items()))
    return f"{len(summary.parts)} parts ({summary.database} database, made {summary.created}): {counts}"


class Command(BaseCommand):
    help = "Back up the database and the encrypted evidence into one file; verify or restore one."
    requires_system_checks = ()

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Write a new backup file.")
        create.add_argument("destination", type=Path)
        create.add_argument("--json", action="store_true", help="Print the figures as JSON.")
        verify = actions.add_parser("verify", help="Check a backup offline.")
        verify.add_argument("file", type=Path)
        verify.add_argument(
            "--public-key", required=True, help="The signing public key (base64, hex or file)."
        )
        verify.add_argument(
            "--transitions",
            type=Path,
            help="The signing-key rotations (signing-transitions.json): a backup by an earlier key verifies.",
        )
        # Given the recovery key (a file, or keyholders' shares), every part is decrypted and checked too.
        add_recovery_key_arguments(verify, required=False)
        restore = actions.add_parser("restore", help="Restore into this empty deployment.")
        restore.add_argument("file", type=Path)
        add_recovery_key_arguments(restore, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except (ContainerError, KeyringError, ShareError, SignatureError, ValueError) as error:
            raise CommandError(str(error)) from error
        except OSError as error:  # a file named on the command line: missing, unreadable, a full disk
            raise CommandError(os_error_line(error)) from error

    def _create(self, options: dict[str, Any]) -> None:
        started = time.monotonic()
        summary = backup_create(options["destination"])
        seconds = time.monotonic() - started
        size = options["destination"].stat().st_size
        if options["json"]:
            self.stdout.write(json.dumps({"seconds": round(seconds, 2), "bytes": size, **summary.counts}))
            return
        self.stdout.write(
            f"Backup written to {options['destination']} in {seconds:.1f} s, {size} bytes: "
            f"{_describe(summary)}"
        )
        self.stdout.write(
            "It is encrypted to the recovery public key; keep the keyring export "
            "(`longarm keyring export`) apart."
        )
        self.stdout.write(
            f"Signed with {encode_public_key(current_keyring().signing_public_key)}: check it with "
            "`longarm backup verify FILE --public-key` and this key (keep a copy with the recovery key)."
        )

    def _verify(self, options: dict[str, Any]) -> None:
        public_key = parse_public_key(options["public_key"])
        transitions = (
            decode_transitions(options["transitions"].read_bytes()) if options["transitions"] else []
        )
        recovery = recovery_key_from_options(options)
        summary = backup_verify(
            options["file"], public_key=public_key, recovery_private_key=recovery, transitions=transitions
        )
        if summary is None:
            self.stdout.write("The signature is valid: the file is whole and was made by this key.")
            self.stdout.write("Give --recovery-key or --recovery-shares to check every part inside as well.")
        else:
            self.stdout.write(f"Valid: signature, and every part matches its manifest: {_describe(summary)}")

    def _restore(self, options: dict[str, Any]) -> None:
        started = time.monotonic()
        recovery = recovery_key_from_options(options)
        if recovery is None:
            raise KeyringError("restoring needs the recovery key")
        summary = backup_restore(options["file"], recovery_private_key=recovery)
        self.stdout.write(f"Restored in {time.monotonic() - started:.1f} s: {_describe(summary)}")
        self.stdout.write(
            "Run `longarm migrate` if this release is newer than the backup, then `longarm audit verify`."
        )

"""`longarm evidence verify PACKAGE.zip [--public-key KEY]`, `longarm evidence requeue`,
`longarm evidence sweep [--grace-hours N]` and `longarm evidence seal-records --recovery-key PATH` (or
`--recovery-shares SHARE…`, keyholders' shares combined in memory)."""

from argparse import ArgumentParser
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from longarm.crypto.errors import KeyringError, ShareError
from longarm.evidence.verify import run
from longarm.recovery.keyholders import add_recovery_key_arguments, recovery_key_from_options


class Command(BaseCommand):
    help = "Verify an evidence package offline, or queue unfinished evidence processing again."

    def add_arguments(self, parser: ArgumentParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        verify = commands.add_parser("verify", help="Check a package's signature and every file in it.")
        verify.add_argument("package", type=Path)
        verify.add_argument(
            "--public-key",
            help="The organisation's published Ed25519 key (base64, hex, or a file holding it). Without it "
            "the package never verifies: a key named inside the package proves nothing.",
        )
        verify.add_argument(
            "--transitions",
            type=Path,
            help="The organisation's signing-key rotations (signing-transitions.json), for a package signed "
            "by another key of that chain.",
        )
        commands.add_parser("requeue", help="Queue every item whose processing never finished.")
        sweep = commands.add_parser(
            "sweep",
            help="Delete expired files kept for questionnaires, and stored blobs no evidence refers to.",
        )
        sweep.add_argument(
            "--grace-hours",
            type=float,
            default=24.0,
            help="Leave blobs younger than this alone: an upload or processing may still be writing them.",
        )
        seal = commands.add_parser(
            "seal-records",
            help="Move the clear hashes, sizes and types of evidence stored before this release into their "
            "encrypted records (between migrations evidence 0003 and 0004).",
        )
        add_recovery_key_arguments(seal, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "requeue":
            from longarm.evidence.services import evidence_requeue_unfinished

            self.stdout.write(f"queued {evidence_requeue_unfinished()} item(s)")
            return
        if options["action"] == "sweep":
            from longarm.evidence.services import evidence_requeue_unfinished, evidence_sweep

            if options["grace_hours"] < 1:
                raise CommandError("--grace-hours must be at least 1")
            swept = evidence_sweep(grace=timedelta(hours=options["grace_hours"]))
            # A worker that died mid-item holds one of its report's places in the queue until requeued.
            requeued = evidence_requeue_unfinished()
            self.stdout.write(
                f"deleted {swept.expired_pending} expired pending file(s), {swept.orphans} orphaned blob(s); "
                f"queued {requeued} unfinished item(s) again"
            )
            return
        if options["action"] == "seal-records":
            self._seal_records(options)
            return
        self._verify(options["package"], options["public_key"], options["transitions"])

    def _seal_records(self, options: dict[str, Any]) -> None:
        from longarm.evidence.legacy import NotBetweenSteps, evidence_seal_legacy_records

        try:
            private_key = recovery_key_from_options(options)
            if private_key is None:
                raise KeyringError("sealing the records needs the recovery key")
            sealed = evidence_seal_legacy_records(recovery_private_key=private_key)
        except (KeyringError, ShareError, NotBetweenSteps) as error:
            raise CommandError(str(error)) from error
        if sealed is None:
            self.stdout.write("nothing to do: the clear columns are gone already")
            return
        self.stdout.write(
            f"sealed {sealed.items} item record(s), {sealed.blobs} file record(s), "
            f"{sealed.custody_events} custody hash(es), {sealed.packages} manifest hash(es); "
            f"{sealed.hashes_dropped} custody hash(es) of files no longer stored dropped. "
            "Now run `longarm migrate`."
        )

    def _verify(self, package: Path, public_key_text: str | None, transitions: Path | None) -> None:
        # The same code as `longarm evidence verify`, which runs it without Django (longarm.evidence.verify).
        arguments = [
            str(package),
            *(["--public-key", public_key_text] if public_key_text else []),
            *(["--transitions", str(transitions)] if transitions else []),
        ]
        if run(arguments, self.stdout) != 0:
            raise CommandError("the package does NOT verify")

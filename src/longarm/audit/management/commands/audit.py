"""`longarm audit verify` and `longarm audit checkpoint`.

`verify` walks the whole chain and every signed checkpoint, and exits non-zero naming the first event that
was deleted, altered or reordered, or the checkpoint that was forged or is contradicted. `checkpoint` signs
the chain as it stands (run it daily, e.g. from cron, besides the automatic ones every N events).
"""

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from longarm.audit.selectors import audit_chain_verify
from longarm.audit.services import audit_checkpoint_create
from longarm.core.keyring import current_keyring


class Command(BaseCommand):
    help = "Verify the audit chain and its signed checkpoints, or take a signed checkpoint."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("verify", help="Check every event and checkpoint; exit 1 on the first break.")
        actions.add_parser("checkpoint", help="Sign the chain as it stands now.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "checkpoint":
            checkpoint = audit_checkpoint_create()
            if checkpoint is None:
                self.stdout.write("No new events since the last checkpoint.")
            else:
                self.stdout.write(
                    f"Checkpoint {checkpoint.pk}: {checkpoint.event_count} events, "
                    f"up to event {checkpoint.last_event_id}."
                )
            return
        started = time.perf_counter()
        result = audit_chain_verify(signing_public_key=current_keyring().signing_public_key)
        seconds = time.perf_counter() - started
        if not result.intact:
            raise CommandError(f"The audit chain is broken: {result.problem}")
        self.stdout.write(
            f"The audit chain is intact: {result.events_checked} events and "
            f"{result.checkpoints_checked} signed checkpoints verified in {seconds:.1f} s."
        )

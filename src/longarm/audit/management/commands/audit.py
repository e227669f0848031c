"""`longarm audit verify`, `longarm audit checkpoint` and `longarm audit flush`.

`verify` walks the whole chain and every signed checkpoint, and exits non-zero naming the first event that
was deleted, altered or reordered, or the checkpoint that was forged or is contradicted. `checkpoint` writes
the counts of anonymous attempts from closed windows (see ``audit.tally``) and signs the chain as it stands
(run it daily, e.g. from cron, besides the automatic ones every N events). `flush` writes every count now,
the window still open included.
"""

import time
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from longarm.audit.selectors import audit_chain_verify
from longarm.audit.services import audit_checkpoint_create
from longarm.audit.tally import audit_tally_flush
from longarm.core.keyring import current_keyring
from longarm.crypto.keyring import load_signing_transitions


class Command(BaseCommand):
    help = "Verify the audit chain and its signed checkpoints, or take a signed checkpoint."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("verify", help="Check every event and checkpoint; exit 1 on the first break.")
        actions.add_parser(
            "checkpoint", help="Write the counts of closed windows, then sign the chain as it stands now."
        )
        actions.add_parser(
            "flush", help="Write the counts of anonymous attempts now, the open window included."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "flush":
            written = audit_tally_flush(include_open=True)
            self.stdout.write(f"{written} tally events written.")
            return
        if options["action"] == "checkpoint":
            audit_tally_flush()
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
        result = audit_chain_verify(
            signing_public_key=current_keyring().signing_public_key,
            transitions=load_signing_transitions(settings.KEYS_DIR),
        )
        seconds = time.perf_counter() - started
        if not result.intact:
            raise CommandError(f"The audit chain is broken: {result.problem}")
        self.stdout.write(
            f"The audit chain is intact: {result.events_checked} events and "
            f"{result.checkpoints_checked} signed checkpoints verified in {seconds:.1f} s."
        )
        if result.rotations_checked:
            self.stdout.write(
                f"{result.rotations_checked} signing-key rotation(s) recorded: checkpoints before each are "
                "checked against the key it retired, and the point of the chain it pinned holds."
            )

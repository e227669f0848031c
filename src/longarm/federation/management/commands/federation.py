"""`longarm federation run PARTNER`: a private set intersection with a partner deployment, from our side.
`longarm federation partners`: the partnerships and their terms.
`longarm federation offer --recovery-key PATH`: offer the identifiers added before federated linking existed.

Both print counts and names of partners, never an identifier.
"""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from longarm.crypto.errors import KeyringError, ShareError
from longarm.federation.backfill import offered_keys_backfill
from longarm.federation.client import federation_run
from longarm.federation.exceptions import PartnerUnreachable, RunRefused
from longarm.federation.models import Partnership
from longarm.recovery.keyholders import add_recovery_key_arguments, recovery_key_from_options


class Command(BaseCommand):
    help = "Federated linking: run a private set intersection with a partner, or list the partners."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        run = actions.add_parser("run", help="Find the identifiers held in common with PARTNER.")
        run.add_argument("partner", help="The partner's name as the partnership gives it.")
        actions.add_parser("partners", help="List the partnerships.")
        offer = actions.add_parser(
            "offer", help="Offer to partners the identifiers added before federated linking existed."
        )
        add_recovery_key_arguments(offer, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "partners":
            for listed in Partnership.objects.all():
                state = "active" if listed.active else "inactive"
                self.stdout.write(
                    f"{listed.name}\t{state}\t{listed.mode}\t{','.join(listed.kinds)}\t{listed.endpoint}"
                )
            return
        if options["action"] == "offer":
            try:
                private_key = recovery_key_from_options(options)
                if private_key is None:
                    raise KeyringError("offering needs the recovery key")
                read = offered_keys_backfill(recovery_private_key=private_key, progress=self.stdout.write)
            except (KeyringError, ShareError) as error:
                raise CommandError(str(error)) from error
            self.stdout.write(f"{read} identifiers read.")
            return
        partnership = Partnership.objects.filter(name=options["partner"]).first()
        if partnership is None:
            raise CommandError(f"no partnership named {options['partner']!r}")
        try:
            result = federation_run(partnership=partnership, actor=None)
        except RunRefused as error:
            raise CommandError(f"the run was refused: {error.code}") from error
        except PartnerUnreachable as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Run with {partnership.name}: {result.figures.ours} identifiers offered, "
            f"{result.figures.common} in common ({partnership.mode}); "
            f"{result.exchange.sent_bytes} bytes sent, {result.exchange.received_bytes} received."
        )

"""`longarm linking reindex --recovery-key PATH`: rotate the linking key and rebuild every blind index.
`longarm linking recluster`: recompute every cluster of linked cases.

The recovery private key is read from offline media for the run and never written anywhere; identifiers
are decrypted in memory only. Both print counts, never values.
"""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from longarm.crypto.errors import KeyringError, ShareError
from longarm.linking.clusters import recluster_all
from longarm.linking.reindex import linking_reindex
from longarm.recovery.keyholders import add_recovery_key_arguments, recovery_key_from_options


class Command(BaseCommand):
    help = "Linking: rotate the linking key and rebuild the blind indexes, or recompute the clusters."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        reindex = actions.add_parser("reindex", help="Rotate the linking key and rebuild every blind index.")
        add_recovery_key_arguments(reindex, required=True)
        actions.add_parser("recluster", help="Recompute every cluster of linked cases.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "recluster":
            counts = recluster_all()
            self.stdout.write(f"{counts['clusters']} clusters of {counts['clustered_cases']} cases.")
            return
        try:
            private_key = recovery_key_from_options(options)
            if private_key is None:
                raise KeyringError("reindexing needs the recovery key")
            result = linking_reindex(recovery_private_key=private_key, progress=self.stdout.write)
        except (KeyringError, ShareError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Linking key version {result.version}: {result.identifiers} identifiers, {result.keys} keys; "
            f"{result.typed} identifiers typed by reporters, {result.typed_keys} keys."
        )

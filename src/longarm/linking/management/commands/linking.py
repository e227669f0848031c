"""`longarm linking reindex --recovery-key PATH`: rotate the linking key and rebuild every blind index.
`longarm linking recluster`: recompute every cluster of linked cases.

The recovery private key is read from offline media for the run and never written anywhere; identifiers
are decrypted in memory only. Both print counts, never values.
"""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from longarm.crypto.errors import KeyringError
from longarm.crypto.keyring import load_recovery_private_key
from longarm.linking.clusters import recluster_all
from longarm.linking.reindex import linking_reindex


class Command(BaseCommand):
    help = "Linking: rotate the linking key and rebuild the blind indexes, or recompute the clusters."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        reindex = actions.add_parser("reindex", help="Rotate the linking key and rebuild every blind index.")
        reindex.add_argument(
            "--recovery-key", type=Path, required=True, help="The offline recovery private key file."
        )
        actions.add_parser("recluster", help="Recompute every cluster of linked cases.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "recluster":
            counts = recluster_all()
            self.stdout.write(f"{counts['clusters']} clusters of {counts['clustered_cases']} cases.")
            return
        try:
            private_key = load_recovery_private_key(options["recovery_key"])
            result = linking_reindex(recovery_private_key=private_key, progress=self.stdout.write)
        except KeyringError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Linking key version {result.version}: {result.identifiers} identifiers, {result.keys} keys; "
            f"{result.typed} identifiers typed by reporters, {result.typed_keys} keys."
        )

"""`longarm federation run PARTNER`: a private set intersection with a partner deployment, from our side.
`longarm federation partners`: the partnerships and their terms.
`longarm federation offer --recovery-key PATH`: offer the identifiers added before federated linking existed.
`longarm federation key create`: create the federation key (`longarm init` does too); never made on first use.
`longarm federation key rotate`: replace it, re-encrypting everything stored under it.

Both print counts and names of partners, never an identifier.
"""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from longarm.crypto.errors import DecryptionError, KeyringError, ShareError
from longarm.crypto.federation import FEDERATION_KEY_FILE, create_federation_key, load_federation_key
from longarm.federation.backfill import offered_keys_backfill
from longarm.federation.client import federation_run
from longarm.federation.exceptions import PartnerUnreachable, RunRefused
from longarm.federation.models import Partnership
from longarm.federation.refusals import refusal_text
from longarm.federation.rotation import federation_key_rotate, key_id
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
        key = actions.add_parser("key", help="Create or rotate the federation key (federation.key).")
        key_actions = key.add_subparsers(dest="key_action", required=True)
        key_actions.add_parser("create", help="Create federation.key in the keyring; refused if it exists.")
        key_actions.add_parser(
            "rotate", help="Replace federation.key and re-encrypt everything stored under it."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "key":
            self._key(options["key_action"])
            return
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
            raise CommandError(f"the run was refused ({error.code}): {refusal_text(error.code)}") from error
        except PartnerUnreachable as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Run with {partnership.name}: {result.figures.ours} identifiers offered, "
            f"{result.figures.common} in common ({partnership.mode}); "
            f"{result.exchange.sent_bytes} bytes sent, {result.exchange.received_bytes} received."
        )

    def _key(self, action: str) -> None:
        directory = Path(settings.KEYS_DIR)
        path = directory / FEDERATION_KEY_FILE
        try:
            if action == "create":
                if not create_federation_key(directory):
                    raise CommandError(
                        f"{path} exists already: it is never replaced by a new one (what is stored under it "
                        "would be lost). To change it, use `longarm federation key rotate`."
                    )
                self.stdout.write(f"Created key {path} (key id {key_id(load_federation_key(directory))}).")
                self.stdout.write(
                    "Offer the identifiers cases already hold with `longarm federation offer --recovery-key "
                    "PATH`, and take a new keyring export (`longarm keyring export`)."
                )
                return
            result = federation_key_rotate(progress=self.stdout.write)
        except DecryptionError as error:
            raise CommandError(
                f"a row is under neither the old nor the new federation key ({error}); nothing was lost: the "
                "staged key is kept, and running the command again resumes"
            ) from error
        except KeyringError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Federation key rotated: key id {result.old_key_id} replaced by {result.new_key_id}; "
            f"{result.rows} rows re-encrypted. The old key is deleted."
        )
        self.stdout.write(
            "Partners need not be told: this key is never sent to them. The key partners pin is the signing "
            "key (`longarm keyring rotate-signing` prints what to send them). Take a new keyring export now "
            "(`longarm keyring export`): an older export holds the old key, which no longer reads anything."
        )

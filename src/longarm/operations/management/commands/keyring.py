"""`longarm keyring export DEST`, `longarm keyring import FILE --recovery-key PATH --public-key KEY` (or
`--recovery-shares SHARE…`), `longarm keyring rotate-signing` and `longarm keyring public-key`: the key that
checks backups, keyring exports and evidence packages, printed on the server so that an administrator
without a browser (or before any staff account exists) can note it."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from longarm.backup.container import ContainerError
from longarm.backup.services import keyring_export, keyring_import
from longarm.core.keyring import current_keyring
from longarm.crypto.errors import KeyringError, ShareError, SignatureError
from longarm.crypto.signing_transitions import TRANSITIONS_FILE, decode_transitions
from longarm.evidence.verify import encode_public_key, parse_public_key
from longarm.operations.oserror import os_error_line
from longarm.recovery.keyholders import add_recovery_key_arguments, recovery_key_from_options
from longarm.recovery.signing import signing_key_rotate


class Command(BaseCommand):
    help = "Export the keyring encrypted to the recovery public key, or import such an export."
    requires_system_checks = ()

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        export = actions.add_parser("export", help="Write the keyring, encrypted and signed, to a new file.")
        export.add_argument("destination", type=Path)
        imported = actions.add_parser(
            "import", help="Write an exported keyring into the empty keyring directory."
        )
        imported.add_argument("file", type=Path)
        imported.add_argument(
            "--transitions",
            type=Path,
            help="The signing-key rotations (signing-transitions.json), for an export by an earlier key.",
        )
        add_recovery_key_arguments(imported, required=True)
        imported.add_argument("--public-key", required=True, help="The signing public key it was made with.")
        actions.add_parser(
            "public-key", help="Print the signing public key that checks backups, exports and evidence."
        )
        actions.add_parser(
            "rotate-signing",
            help="Replace the signing key; the rotation is signed by both keys, kept and published.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "public-key":
                self.stdout.write(encode_public_key(current_keyring().signing_public_key))
            elif options["action"] == "rotate-signing":
                self._rotate_signing()
            elif options["action"] == "export":
                names = keyring_export(options["destination"])
                self.stdout.write(
                    f"Keyring ({len(names)} files) written to {options['destination']}, encrypted to the "
                    "recovery public key. Keep it apart from the backups."
                )
                public = encode_public_key(current_keyring().signing_public_key)
                self.stdout.write(
                    f"Importing it needs --public-key {public} (also `longarm keyring public-key`): "
                    "keep a copy with the recovery key."
                )
            else:
                recovery = recovery_key_from_options(options)
                if recovery is None:
                    raise KeyringError("importing needs the recovery key")
                names = keyring_import(
                    options["file"],
                    recovery_private_key=recovery,
                    public_key=parse_public_key(options["public_key"]),
                    transitions=(
                        decode_transitions(options["transitions"].read_bytes())
                        if options["transitions"]
                        else ()
                    ),
                )
                self.stdout.write(f"Keyring ({len(names)} files) written to {settings.KEYS_DIR}.")
        except (ContainerError, KeyringError, ShareError, SignatureError, ValueError) as error:
            raise CommandError(str(error)) from error
        except OSError as error:  # a file named on the command line: missing, unreadable, a full disk
            raise CommandError(os_error_line(error)) from error

    def _rotate_signing(self) -> None:
        transition = signing_key_rotate()
        self.stdout.write(
            f"Signing key rotated at {transition.at}: the old key "
            f"{encode_public_key(transition.old_public_key)} signed the audit chain up to event "
            f"{transition.audit_last_event_id}; from now on "
            f"{encode_public_key(transition.new_public_key)} signs."
        )
        self.stdout.write(
            f"Publish the new key beside the old one, with {Path(settings.KEYS_DIR) / TRANSITIONS_FILE} "
            "(signed by both): with it, `longarm evidence verify --transitions` and `longarm backup verify "
            "--transitions` accept what either key signed. Take a new keyring export now."
        )
        self._tell_partners(encode_public_key(transition.new_public_key))

    def _tell_partners(self, new_key: str) -> None:
        """Federation partners pin our signing key: print what their administrators must be sent."""
        from longarm.federation.models import Partnership
        from longarm.federation.selectors import key_fingerprint

        partners = list(Partnership.objects.filter(active=True).values_list("name", flat=True))
        if not partners:
            return
        self.stdout.write(
            f"Federation partners pin the signing key: until their administrators change the partnership, "
            f"each side refuses the other's requests. Send {', '.join(partners)} this text, in person or "
            "over a channel you both trust, and read the fingerprint to them:"
        )
        self.stdout.write(f"    Longarm federation signing public key: {new_key}")
        self.stdout.write(f"    Fingerprint (SHA-256): {key_fingerprint(new_key)}")

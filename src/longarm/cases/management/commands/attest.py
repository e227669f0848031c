"""`longarm attest verify REFERENCE CODE`: check a protection attestation as the public page does."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from longarm.cases.attestations.exceptions import TooManyAttempts
from longarm.cases.attestations.services import Verdict, attestation_verify


class Command(BaseCommand):
    help = "Protection attestations. `verify REFERENCE CODE` prints valid, invalid or revoked."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        verify: ArgumentParser = commands.add_parser("verify", help="Check a reference and its code.")
        verify.add_argument("reference")
        verify.add_argument("code")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            checked = attestation_verify(
                reference=options["reference"], code=options["code"], session_key=None
            )
        except TooManyAttempts as error:
            raise CommandError("too many wrong codes were tried; wait and try again") from error
        self.stdout.write(checked.verdict.value)
        if checked.attestation is not None:
            attestation = checked.attestation
            self.stdout.write(
                f"issued by {attestation.organisation or '-'} on {attestation.issued_on.isoformat()} "
                f"for a report filed on {attestation.report_filed_on.isoformat()}"
            )
        if checked.verdict != Verdict.VALID:
            raise SystemExit(1)

"""`longarm urgency recompute (--recovery-key FILE | --recovery-shares SHARE…)`: give the reports stored
under an earlier urgency rule the urgency the current rule gives their answers.

Reports whose urgency a caseworker set are left as they are. The answers are read with the recovery key, in
memory, for the run only; the command prints counts, never content. Each change is audited. A report it
cannot open (a seal to another recovery key during a rotation, answers with a removed code) is skipped and
counted by the class of reason, and the run goes on.
"""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from longarm.crypto.errors import KeyringError, ShareError
from longarm.intake.urgency import reports_recompute_urgency
from longarm.recovery.keyholders import add_recovery_key_arguments, recovery_key_from_options


class Command(BaseCommand):
    help = "Recompute the urgency of reports not rated by a caseworker, under the current rule."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        recompute = actions.add_parser(
            "recompute", help="Recompute every report's urgency from its answers (needs the recovery key)."
        )
        add_recovery_key_arguments(recompute, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            private_key = recovery_key_from_options(options)
            if private_key is None:
                raise KeyringError("recomputing urgency needs the recovery key")
            result = reports_recompute_urgency(recovery_private_key=private_key, progress=self.stdout.write)
        except (KeyringError, ShareError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"{result.checked} reports read: {result.changed} re-rated, {result.unchanged} unchanged, "
            f"{sum(result.skipped.values())} skipped; "
            f"{result.overridden} rated by a caseworker were left as they are."
        )
        for reason, count in sorted(result.skipped.items()):
            self.stdout.write(f"skipped, {reason.value}: {count}")

"""`longarm notify digests`: send the digest of this schedule window (run it every few minutes from cron;
each window's digest goes once)."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from longarm.notifications.services import DigestServerUnreachable, digests_send


class Command(BaseCommand):
    help = "Send staff the digest of the current schedule window (LONGARM_DIGEST), once per window."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("digests", help="Send what is due.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            sent = digests_send()
        except DigestServerUnreachable as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{sent} digests sent.")

"""`longarm analytics rebuild`: recompute the coded-fact store from reports and cases."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from longarm.analytics.services import facts_rebuild


class Command(BaseCommand):
    help = "Analytics. `rebuild` recomputes every coded fact."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        commands.add_parser("rebuild", help="Recompute the facts from reports and cases.")

    def handle(self, *args: Any, **options: Any) -> None:
        result = facts_rebuild()
        self.stdout.write(f"{result.facts} facts")

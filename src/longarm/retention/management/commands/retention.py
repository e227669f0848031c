"""`longarm retention apply`: crypto-shred reports and cases past their retention period (run it daily).

Periods are set per status with LONGARM_RETENTION_DAYS_REPORT_<STATUS> and
LONGARM_RETENTION_DAYS_CASE_<STATUS> (days; 0 or unset keeps for ever). `--dry-run` only counts.
"""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from longarm.retention.services import expired_cases, expired_reports, retention_apply


class Command(BaseCommand):
    help = "Apply the retention periods: crypto-shred expired reports and cases."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        apply = actions.add_parser("apply", help="Shred what has expired.")
        apply.add_argument("--dry-run", action="store_true", help="Only count what would be shredded.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["dry_run"]:
            today = timezone.now().date()
            self.stdout.write(
                f"Would shred {expired_cases(today=today).count()} cases and "
                f"{expired_reports(today=today).count()} reports outside cases."
            )
            return
        result = retention_apply()
        self.stdout.write(f"Shredded {result.cases} cases and {result.reports} reports outside cases.")

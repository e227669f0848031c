"""`longarm retention apply`: crypto-shred reports and cases past their retention period (run it daily).

Periods are set per status with LONGARM_RETENTION_DAYS_REPORT_<STATUS> and
LONGARM_RETENTION_DAYS_CASE_<STATUS> (days; 0 or unset keeps for ever). `--dry-run` lists what would go,
changing nothing. Both say which recorded backups still hold shredded data.
"""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from longarm.backup.services import backups_holding_shredded
from longarm.retention.services import expired_cases, expired_reports, retention_apply


class Command(BaseCommand):
    help = "Apply the retention periods: crypto-shred expired reports and cases."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        apply = actions.add_parser("apply", help="Shred what has expired.")
        apply.add_argument(
            "--dry-run", action="store_true", help="List what would be shredded; change nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["dry_run"]:
            today = timezone.now().date()
            cases = list(expired_cases(today=today).order_by("status_changed_on", "id"))
            reports = list(expired_reports(today=today).order_by("received_on", "id"))
            for case in cases:
                self.stdout.write(f"case {case.public_id}: {case.status} since {case.status_changed_on}")
            for report in reports:
                self.stdout.write(
                    f"report {report.public_id}: {report.status}, received {report.received_on}"
                )
            self.stdout.write(f"Would shred {len(cases)} cases and {len(reports)} reports outside cases.")
            self._backups("would still hold them")
            return
        result = retention_apply()
        self.stdout.write(f"Shredded {result.cases} cases and {result.reports} reports outside cases.")
        if result.cases or result.reports:
            self._backups("still hold what was shredded")

    def _backups(self, holding: str) -> None:
        backups = backups_holding_shredded()
        if not backups:
            return
        self.stdout.write(
            f"{len(backups)} backups made here ({backups[0].created_on} to {backups[-1].created_on}) "
            f"{holding} until they are deleted: erasure is complete only when the last of them is gone "
            "(threat model §6.4)."
        )
        for backup in backups:
            self.stdout.write(f"  {backup.created_on} {backup.file_name}")

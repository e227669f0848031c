"""`longarm doctor`: every start-up check with its outcome; exit 1 if any would stop `longarm serve`."""

import sys
from typing import Any

from django.core.management.base import BaseCommand

from longarm.operations.doctor import Level, examine


class Command(BaseCommand):
    help = "Check the keyring, the recovery key's whereabouts, the environment, the database and the storage."
    # Django's own checks need the database; doctor reports an unreachable one as a finding instead.
    requires_system_checks = ()

    def handle(self, *args: Any, **options: Any) -> None:
        findings = examine()
        for finding in findings:
            self.stdout.write(f"{finding.level.value:8} {finding.name}: {finding.message}")
        if any(finding.level is Level.ERROR for finding in findings):
            sys.exit(1)

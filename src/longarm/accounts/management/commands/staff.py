"""`longarm staff offboard NAME [--dry-run] [--force]`: take every key and every way in from a staff member.

Refuses, listing them, while some case or report would be left readable by no active staff member (only by
the offline recovery key); `--force` accepts that. `--dry-run` prints what would be done and changes nothing.
"""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from longarm.accounts.exceptions import AlreadyOffboarded, LastAdministrator, UnheldAfterOffboarding
from longarm.accounts.models import StaffUser
from longarm.accounts.selectors import OffboardingPlan, Unheld, offboarding_plan
from longarm.accounts.services import staff_offboard


def _losses(item: Unheld) -> str:
    parts = [
        name
        for name, lost in (
            ("content", item.content),
            ("identity", item.identity),
            ("evidence", item.evidence),
        )
        if lost
    ]
    return ", ".join(parts)


class Command(BaseCommand):
    help = "Manage staff accounts: offboard someone who leaves."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        offboard = actions.add_parser(
            "offboard",
            help="Deactivate an account, end its sessions, delete every key sealed to it, its private key, "
            "its TOTP devices and API tokens, and stop routing new reports to it.",
        )
        offboard.add_argument("username")
        offboard.add_argument("--dry-run", action="store_true", help="Only show what would be done.")
        offboard.add_argument(
            "--force",
            action="store_true",
            help="Offboard even if some cases or reports are then readable only with the recovery key.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        staff = StaffUser.objects.filter(username=options["username"]).first()
        if staff is None:
            raise CommandError(f"No staff account is named {options['username']!r}.")
        if options["dry_run"]:
            if staff.offboarded:
                raise CommandError(f"{staff.username} is already offboarded.")
            self._describe(offboarding_plan(staff=staff), dry_run=True)
            return
        try:
            done = staff_offboard(actor=None, staff=staff, accept_unheld=options["force"])
        except AlreadyOffboarded as error:
            raise CommandError(f"{staff.username} is already offboarded.") from error
        except LastAdministrator as error:
            raise CommandError(f"{staff.username} is the last active administrator.") from error
        except UnheldAfterOffboarding as error:
            self._describe(error.plan, dry_run=True)
            raise CommandError(
                "Refused: the cases and reports listed above would be readable by no active staff member, "
                "only with the offline recovery key. Have a colleague who holds them grant them on, or "
                "run again with --force to accept this."
            ) from error
        self._describe(done.plan, dry_run=False)
        self.stdout.write(f"Ended {done.sessions} session(s).")
        self.stdout.write(self.style.SUCCESS(f"{staff.username} is offboarded."))

    def _describe(self, plan: OffboardingPlan, *, dry_run: bool) -> None:
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(
            f"{verb} {plan.report_keys} report key(s), {plan.case_keys} case key(s), "
            f"{plan.evidence_keys} evidence key(s), {plan.reason_keys} disclosure reason key(s), "
            f"{plan.devices} TOTP device(s), {plan.assignments} case assignment(s) and "
            f"{plan.pending_requests} pending request(s); "
            f"{'would revoke' if dry_run else 'revoked'} {plan.live_tokens} API token(s)."
        )
        for label, items in (("case", plan.unheld_cases), ("report", plan.unheld_reports)):
            for item in items:
                self.stdout.write(f"Recovery key only: {label} {item.reference} ({_losses(item)})")
        if not plan.unheld:
            self.stdout.write("Every case and report it holds stays readable by another active staff member.")

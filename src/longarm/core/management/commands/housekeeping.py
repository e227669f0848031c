"""`longarm housekeeping` (hourly): delete expired sessions, old throttle counters and spent gate tokens;
deliver the outbox events a dead worker left."""

from typing import Any

from django.core.management.base import BaseCommand

from longarm.core.housekeeping import housekeeping_run


class Command(BaseCommand):
    help = (
        "Delete expired sessions, throttle counters of past windows, expired spent gate tokens and the "
        "heartbeats of workers long gone; deliver outbox events a worker left; expire federation answers "
        "partners never fetched."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        swept = housekeeping_run()
        self.stdout.write(
            f"deleted {swept.sessions} expired session(s), {swept.counters} old counter(s), "
            f"{swept.spent_tokens} spent token(s), {swept.gone_workers} gone worker(s)'s heartbeat; "
            f"delivered {swept.outbox_deliveries} outbox event(s) "
            f"a worker had left; expired {swept.expired_answers} unfetched federation answer(s)"
        )

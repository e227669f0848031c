"""Analytics derives its facts from what other apps publish (``core.outbox``), after their commit."""

from longarm.analytics.services import facts_sync_report
from longarm.core.outbox import REPORT_SUBMITTED, OutboxDelivery, subscribe
from longarm.intake.models import Report


def count_submitted_report(delivery: OutboxDelivery) -> None:
    # Recomputes the report's facts from the stored report: running it twice leaves one fact.
    report = Report.objects.filter(pk=int(delivery.object_id)).first()
    if report is not None:  # shredded before the worker got to it: nothing to count
        facts_sync_report(report=report)


def register() -> None:
    subscribe(REPORT_SUBMITTED, "analytics.facts", count_submitted_report)

"""What the linking app derives from events of other apps (registered by ``LinkingConfig.ready``)."""

from longarm.core.outbox import prepare_on_report_arrival, subscribe
from longarm.linking.arrival import report_identifiers_prepare
from longarm.linking.report_index import PAYLOAD_NAME, on_report_submitted


def register() -> None:
    prepare_on_report_arrival(PAYLOAD_NAME, report_identifiers_prepare)
    subscribe("report.submitted", "linking.report_identifiers", on_report_submitted)

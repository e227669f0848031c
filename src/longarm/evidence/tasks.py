from uuid import UUID

from django.tasks import task

from longarm.core.database import retrying_on_outage
from longarm.evidence.services import evidence_process, evidence_requeue_unfinished, evidence_sweep


@task()
def process_evidence(item_id: str) -> str:
    """Process one evidence item (see ``evidence_process``); safe to run again for the same item, and run
    again while the database is being restarted."""
    return retrying_on_outage(lambda: evidence_process(item_id=UUID(item_id)))


@task()
def sweep_evidence_storage() -> dict[str, int]:
    """The daily storage sweep, for deployments that schedule tasks rather than `longarm evidence sweep`; it
    also queues again what a dead worker left unfinished, so no report keeps a place in the queue for ever."""
    swept = evidence_sweep()
    requeued = evidence_requeue_unfinished()
    return {"expired_pending": swept.expired_pending, "orphans": swept.orphans, "requeued": requeued}

from uuid import UUID

from django.tasks import task

from longarm.evidence.services import evidence_process


@task()
def process_evidence(item_id: str) -> str:
    """Process one evidence item (see ``evidence_process``); safe to run again for the same item."""
    return evidence_process(item_id=UUID(item_id))

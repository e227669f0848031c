from uuid import UUID

from django.tasks import task

from longarm.core.database import retrying_on_outage
from longarm.federation.server import answer_compute


@task()
def answer_partner_run(run_id: str) -> str:
    """Compute the answer to a partner's accepted run (see ``answer_compute``); safe to run again."""
    return retrying_on_outage(lambda: answer_compute(UUID(run_id)))

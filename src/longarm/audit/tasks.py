from django.tasks import task

from longarm.audit.tally import audit_tally_flush


@task()
def flush_audit_tallies() -> int:
    """Write the counts of anonymous attempts from closed windows to the chain (see ``audit.tally``), for
    deployments that schedule tasks; returns how many events were written."""
    return audit_tally_flush()

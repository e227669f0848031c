from django.tasks import task

from longarm.retention.services import retention_apply


@task()
def retention_apply_task() -> dict[str, int]:
    """The daily retention run, for deployments that schedule tasks rather than `longarm retention apply`."""
    result = retention_apply()
    return {"reports": result.reports, "cases": result.cases}

from django.tasks import task

from longarm.analytics.services import facts_rebuild


@task()
def facts_rebuild_task() -> dict[str, int]:
    """Recompute the coded facts, for deployments that schedule tasks."""
    return {"facts": facts_rebuild().facts}

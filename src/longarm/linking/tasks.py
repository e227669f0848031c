from django.tasks import task

from longarm.linking.clusters import recluster_all


@task()
def recluster_task() -> dict[str, int]:
    """A full re-clustering, for deployments that schedule tasks rather than `longarm linking recluster`
    (incremental updates on every save keep clusters current between runs)."""
    return recluster_all()

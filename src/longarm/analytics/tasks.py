from django.tasks import task

from longarm.analytics.services import facts_rebuild


@task()
def facts_rebuild_task() -> dict[str, int]:
    """Recompute the coded facts and the cube, for deployments that schedule tasks."""
    result = facts_rebuild()
    return {"facts": result.facts, "cube_cells": result.cube_cells}

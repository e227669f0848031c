import shutil
from collections.abc import Iterator

import pytest
from django.conf import settings

from longarm.evidence.storage import evidence_root


def run_queued_tasks() -> None:
    """With the Redis backend, run what is queued with a real RQ worker (in this process, so that it sees
    the test's transaction) until the queue is empty: a finished item queues its report's next one (fair
    share) in an on-commit callback, which the test's transaction would otherwise hold back. The database
    and immediate backends need nothing."""
    if not settings.TASKS_URL.startswith("redis://"):
        return
    import django_rq
    from django.test import TestCase
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    queue = django_rq.get_queue("default", job_class=Job)
    while queue.count:
        with TestCase.captureOnCommitCallbacks(execute=True):
            SimpleWorker([queue], connection=queue.connection, job_class=Job).work(burst=True)


@pytest.fixture(autouse=True)
def _empty_store_and_queue() -> Iterator[None]:
    # The database is rolled back after each test; the files it pointed to must go too.
    # (A bucket the environment names is emptied for every test: tests/conftest.py.)
    shutil.rmtree(evidence_root(), ignore_errors=True)
    yield
    shutil.rmtree(evidence_root(), ignore_errors=True)
    if settings.TASKS_URL.startswith("redis://"):
        import django_rq

        django_rq.get_queue("default").empty()

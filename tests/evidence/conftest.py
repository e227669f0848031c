import shutil
from collections.abc import Iterator

import pytest
from django.conf import settings

from longarm.evidence.storage import evidence_root, in_bucket


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
    shutil.rmtree(evidence_root(), ignore_errors=True)
    if in_bucket():  # the environment names a bucket (CI's run against an S3-compatible server)
        from tests.s3 import empty_bucket, ensure_bucket

        ensure_bucket()
        empty_bucket()
    yield
    shutil.rmtree(evidence_root(), ignore_errors=True)
    if in_bucket():
        from tests.s3 import empty_bucket

        empty_bucket()
    if settings.TASKS_URL.startswith("redis://"):
        import django_rq

        django_rq.get_queue("default").empty()

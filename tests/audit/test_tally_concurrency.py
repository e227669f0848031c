"""Counting and flushing from several processes at once loses no count and never deadlocks."""

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from longarm.audit.models import ActorKind, AuditEvent, AuditTally
from longarm.audit.selectors import audit_chain_verify
from longarm.audit.services import audit_append
from longarm.audit.tally import audit_count, audit_tally_flush, tally_counts


def _in_thread(work: Callable[[], None], errors: list[BaseException]) -> threading.Thread:
    def run() -> None:
        try:
            work()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    return threading.Thread(target=run)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one writer at a time anyway")
@pytest.mark.django_db(transaction=True)
def test_concurrent_counts_flushes_and_staff_writes_add_up() -> None:
    errors: list[BaseException] = []
    per_thread, threads = 60, 4

    def count() -> None:
        for _ in range(per_thread):
            audit_count(action="attestation.verify", outcome="invalid")

    def flush() -> None:
        for _ in range(20):
            audit_tally_flush(include_open=True)

    def staff() -> None:
        for number in range(30):
            audit_append(actor=None, actor_kind=ActorKind.SYSTEM, action="test.write", object_id=str(number))

    workers = [
        *(_in_thread(count, errors) for _ in range(threads)),
        _in_thread(flush, errors),
        _in_thread(staff, errors),
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not errors
    audit_tally_flush(include_open=True)
    assert not AuditTally.objects.exists()
    total = sum(
        tally_counts(object_id)["attestation.verify:invalid"]
        for object_id in AuditEvent.objects.filter(action="audit.tally").values_list("object_id", flat=True)
    )
    assert total == per_thread * threads
    assert audit_chain_verify().intact

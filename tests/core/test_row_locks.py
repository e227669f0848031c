"""Row locks that serialise writers take ``FOR NO KEY UPDATE``, so that they never wait on, or make wait, the
foreign-key checks of other transactions' writes.

On PostgreSQL a row inserted with a reference to a report (a read mark, a message, a case's link) checks its
key at commit, Django's foreign keys being deferred: it takes ``FOR KEY SHARE`` on the report then, after the
audit chain's head was locked. A writer holding the report ``FOR UPDATE`` and waiting for the head would wait
on that transaction while it waits on them: a deadlock, which the load benchmark met when one caseworker
opened a report another was answering. ``FOR NO KEY UPDATE`` does not conflict with ``FOR KEY SHARE``.
Only a transaction that deletes the row it locked needs ``FOR UPDATE``.
"""

import ast
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import transaction

import longarm
from longarm.accounts.models import StaffUser
from longarm.audit.models import ActorKind
from longarm.audit.services import audit_append
from longarm.intake.models import Report, ReportStatus
from longarm.intake.services import report_record_read
from longarm.intake.threads import thread_changed
from tests.cases.helpers import new_report
from tests.concurrency import InThread, postgresql_only
from tests.conftest import Cast

SOURCE = Path(longarm.__file__).parent

# (module, model) of a lock on rows the transaction then deletes: ``FOR UPDATE`` is the lock a delete takes
# anyway.
DELETES_THE_ROW = {
    ("audit/services.py", "ReporterEvent"),
    ("audit/tally.py", "AuditTally"),
    ("evidence/services.py", "PendingUpload"),
    ("accounts/enrolment.py", "Enrolment"),
}


def _locks() -> Iterator[tuple[str, str, ast.Call]]:
    """Each ``select_for_update`` call: its module, the name its query starts from (a model, or a variable
    holding a query set), and the call."""
    for path in sorted(SOURCE.rglob("*.py")):
        module = path.relative_to(SOURCE).as_posix()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "select_for_update"
            ):
                yield module, _root(node.func.value), node


def _root(node: ast.expr) -> str:
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else ast.unparse(node)


def _no_key(call: ast.Call) -> bool:
    return any(
        keyword.arg == "no_key" and isinstance(keyword.value, ast.Constant) and keyword.value.value is True
        for keyword in call.keywords
    )


def test_every_row_lock_is_no_key_unless_the_row_is_deleted() -> None:
    locks = list(_locks())
    assert len(locks) > 20  # the walk found the code
    wrong = sorted(
        f"{module}:{call.lineno} on {name}"
        for module, name, call in locks
        if _no_key(call) == ((module, name) in DELETES_THE_ROW)
    )
    assert not wrong, f"select_for_update(no_key=True) unless the row is deleted: {wrong}"
    found = {(module, name) for module, name, _call in locks}
    assert found >= DELETES_THE_ROW, "a listed lock is gone: update DELETES_THE_ROW"


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_reply_and_a_reading_of_one_report_at_once_both_finish(cast: Cast) -> None:
    """A reply locks the report for its thread state, then appends to the audit chain; a reading writes its
    read mark (a reference to the report, checked at commit) after appending. Neither waits on the other
    in a cycle."""
    report = new_report()
    # Read once already: a first reading also marks the report read, an update that would queue behind the
    # reply before anything else.
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.READ)
    report.refresh_from_db()
    locked, release = threading.Event(), threading.Event()

    def reply() -> None:
        with transaction.atomic():
            thread_changed(report_id=report.pk)
            locked.set()
            assert release.wait(20)
            audit_append(actor=cast.caseworker, actor_kind=ActorKind.STAFF, action="message.create")

    replying = InThread(reply)
    assert locked.wait(10)
    reader = StaffUser.objects.get(pk=cast.caseworker.pk)
    reading = InThread(lambda: report_record_read(report=report, staff=reader))
    reading.blocked_or_done()
    release.set()
    replying.join()
    reading.join()
    assert replying.error is None
    assert reading.error is None

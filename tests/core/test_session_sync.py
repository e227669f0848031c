"""On SQLite a session's save is not synced to disk on its own (a sync per request cost a quarter of the CPU
of a reporter's steps); a report, and a save that gives up a cycled key, are."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection

from longarm.core.sessions import SessionStore
from tests.cases.helpers import new_report
from tests.database import database_value

pytestmark = [
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's PRAGMA synchronous"),
    pytest.mark.django_db(transaction=True),
]

FULL = 2


def _synchronous() -> int:
    return int(database_value("PRAGMA synchronous"))


class Recorder:
    """Each statement with the ``PRAGMA synchronous`` mode it ran under."""

    def __init__(self) -> None:
        self.mode = "FULL"
        self.statements: list[tuple[str, str]] = []

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.startswith("PRAGMA synchronous="):
            self.mode = sql.removeprefix("PRAGMA synchronous=")
        else:
            self.statements.append((self.mode, sql))
        return execute(sql, params, many, context)

    def modes_of(self, fragment: str) -> set[str]:
        return {mode for mode, sql in self.statements if fragment in sql}


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    recording = Recorder()
    with connection.execute_wrapper(recording):
        yield recording


def test_a_session_update_is_not_synced_on_its_own_and_the_connection_is_full_again(
    recorder: Recorder,
) -> None:
    assert _synchronous() == FULL
    session = SessionStore()
    session["draft"] = "one"
    session.save()
    session["draft"] = "two"
    session.save()
    assert recorder.modes_of("UPDATE") == {"NORMAL"}
    assert recorder.modes_of("INSERT") == {"NORMAL"}
    assert _synchronous() == FULL


def test_a_save_that_gives_up_a_cycled_key_is_synced(recorder: Recorder) -> None:
    session = SessionStore()
    session["draft"] = "one"
    session.save()
    session.cycle_key()
    recorder.statements.clear()
    session.save()
    assert recorder.modes_of("DELETE") == {"FULL"}
    assert recorder.modes_of("INSERT") == {"FULL"}


def test_a_report_is_synced_after_a_session_was_not(recorder: Recorder) -> None:
    session = SessionStore()
    session["draft"] = "one"
    session.save()
    new_report()
    assert recorder.modes_of('INSERT INTO "intake_report"') == {"FULL"}
    assert _synchronous() == FULL

"""A session-key cycle writes once, at the save: the new row and the old row's deletion in one transaction
(on SQLite every commit holds the write lock through its sync; Django's cycle costs three)."""

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext

from longarm.core.sessions import SessionStore

pytestmark = pytest.mark.django_db


def writes(context: CaptureQueriesContext) -> list[str]:
    return [
        query["sql"].split()[0]
        for query in context.captured_queries
        if query["sql"].split()[0] in {"INSERT", "UPDATE", "DELETE"}
    ]


def test_a_cycle_keeps_the_data_under_a_new_key_and_deletes_the_old_row_in_one_save() -> None:
    store = SessionStore()
    store["planted"] = "before"
    store.save()
    old_key = store.session_key
    assert old_key is not None

    with CaptureQueriesContext(connection) as cycling:
        store.cycle_key()
    store["after"] = "the cycle"
    with CaptureQueriesContext(connection) as saving:
        store.save()

    assert writes(cycling) == []
    assert writes(saving) == ["INSERT", "DELETE"]
    assert store.session_key not in (None, old_key)
    assert not Session.objects.filter(session_key=old_key).exists()
    assert dict(SessionStore(store.session_key).items()) == {"planted": "before", "after": "the cycle"}
    # The old key opens nothing: a cookie planted before the cycle holds none of what came after.
    assert dict(SessionStore(old_key).items()) == {}


def test_a_cycle_tells_its_listeners_at_once() -> None:
    store = SessionStore()
    store["x"] = 1
    store.save()
    heard: list[str] = []
    store.on_cycle(lambda: heard.append("cycled"))

    store.cycle_key()

    assert heard == ["cycled"]

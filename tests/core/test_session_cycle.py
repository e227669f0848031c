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


def statements(context: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in context.captured_queries if "django_session" in query["sql"]]


def test_a_session_is_read_and_updated_with_one_statement_each() -> None:
    store = SessionStore()
    store["draft"] = "first"
    store.save()
    key = store.session_key

    reading = SessionStore(key)
    with CaptureQueriesContext(connection) as read:
        assert reading["draft"] == "first"
    reading["draft"] = "second"
    with CaptureQueriesContext(connection) as written:
        reading.save()

    assert [sql.split()[0] for sql in statements(read)] == ["SELECT"]
    assert [sql.split()[0] for sql in statements(written)] == ["UPDATE"]
    assert reading.session_key == key
    assert SessionStore(key)["draft"] == "second"


def test_an_expired_session_reads_as_empty_and_loses_its_key() -> None:
    from datetime import timedelta

    from django.utils import timezone

    store = SessionStore()
    store["draft"] = "kept"
    store.save()
    Session.objects.filter(session_key=store.session_key).update(expire_date=timezone.now() - timedelta(1))

    expired = SessionStore(store.session_key)
    assert dict(expired.items()) == {}
    assert expired.session_key is None


def test_updating_a_session_deleted_meanwhile_is_an_update_error() -> None:
    from django.contrib.sessions.backends.base import UpdateError

    store = SessionStore()
    store["draft"] = "kept"
    store.save()
    loaded = SessionStore(store.session_key)
    loaded["draft"] = "changed"
    Session.objects.filter(session_key=store.session_key).delete()

    with pytest.raises(UpdateError):
        loaded.save()
    assert not Session.objects.exists()


def test_a_flush_after_a_cycle_deletes_the_old_row() -> None:
    """Log out (or leave the mailbox) in the request that logged in: the cycle left no key of its own to
    delete, and the row under the old key must not stay behind with what it held."""
    store = SessionStore()
    store["planted"] = "before"
    store.save()
    old_key = store.session_key

    store.cycle_key()
    store.flush()

    assert not Session.objects.filter(session_key=old_key).exists()
    assert store.session_key is None
    store["fresh"] = "visit"
    store.save()
    assert list(Session.objects.values_list("session_key", flat=True)) == [store.session_key]


def test_a_delete_after_a_cycle_deletes_the_old_row() -> None:
    store = SessionStore()
    store["planted"] = "before"
    store.save()
    old_key = store.session_key

    store.cycle_key()
    store.delete()

    assert not Session.objects.filter(session_key=old_key).exists()


def test_a_failed_update_leaves_the_callers_transaction_usable(monkeypatch: pytest.MonkeyPatch) -> None:
    """A database error of the update becomes UpdateError; on PostgreSQL the statement that failed must be
    rolled back to a savepoint, or the transaction the session was saved in refuses every later query."""
    from django.contrib.sessions.backends.base import UpdateError
    from django.db import transaction

    store = SessionStore()
    store["draft"] = "kept"
    store.save()
    key = store.session_key
    loaded = SessionStore(key)
    loaded["draft"] = "changed"
    making = loaded.create_model_instance

    def without_data(data: dict[str, object]) -> Session:
        instance = making(data)
        instance.session_data = None  # type: ignore[assignment]  # a NOT NULL column: the UPDATE fails
        return instance  # type: ignore[return-value]

    monkeypatch.setattr(loaded, "create_model_instance", without_data)
    with transaction.atomic():
        with pytest.raises(UpdateError):
            loaded.save()
        assert Session.objects.filter(session_key=key).exists()
    assert SessionStore(key)["draft"] == "kept"

"""`longarm serve` forks gunicorn's workers from its own process, after the start-up sweeps have used the
database: no worker may inherit that connection (SQLite keeps its locks per process, so a forked copy of a
connection's lock state is held by nobody)."""

from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from longarm.core.management.commands import serve

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_server_forks_its_workers_with_no_database_connection_open(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    open_at_fork: list[Any] = []
    monkeypatch.setattr(serve, "refuse_to_start_unless_sound", lambda stderr: None)
    monkeypatch.setattr(serve._Gunicorn, "run", lambda self: open_at_fork.append(connection.connection))

    call_command("serve", "--no-worker")

    assert open_at_fork == [None]

"""A server thread keeps its database connection for its next request, checked before each reuse (issue 13:
opening and closing one per request cost a tenth of a reporter's visit besides its Argon2id derivations)."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

_READ = """
import json, sys
from longarm import settings
json.dump(settings.DATABASES["default"], sys.stdout, default=str)
"""


def production_database(**environment: str) -> dict[str, object]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join(sys.path),
        "LONGARM_DATA_DIR": str(settings.TEST_ROOT / "elsewhere"),
        **environment,
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", _READ], env=env, capture_output=True, text=True, check=True
    )
    database: dict[str, object] = json.loads(result.stdout)
    return database


@pytest.mark.parametrize("url", ["", "postgres://longarm@db.internal:5432/longarm"])
def test_connections_can_be_kept_between_requests_and_are_checked_before_reuse(url: str) -> None:
    database = production_database(**({"DATABASE_URL": url} if url else {}), LONGARM_DB_CONN_MAX_AGE="600")
    assert database["CONN_MAX_AGE"] == 600
    assert database["CONN_HEALTH_CHECKS"] is True


def test_connections_are_kept_by_default_and_one_per_request_can_be_chosen() -> None:
    # Opening and closing a connection for every request (SQLite's checkpoint when the last one closes) was
    # half of a reporter's visit's CPU besides its Argon2id derivations (issue 13). A restore writes through
    # SQLite rather than replacing the file, so kept connections see the restored database.
    assert production_database()["CONN_MAX_AGE"] == 600
    assert production_database(LONGARM_DB_CONN_MAX_AGE="0")["CONN_MAX_AGE"] == 0

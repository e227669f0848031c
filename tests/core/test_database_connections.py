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


def test_one_connection_per_request_by_default() -> None:
    # Kept connections made the full suite fail on SQLite ("disk I/O error" after a test replaced the
    # database file under a kept connection); until that is understood, a deployment opts in.
    assert production_database()["CONN_MAX_AGE"] == 0

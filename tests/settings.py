"""Test settings: the production module with throw-away directories and cheap key derivation.

Light Argon2 and fast password hashing live here only, never in ``longarm.settings``.
"""

import os
import tempfile
from pathlib import Path

_ROOT = Path(tempfile.mkdtemp(prefix="longarm-test-"))
os.environ.setdefault("LONGARM_DATA_DIR", str(_ROOT / "data"))
os.environ.setdefault("LONGARM_KEYS_DIR", str(_ROOT / "keys"))

from longarm.crypto.federation import create_federation_key  # noqa: E402
from longarm.crypto.keyring import create_keyring, write_recovery_private_key  # noqa: E402
from longarm.settings import *  # noqa: E402, F403
from longarm.settings import DATA_DIR, DATABASES, KEYS_DIR, STORAGES, TASKS_URL  # noqa: E402

TEST_ROOT = _ROOT
RECOVERY_KEY_PATH = _ROOT / "offline" / "recovery.key"
_creation = create_keyring(KEYS_DIR)
# As `longarm init` makes it (never on first use).
create_federation_key(KEYS_DIR)
if _creation.recovery_private_key is not None:
    RECOVERY_KEY_PATH.parent.mkdir(parents=True, exist_ok=True)
    write_recovery_private_key(RECOVERY_KEY_PATH, _creation.recovery_private_key, forbidden_dirs=[KEYS_DIR])
SECRET_KEY = "test-only-secret-key-" + "x" * 40
(DATA_DIR / "static").mkdir(parents=True, exist_ok=True)
# The test process opens one connection per request, as it did before connections were kept by default
# (LONGARM_DB_CONN_MAX_AGE): pytest-django manages the test thread's connection itself, and on SQLite the
# whole suite once hit "disk I/O error" reconnecting after `serve` closed it with other tests' kept
# connections open. The servers the tests start as subprocesses keep theirs, as production does.
DATABASES["default"]["CONN_MAX_AGE"] = 0
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that the canary test can read every byte the database wrote.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
else:
    # One test database per run, so that two runs on one server (a developer's and a benchmark's) never
    # drop each other's database.
    DATABASES["default"]["TEST"] = {"NAME": f"test_longarm_{os.getpid()}"}

# Most tests exercise one person's act taking effect at once (the rule switched off, as in a single-
# administrator deployment); tests/accounts/test_two_person_rule.py and test_staff_administration.py switch it
# on and check both ways.
LONGARM_TWO_PERSON_RULE = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LONGARM_RECEIPT_ARGON2 = (1, 8192)
LONGARM_STAFF_ARGON2 = (1, 8192)
LONGARM_SHARE_ARGON2 = (1, 8192)
# The gate's proof of work is solved in the tests by the library's solver: a few derivations, not thousands.
# Time-lock tokens are valid at once at level 0, so that journeys without JavaScript need not wait; the tests
# of the wait set a delay themselves.
LONGARM_GATE_WORK = 8
LONGARM_GATE_WORK_MAX = 64
LONGARM_GATE_DELAY_SECONDS = 0
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
if not TASKS_URL.startswith("redis://"):
    # LONGARM_TASKS_URL=redis://… keeps the Redis backend, for the evidence tests' run against a real queue.
    TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}

"""Backup and restore at the size of a busy NGO: 10,000 reports and 1 GiB of encrypted evidence.

Run from the repository root::

    .venv/bin/python benchmarks/backup.py [--reports 10000] [--evidence-mib 1024]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python benchmarks/backup.py

In one run, on a fresh throw-away database (test settings, as benchmarks/cases.py makes it):

1. ``--reports`` reports with realistic coded fields and ciphertext sizes (benchmarks/cases.py's generator)
   and ``--evidence-mib`` of evidence blobs (random bytes, 1 MiB each, as the store names them).
2. **The floor**, measured on the same files in the same run: copying every byte once into one file
   (``shutil.copyfileobj``), which any backup must at least do.
3. ``longarm backup create`` (database dump, SHA-256 of each part, encryption, signature): seconds, size,
   and its ratio to the floor; then ``backup verify`` with the recovery key (decrypt and hash every part).
4. The disaster (the database flushed, the store deleted), ``longarm backup restore``, and the time to the
   first page after it: a caseworker logs in and the inbox answers.

One JSON object on stdout; progress on stderr. Nothing here asserts on timing.
"""

from __future__ import annotations

import argparse
import json
import random
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

import cases as generator  # sets up Django with the test settings, as every benchmark
from longarm.accounts.models import Role
from longarm.accounts.services import staff_create
from longarm.backup.database import dump_database
from longarm.backup.services import backup_create, backup_restore, backup_verify
from longarm.core.keyring import current_keyring
from longarm.crypto.keyring import load_recovery_private_key
from longarm.evidence.storage import evidence_root, new_storage_name, stored_blobs

MIB = 1024 * 1024


def make_blobs(mib: int) -> None:
    root = evidence_root()
    block = secrets.token_bytes(MIB)
    for index in range(mib):
        path = root / new_storage_name()
        path.parent.mkdir(mode=0o700, exist_ok=True)
        # Distinct content per file, cheaply: a counter in the first bytes of a shared random block.
        path.write_bytes(index.to_bytes(8, "big") + block[8:])


def copy_floor(database: Path, workdir: Path) -> float:
    started = time.perf_counter()
    with (workdir / "floor.copy").open("wb") as target:
        for path in [database, *(evidence_root() / name for name, _ in stored_blobs())]:
            with path.open("rb") as source:
                shutil.copyfileobj(source, target, MIB)
    seconds = time.perf_counter() - started
    (workdir / "floor.copy").unlink()
    return seconds


def run(options: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    rng = random.Random(options.seed)
    caseworker = staff_create(
        username="bench-casey", password=generator.PASSWORD, role=Role.CASEWORKER, receives_new_reports=True
    ).user
    generator.timed("reports", lambda: generator.make_reports(options.reports, caseworker, rng))
    generator.timed("evidence", lambda: make_blobs(options.evidence_mib))
    dump_dir = workdir / "dump"
    dump_dir.mkdir()
    database = dump_database(dump_dir)
    floor_s = generator.timed("floor: copy every byte once", lambda: copy_floor(database, workdir))
    backup = workdir / "longarm.backup"
    create_s = generator.timed("backup create", lambda: backup_create(backup))
    recovery = load_recovery_private_key(settings.RECOVERY_KEY_PATH)
    public = current_keyring().signing_public_key
    verify_s = generator.timed(
        "backup verify", lambda: backup_verify(backup, public_key=public, recovery_private_key=recovery)
    )
    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(evidence_root())
    restore_s = generator.timed(
        "backup restore", lambda: backup_restore(backup, recovery_private_key=recovery)
    )
    started = time.perf_counter()
    client = Client(SERVER_NAME="localhost")
    generator.log_in(client, caseworker)
    assert client.get(reverse("cases:inbox")).status_code == 200
    first_page_s = round(time.perf_counter() - started, 2)
    return {
        "database": connection.vendor,
        "reports": options.reports,
        "evidence_mib": options.evidence_mib,
        "backup_bytes": backup.stat().st_size,
        "floor_copy_s": floor_s,
        "create_s": create_s,
        "create_over_floor": round(create_s / floor_s, 2) if floor_s else None,
        "verify_with_recovery_key_s": verify_s,
        "restore_s": restore_s,
        "first_page_after_restore_s": first_page_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--evidence-mib", type=int, default=1024)
    parser.add_argument("--seed", type=int, default=16)
    options = parser.parse_args()
    creation = connection.creation
    old_name = connection.settings_dict["NAME"]
    creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        with tempfile.TemporaryDirectory(dir=settings.DATA_DIR) as workdir:
            result = run(options, Path(workdir))
    finally:
        shutil.rmtree(evidence_root(), ignore_errors=True)
        creation.destroy_test_db(old_name, verbosity=0)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

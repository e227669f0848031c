import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from longarm.crypto.keyring import load_keyring, load_recovery_private_key

pytestmark = pytest.mark.django_db


def run_init(tmp_path: Path, recovery_out: Path) -> str:
    out = io.StringIO()
    with override_settings(
        KEYS_DIR=tmp_path / "keys", DATA_DIR=tmp_path / "data", STORAGE_DIR=tmp_path / "st"
    ):
        call_command("init", "--recovery-key-out", str(recovery_out), stdout=out)
    return out.getvalue()


def test_init_creates_the_keyring_and_writes_the_recovery_key_elsewhere(tmp_path: Path) -> None:
    output = run_init(tmp_path, tmp_path / "offline.key")
    keyring = load_keyring(tmp_path / "keys")
    assert len(load_recovery_private_key(tmp_path / "offline.key")) == 32
    assert "Move it offline NOW" in output
    assert not any(
        "recovery" in path.name and path.suffix != ".pub" for path in (tmp_path / "keys").iterdir()
    )
    assert len(keyring.receipt_pepper) == 32


def test_running_init_again_overwrites_no_key(tmp_path: Path) -> None:
    run_init(tmp_path, tmp_path / "offline.key")
    before = {path.name: path.read_bytes() for path in (tmp_path / "keys").iterdir()}
    output = run_init(tmp_path, tmp_path / "second.key")
    after = {path.name: path.read_bytes() for path in (tmp_path / "keys").iterdir()}
    assert before == after
    assert not (tmp_path / "second.key").exists()
    assert "RECOVERY KEY" not in output


def test_init_refuses_to_leave_the_recovery_key_beside_the_keys(tmp_path: Path) -> None:
    with pytest.raises(CommandError):
        run_init(tmp_path, tmp_path / "keys" / "recovery.key")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_init_keeps_the_data_directory_and_the_database_to_their_owner(tmp_path: Path) -> None:
    # As an earlier run, a package or a shell with umask 022 would have left them: readable by everyone.
    for directory in ("data", "st"):
        (tmp_path / directory).mkdir(mode=0o755)
        (tmp_path / directory).chmod(0o755)
    database = Path(str(connection.settings_dict["NAME"]))
    if connection.vendor == "sqlite":
        database.chmod(0o644)
    previous = os.umask(0o022)
    try:
        with override_settings(STATIC_ROOT=tmp_path / "data" / "static"):
            run_init(tmp_path, tmp_path / "offline.key")
    finally:
        os.umask(previous)
    assert mode(tmp_path / "data") == 0o700
    assert mode(tmp_path / "st") == 0o700
    assert mode(tmp_path / "data" / "static") == 0o700
    assert mode(tmp_path / "keys") == 0o700
    if connection.vendor == "sqlite":
        assert mode(database) == 0o600
        assert all(
            mode(journal) == 0o600
            for journal in database.parent.glob(database.name + "-*")
            if journal.name.endswith(("-wal", "-shm", "-journal"))
        )


def test_init_creates_missing_directories_for_their_owner_only(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        with override_settings(STATIC_ROOT=tmp_path / "data" / "static"):
            run_init(tmp_path, tmp_path / "offline.key")
    finally:
        os.umask(previous)
    assert mode(tmp_path / "data") == 0o700
    assert mode(tmp_path / "st") == 0o700
    # And the umask is the caller's again afterwards.
    assert os.umask(0o022) == 0o022


def test_every_longarm_command_writes_files_for_their_owner_only(tmp_path: Path) -> None:
    # Evidence ciphertext, packages and an SQLite database created later by `longarm serve` or its worker.
    result = subprocess.run(
        [sys.executable, "-m", "longarm.cli", "shell", "-c", "import os; print(oct(os.umask(0)))"],
        env={
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": os.pathsep.join(sys.path),
            "LONGARM_DATA_DIR": str(tmp_path / "data"),
        },
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert result.stdout.strip().splitlines()[-1] == "0o77"

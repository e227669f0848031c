import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
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

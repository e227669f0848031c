"""`longarm init --recovery-key-out`: a directory is accepted, and a destination it would refuse is refused
before any key exists, so a refusal never leaves a keyring whose recovery private key was never written."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from longarm.crypto.keyring import load_keyring, load_recovery_private_key
from longarm.evidence.verify import encode_public_key

pytestmark = pytest.mark.django_db


def run_init(tmp_path: Path, recovery_out: Path) -> str:
    out = io.StringIO()
    with override_settings(
        KEYS_DIR=tmp_path / "keys", DATA_DIR=tmp_path / "data", STORAGE_DIR=tmp_path / "data" / "storage"
    ):
        call_command("init", "--recovery-key-out", str(recovery_out), stdout=out)
    return out.getvalue()


def test_a_directory_receives_a_dated_recovery_key_file(tmp_path: Path) -> None:
    offline = tmp_path / "offline"
    offline.mkdir()
    run_init(tmp_path, offline)
    [written] = offline.iterdir()
    assert written.name.startswith("longarm-recovery-")
    assert len(load_recovery_private_key(written)) == 32


@pytest.mark.parametrize(
    ("destination", "message"),
    [
        ("existing.key", "already exists"),
        ("missing-dir/recovery.key", "does not exist"),
        ("data/recovery.key", "must not be kept beside the keyring or the data"),
    ],
)
def test_a_refused_destination_creates_no_key(tmp_path: Path, destination: str, message: str) -> None:
    (tmp_path / "existing.key").write_text("something else")
    (tmp_path / "data").mkdir(mode=0o700)
    with pytest.raises(CommandError, match=message):
        run_init(tmp_path, tmp_path / destination)
    assert not (tmp_path / "keys").exists() or not any((tmp_path / "keys").iterdir())
    assert (tmp_path / "existing.key").read_text() == "something else"


def test_init_prints_the_signing_public_key_a_restore_needs(tmp_path: Path) -> None:
    output = run_init(tmp_path, tmp_path / "offline.key")
    public = encode_public_key(load_keyring(tmp_path / "keys").signing_public_key)
    assert f"Signing public key (note it with the recovery key): {public}" in output

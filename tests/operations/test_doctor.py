"""Start-up self-checks (threat model §9 item 8): `longarm doctor`, and `longarm serve` refusing with one line
per problem, never a traceback."""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import override_settings

from longarm.crypto.keyring import RECOVERY_KEY_HEADER, create_keyring, write_recovery_private_key
from longarm.operations.doctor import Finding, Level, examine

pytestmark = pytest.mark.django_db


def finding(name: str) -> Finding:
    return next(item for item in examine() if item.name == name)


def test_a_sound_deployment_has_no_refusal(settings: Any) -> None:
    settings.LONGARM_KEYS_ON_DATABASE_DISK = True
    assert [item for item in examine() if item.level is Level.ERROR] == []


@pytest.mark.parametrize("place", ["KEYS_DIR", "DATA_DIR"])
def test_a_recovery_private_key_on_the_server_refuses(tmp_path: Path, place: str) -> None:
    keys, data = tmp_path / "keys", tmp_path / "data"
    create_keyring(keys)
    data.mkdir()
    where = {"KEYS_DIR": keys, "DATA_DIR": data}[place]
    write_recovery_private_key(where / "forgotten.key", bytes(32), forbidden_dirs=[])
    with override_settings(KEYS_DIR=keys, DATA_DIR=data, STORAGE_DIR=tmp_path / "st"):
        item = finding("recovery key")
    assert item.level is Level.ERROR
    assert str(where / "forgotten.key") in item.message
    assert "move it offline" in item.message


def test_a_file_merely_named_like_a_key_is_not_the_recovery_key(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    create_keyring(keys)
    (keys / "longarm-recovery-notes.key").write_text("not " + RECOVERY_KEY_HEADER)
    with override_settings(KEYS_DIR=keys, DATA_DIR=tmp_path, STORAGE_DIR=tmp_path / "st"):
        assert finding("recovery key").level is Level.OK


def test_keys_on_the_database_disk_refuse_unless_allowed(settings: Any) -> None:
    # The test keyring and the test SQLite database share one disk.
    if django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        pytest.skip("the database is a server, not a file on this disk")
    settings.LONGARM_KEYS_ON_DATABASE_DISK = False
    refused = finding("keyring disk")
    assert refused.level is Level.ERROR
    assert "LONGARM_KEYS_DIR" in refused.message
    settings.LONGARM_KEYS_ON_DATABASE_DISK = True
    assert finding("keyring disk").level is Level.WARNING


def test_a_misspelt_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LONGARM_HTTP", "true")
    monkeypatch.setenv("LONGARM_SECRETKEY_FILE", "/nowhere")
    messages = [item.message for item in examine() if item.name == "environment"]
    assert any(message.startswith("LONGARM_HTTP is set but Longarm does not read it") for message in messages)
    assert any(message.startswith("LONGARM_SECRETKEY_FILE is set") for message in messages)
    assert not any("LONGARM_DATA_DIR" in message for message in messages)


def test_a_misspelt_variable_is_named_with_the_one_it_most_likely_means(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LONGARM_DIGESTS", "daily")
    monkeypatch.setenv("LONGARM_EMAIL_PASWORD_FILE", "/nowhere")
    monkeypatch.setenv("LONGARM_SOMETHING_ELSE_ENTIRELY", "1")
    messages = [item.message for item in examine() if item.name == "environment"]
    assert any("LONGARM_DIGESTS is set" in m and "did you mean LONGARM_DIGEST?" in m for m in messages)
    assert any("did you mean LONGARM_EMAIL_PASSWORD_FILE?" in m for m in messages)
    assert any("LONGARM_SOMETHING_ELSE_ENTIRELY is set" in m and "misspelt?" in m for m in messages)


def run_longarm(*arguments: str, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join(sys.path),
        "HOME": environment.pop("HOME", "/nonexistent"),
        **environment,
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and a fixed command
        [sys.executable, "-m", "longarm.cli", *arguments],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_bad_value_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    result = run_longarm("doctor", LONGARM_DATA_DIR=str(tmp_path), LONGARM_HTTPS="perhaps")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "longarm: LONGARM_HTTPS must be one of true/false/yes/no/1/0/on/off, not 'perhaps'"
    ]


def test_a_keyring_opened_to_others_stops_serve_with_one_line_and_the_fix(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    create_keyring(keys)
    keys.chmod(0o755)  # a container volume, say
    result = run_longarm(
        "serve", "--no-worker", LONGARM_DATA_DIR=str(tmp_path / "data"), LONGARM_KEYS_DIR=str(keys)
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert f"run `chmod 700 {keys}`" in result.stderr
    assert "Longarm will not start" in result.stderr


def test_init_narrows_an_empty_keyring_volume_made_beforehand(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.mkdir(mode=0o755)
    keys.chmod(0o755)
    result = run_longarm(
        "init",
        "--recovery-key-out",
        str(tmp_path / "offline.key"),
        LONGARM_DATA_DIR=str(tmp_path / "data"),
        LONGARM_KEYS_DIR=str(keys),
    )
    assert result.returncode == 0, result.stderr
    assert keys.stat().st_mode & 0o777 == 0o700


def test_doctor_lists_every_check_and_fails_on_a_refusal(tmp_path: Path) -> None:
    result = run_longarm(
        "doctor", LONGARM_DATA_DIR=str(tmp_path / "data"), LONGARM_KEYS_DIR=str(tmp_path / "none")
    )
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert any(line.startswith("error    keyring: keyring directory") for line in lines), lines
    assert {line.split(":")[0].split()[-1] for line in lines} >= {
        "keyring",
        "environment",
        "database",
        "storage",
    }


def test_a_deployment_before_init_is_told_to_run_init_once_per_line(tmp_path: Path) -> None:
    result = run_longarm(
        "doctor",
        LONGARM_DATA_DIR=str(tmp_path / "data"),
        LONGARM_KEYS_DIR=str(tmp_path / "keys"),
        LONGARM_KEYS_ON_DATABASE_DISK="true",
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    errors = [line for line in (result.stdout + result.stderr).splitlines() if line.startswith("error")]
    assert errors
    for line in errors:
        assert line.count("run `longarm init`") == 1, line

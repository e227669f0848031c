"""The running server's keyring is cached: a call looks at the directory, not at every key file, and still
sees a rotation (a new file renamed into place) at the next call."""

import os
import time
from pathlib import Path

import pytest
from django.test import override_settings

from longarm.core import keyring as core_keyring
from longarm.core.keyring import current_keyring
from longarm.crypto.envelopes import new_keypair
from longarm.crypto.keyring import (
    RECOVERY_PUBLIC_KEY_FILE,
    create_keyring,
    load_keyring,
    replace_recovery_public_key,
)


@pytest.fixture
def keys_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "keys"
    create_keyring(directory)
    return directory


def _age(directory: Path, seconds: int = 60) -> None:
    """Date the directory's last change a minute back, as it is on a server long after `longarm init`."""
    status = directory.stat()
    os.utime(directory, ns=(status.st_atime_ns, status.st_mtime_ns - seconds * 1_000_000_000))


def test_a_call_on_a_settled_keyring_stats_the_directory_only(
    keys_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _age(keys_dir)
    with override_settings(KEYS_DIR=keys_dir):
        first = current_keyring()
        stats: list[str] = []
        real_stat = os.stat

        def counting(path: "os.PathLike[str] | str", *args: object, **kwargs: object) -> os.stat_result:
            stats.append(str(path))
            return real_stat(path, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(core_keyring.os, "stat", counting)
        for _ in range(10):
            assert current_keyring() is first
        monkeypatch.setattr(core_keyring.os, "stat", real_stat)
    assert stats == [str(keys_dir)] * 10


def test_a_recovery_key_rotation_is_seen_at_the_next_call(keys_dir: Path) -> None:
    _age(keys_dir)
    with override_settings(KEYS_DIR=keys_dir):
        before = current_keyring()
        assert current_keyring() is before
        new_public = new_keypair().public
        replace_recovery_public_key(keys_dir, new_public)
        assert current_keyring().recovery_public_key == new_public


def test_a_rotation_within_the_directorys_timestamp_tick_is_seen(
    keys_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a file system with coarse timestamps a rename made in the tick of the directory's last change
    leaves its stamp as it was: a stamp that recent is not trusted alone."""
    now = time.time_ns()
    monkeypatch.setattr(core_keyring, "_directory_stamp", lambda directory: (1, now, now))
    with override_settings(KEYS_DIR=keys_dir):
        current_keyring()
        new_public = new_keypair().public
        replace_recovery_public_key(keys_dir, new_public)
        assert current_keyring().recovery_public_key == new_public


def test_a_key_file_edited_in_place_is_seen_within_a_second(
    keys_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Written over by hand (same inode, same directory stamp), not renamed into place as every command
    does: the files are looked at again once a second."""
    long_ago = time.time_ns() - 60_000_000_000
    monkeypatch.setattr(core_keyring, "_directory_stamp", lambda directory: (1, long_ago, long_ago))
    other = keys_dir.parent / "other"
    create_keyring(other)
    with override_settings(KEYS_DIR=keys_dir):
        before = current_keyring()
        path = keys_dir / RECOVERY_PUBLIC_KEY_FILE
        with path.open("r+b") as file:
            file.write((other / RECOVERY_PUBLIC_KEY_FILE).read_bytes())
            file.truncate()
        assert current_keyring() is before  # within the second
        later = time.time_ns() + 2_000_000_000
        monkeypatch.setattr(core_keyring.time, "time_ns", lambda: later)
        assert current_keyring().recovery_public_key == load_keyring(other).recovery_public_key

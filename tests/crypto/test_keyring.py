import base64
import errno
import os
import stat
import threading
from pathlib import Path

import pytest

from longarm.crypto.envelopes import keypair_from_private_key, new_keypair, seal, unseal
from longarm.crypto.errors import KeyringError
from longarm.crypto.keyring import (
    INDEX_KEY_FILE,
    KEY_FILES,
    PROCESSING_KEY_FILE,
    RECEIPT_PEPPER_FILE,
    RECOVERY_PUBLIC_KEY_FILE,
    SIGNING_KEY_FILE,
    Keyring,
    KeyringCreation,
    create_keyring,
    load_keyring,
    load_recovery_private_key,
    write_recovery_private_key,
)
from longarm.crypto.signing import sign, verify_signature


@pytest.fixture
def keys_dir(tmp_path: Path) -> Path:
    return tmp_path / "var" / "keys"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def contents(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in directory.iterdir()}


def test_create_keyring_writes_every_key_file_privately(keys_dir: Path) -> None:
    creation = create_keyring(keys_dir)

    assert creation.created == KEY_FILES
    assert mode(keys_dir) == 0o700
    assert sorted(os.listdir(keys_dir)) == sorted(KEY_FILES)
    for name in KEY_FILES:
        assert mode(keys_dir / name) == 0o600
        assert len(base64.b64decode((keys_dir / name).read_bytes().strip(), validate=True)) == 32


def test_create_keyring_sets_exact_modes_whatever_the_umask(keys_dir: Path) -> None:
    previous = os.umask(0)
    try:
        create_keyring(keys_dir)
    finally:
        os.umask(previous)

    assert mode(keys_dir) == 0o700
    assert {mode(keys_dir / name) for name in KEY_FILES} == {0o600}


def test_created_keyring_is_what_load_keyring_reads(keys_dir: Path) -> None:
    creation = create_keyring(keys_dir)

    assert load_keyring(keys_dir) == creation.keyring


def test_created_keys_are_distinct(keys_dir: Path) -> None:
    keyring = create_keyring(keys_dir).keyring

    secrets = {
        keyring.receipt_pepper,
        keyring.index_key,
        keyring.signing_seed,
        keyring.processing_private_key,
    }

    assert len(secrets) == 4


def test_recovery_private_key_is_returned_once_and_never_stored_in_the_keyring(keys_dir: Path) -> None:
    creation = create_keyring(keys_dir)

    assert creation.recovery_private_key is not None
    recovery = keypair_from_private_key(creation.recovery_private_key)
    assert recovery.public == creation.keyring.recovery_public_key
    encoded = base64.b64encode(recovery.private)
    assert all(encoded not in content for content in contents(keys_dir).values())


def test_running_create_keyring_again_creates_and_changes_nothing(keys_dir: Path) -> None:
    first = create_keyring(keys_dir)
    before = contents(keys_dir)

    again = create_keyring(keys_dir)

    assert again.created == ()
    assert again.recovery_private_key is None
    assert again.keyring == first.keyring
    assert contents(keys_dir) == before


def test_create_keyring_fills_in_only_missing_files(keys_dir: Path) -> None:
    create_keyring(keys_dir)
    before = contents(keys_dir)
    (keys_dir / INDEX_KEY_FILE).unlink()

    again = create_keyring(keys_dir)

    assert again.created == (INDEX_KEY_FILE,)
    assert again.recovery_private_key is None
    after = contents(keys_dir)
    assert after[INDEX_KEY_FILE] != before[INDEX_KEY_FILE]
    assert {name: after[name] for name in after if name != INDEX_KEY_FILE} == {
        name: before[name] for name in before if name != INDEX_KEY_FILE
    }


def test_a_missing_recovery_public_key_gets_a_new_pair(keys_dir: Path) -> None:
    first = create_keyring(keys_dir)
    (keys_dir / RECOVERY_PUBLIC_KEY_FILE).unlink()

    again = create_keyring(keys_dir)

    assert again.created == (RECOVERY_PUBLIC_KEY_FILE,)
    assert again.recovery_private_key is not None
    assert again.recovery_private_key != first.recovery_private_key
    assert keypair_from_private_key(again.recovery_private_key).public == again.keyring.recovery_public_key


def test_concurrent_creation_writes_each_file_once_and_agrees_on_the_keys(keys_dir: Path) -> None:
    results: list[KeyringCreation | Exception] = []
    barrier = threading.Barrier(8)

    def create() -> None:
        barrier.wait()
        try:
            results.append(create_keyring(keys_dir))
        except Exception as error:  # the assertion below shows any failure with its thread's result
            results.append(error)

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    creations = [result for result in results if isinstance(result, KeyringCreation)]
    assert len(creations) == 8, results
    created = [name for creation in creations for name in creation.created]
    assert sorted(created) == sorted(KEY_FILES)
    assert len({creation.keyring for creation in creations}) == 1
    recovery_keys = [c.recovery_private_key for c in creations if c.recovery_private_key]
    assert len(recovery_keys) == 1
    assert keypair_from_private_key(recovery_keys[0]).public == load_keyring(keys_dir).recovery_public_key
    assert sorted(os.listdir(keys_dir)) == sorted(KEY_FILES)


def test_create_keyring_refuses_an_existing_directory_others_can_read(keys_dir: Path) -> None:
    keys_dir.mkdir(parents=True, mode=0o755)
    keys_dir.chmod(0o755)

    with pytest.raises(KeyringError, match="chmod 700"):
        create_keyring(keys_dir)
    assert os.listdir(keys_dir) == []


def test_keyring_keys_work_together(keys_dir: Path) -> None:
    keyring = create_keyring(keys_dir).keyring

    verify_signature(keyring.signing_public_key, b"manifest", sign(keyring.signing_seed, b"manifest"))
    assert (
        unseal(keyring.processing_private_key, seal(keyring.processing_public_key, b"file key"))
        == b"file key"
    )


def test_keyring_repr_shows_public_keys_only(keys_dir: Path) -> None:
    creation = create_keyring(keys_dir)
    keyring = creation.keyring

    shown = repr(keyring) + repr(creation)

    assert keyring.recovery_public_key.hex() in shown
    assert creation.recovery_private_key is not None
    for secret in [
        keyring.receipt_pepper,
        keyring.index_key,
        keyring.signing_seed,
        keyring.processing_private_key,
        creation.recovery_private_key,
    ]:
        assert secret.hex() not in shown
        assert repr(secret) not in shown
        assert base64.b64encode(secret).decode() not in shown


def test_keyring_refuses_keys_of_wrong_length() -> None:
    with pytest.raises(ValueError, match="index key"):
        Keyring(
            receipt_pepper=bytes(32),
            index_key=bytes(31),
            signing_seed=bytes(32),
            processing_private_key=bytes(32),
            recovery_public_key=bytes(32),
        )


def test_load_keyring_reports_a_missing_directory(keys_dir: Path) -> None:
    with pytest.raises(KeyringError, match="does not exist"):
        load_keyring(keys_dir)


def test_load_keyring_reports_a_path_that_is_not_a_directory(tmp_path: Path) -> None:
    (tmp_path / "keys").write_bytes(b"")

    with pytest.raises(KeyringError, match="not a directory"):
        load_keyring(tmp_path / "keys")


@pytest.mark.parametrize("name", KEY_FILES)
def test_load_keyring_reports_each_missing_file_by_name(keys_dir: Path, name: str) -> None:
    create_keyring(keys_dir)
    (keys_dir / name).unlink()

    with pytest.raises(KeyringError, match=f"{name} is missing"):
        load_keyring(keys_dir)


@pytest.mark.parametrize(
    "content",
    [b"", b"not base64!\n", base64.b64encode(bytes(31)) + b"\n", base64.b64encode(bytes(33)), bytes(32)],
    ids=["empty", "not-base64", "31-bytes", "33-bytes", "raw-bytes"],
)
def test_load_keyring_refuses_malformed_key_files(keys_dir: Path, content: bytes) -> None:
    create_keyring(keys_dir)
    (keys_dir / SIGNING_KEY_FILE).write_bytes(content)

    with pytest.raises(KeyringError, match=SIGNING_KEY_FILE):
        load_keyring(keys_dir)


def test_load_keyring_refuses_an_oversized_key_file(keys_dir: Path) -> None:
    create_keyring(keys_dir)
    (keys_dir / RECEIPT_PEPPER_FILE).write_bytes(b"A" * 5000)

    with pytest.raises(KeyringError, match="too large"):
        load_keyring(keys_dir)


@pytest.mark.parametrize("file_mode", [0o640, 0o604, 0o660, 0o644, 0o602])
def test_load_keyring_refuses_key_files_others_can_access(keys_dir: Path, file_mode: int) -> None:
    create_keyring(keys_dir)
    (keys_dir / PROCESSING_KEY_FILE).chmod(file_mode)

    with pytest.raises(KeyringError, match="chmod 600"):
        load_keyring(keys_dir)


@pytest.mark.parametrize("dir_mode", [0o750, 0o701, 0o755, 0o710])
def test_load_keyring_refuses_a_directory_others_can_access(keys_dir: Path, dir_mode: int) -> None:
    create_keyring(keys_dir)
    keys_dir.chmod(dir_mode)

    with pytest.raises(KeyringError, match="chmod 700"):
        load_keyring(keys_dir)


def test_load_keyring_refuses_a_key_path_that_is_a_directory(keys_dir: Path) -> None:
    create_keyring(keys_dir)
    (keys_dir / INDEX_KEY_FILE).unlink()
    (keys_dir / INDEX_KEY_FILE).mkdir(mode=0o700)

    with pytest.raises(KeyringError, match="not a regular file"):
        load_keyring(keys_dir)


def test_recovery_private_key_round_trips_through_its_file(tmp_path: Path, keys_dir: Path) -> None:
    recovery = new_keypair()
    path = tmp_path / "offline" / "longarm-recovery.key"
    path.parent.mkdir()

    write_recovery_private_key(path, recovery.private, forbidden_dirs=[keys_dir])

    assert mode(path) == 0o600
    text = path.read_text()
    assert text.startswith("# Longarm recovery private key.")
    assert "offline" in text
    assert load_recovery_private_key(path) == recovery.private


@pytest.mark.parametrize("relative", ["recovery.key", "sub/recovery.key"])
def test_recovery_private_key_is_never_written_inside_a_forbidden_directory(
    keys_dir: Path, relative: str
) -> None:
    create_keyring(keys_dir)
    (keys_dir / "sub").mkdir()

    with pytest.raises(KeyringError, match="refusing"):
        write_recovery_private_key(keys_dir / relative, new_keypair().private, forbidden_dirs=[keys_dir])
    assert not (keys_dir / relative).exists()


def test_recovery_private_key_forbidden_directory_check_sees_through_symlinks(
    tmp_path: Path, keys_dir: Path
) -> None:
    create_keyring(keys_dir)
    (tmp_path / "innocent").symlink_to(keys_dir)

    with pytest.raises(KeyringError, match="refusing"):
        write_recovery_private_key(
            tmp_path / "innocent" / "recovery.key", new_keypair().private, forbidden_dirs=[keys_dir]
        )
    with pytest.raises(KeyringError, match="refusing"):
        write_recovery_private_key(
            keys_dir / "recovery.key", new_keypair().private, forbidden_dirs=[tmp_path / "innocent"]
        )


def test_recovery_private_key_never_overwrites_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "recovery.key"
    path.write_bytes(b"precious")

    with pytest.raises(KeyringError, match="already exists"):
        write_recovery_private_key(path, new_keypair().private, forbidden_dirs=[])
    assert path.read_bytes() == b"precious"
    assert os.listdir(tmp_path) == ["recovery.key"]


def test_recovery_private_key_in_a_missing_directory_raises_keyring_error(tmp_path: Path) -> None:
    with pytest.raises(KeyringError, match="cannot write"):
        write_recovery_private_key(tmp_path / "absent" / "r.key", new_keypair().private, forbidden_dirs=[])


def test_recovery_private_key_of_wrong_length_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="recovery private key"):
        write_recovery_private_key(tmp_path / "r.key", b"k" * 31, forbidden_dirs=[])


def test_recovery_key_is_written_on_filesystems_without_hard_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_hard_links(source: object, target: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_hard_links)
    recovery = new_keypair()
    path = tmp_path / "recovery.key"

    write_recovery_private_key(path, recovery.private, forbidden_dirs=[])

    assert load_recovery_private_key(path) == recovery.private
    assert os.listdir(tmp_path) == ["recovery.key"]
    with pytest.raises(KeyringError, match="already exists"):
        write_recovery_private_key(path, new_keypair().private, forbidden_dirs=[])
    assert load_recovery_private_key(path) == recovery.private


@pytest.mark.parametrize(
    "content",
    [
        b"# only a comment\n",
        b"# header\n" + base64.b64encode(bytes(32)) + b"\n" + base64.b64encode(bytes(32)) + b"\n",
        b"# header\n" + base64.b64encode(bytes(16)) + b"\n",
        b"# header\nnot base64\n",
    ],
    ids=["no-key", "two-keys", "short-key", "not-base64"],
)
def test_load_recovery_private_key_refuses_malformed_files(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "recovery.key"
    path.write_bytes(content)

    with pytest.raises(KeyringError):
        load_recovery_private_key(path)


def test_load_recovery_private_key_reports_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(KeyringError, match="missing"):
        load_recovery_private_key(tmp_path / "recovery.key")

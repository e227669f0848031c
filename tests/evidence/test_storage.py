"""BlobWriter: whatever the size of the pieces and however the file system takes the writes, a blob decrypts
to exactly what was written, its hash and size are right, and a failed write leaves nothing behind."""

import errno
import hashlib
import os
import secrets
import threading

import pytest

from longarm.crypto.errors import DecryptionError
from longarm.crypto.streams import CHUNK_BYTES, decrypt_stream
from longarm.evidence import storage
from longarm.evidence.storage import BlobWriter, new_storage_name, open_blob
from tests.evidence.store import local_disk_only, stored_bytes, stored_names

KEY = bytes(range(32))
CONTEXT = b"longarm storage test"
MIB = 1024 * 1024
SIZES = [0, 1, CHUNK_BYTES - 1, CHUNK_BYTES + 1, 3 * MIB + 5, 4096, 17, 2 * MIB]


def write_blob(pieces: list[bytes | bytearray | memoryview]) -> tuple[str, storage.Written]:
    name = new_storage_name()
    writer = BlobWriter(name, KEY, context=CONTEXT)
    for piece in pieces:
        writer.write(piece)  # type: ignore[arg-type]  # any buffer is accepted at run time
    return name, writer.finish()


def read_blob(name: str, length: int) -> bytes:
    return b"".join(decrypt_stream(KEY, open_blob(name), context=CONTEXT, length=length))


def files_in_store() -> list[str]:
    """Every blob, whole or partly written, by its name's last part."""
    return [name.split("/")[1] for name in stored_names()]


@pytest.fixture(params=["direct", "cached"])
def write_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways a blob reaches the disk: bypassing the page cache where the file system allows it, and
    through the cache (tmpfs and file systems without O_DIRECT)."""
    if request.param == "cached":
        monkeypatch.setattr(storage, "_enable_direct", lambda fd: False)
    return str(request.param)


def test_a_blob_decrypts_to_exactly_the_pieces_written(write_mode: str) -> None:
    pieces = [secrets.token_bytes(size) for size in SIZES]
    name, written = write_blob(list(pieces))
    plaintext = b"".join(pieces)
    assert read_blob(name, written.size) == plaintext
    assert written.size == len(plaintext)
    assert written.sha256 == hashlib.sha256(plaintext).hexdigest()
    assert files_in_store() == [name.split("/")[1]]


def test_an_empty_blob_is_a_valid_stream(write_mode: str) -> None:
    name, written = write_blob([])
    assert read_blob(name, 0) == b""
    assert written.sha256 == hashlib.sha256(b"").hexdigest()


def test_a_buffer_reused_by_the_caller_after_writing_does_not_change_the_blob() -> None:
    buffer = bytearray(secrets.token_bytes(3 * CHUNK_BYTES + 11))
    original = bytes(buffer)
    name = new_storage_name()
    writer = BlobWriter(name, KEY, context=CONTEXT)
    writer.write(buffer)  # type: ignore[arg-type]  # a bytearray, as a socket reader might hand over
    buffer[:] = bytes(len(buffer))
    writer.write(memoryview(buffer))  # type: ignore[arg-type]
    written = writer.finish()
    assert read_blob(name, written.size) == original + bytes(len(buffer))
    assert written.sha256 == hashlib.sha256(original + bytes(len(buffer))).hexdigest()


@local_disk_only
def test_a_device_refusing_direct_writes_gets_them_through_the_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    real_write = os.write
    refused: list[int] = []

    def refusing(fd: int, data: bytes) -> int:
        if not refused:
            refused.append(fd)
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_write(fd, data)

    monkeypatch.setattr(storage, "_enable_direct", lambda fd: True)
    monkeypatch.setattr("longarm.evidence.storage.os.write", refusing)
    pieces = [secrets.token_bytes(size) for size in SIZES]
    name, written = write_blob(list(pieces))
    assert refused
    assert read_blob(name, written.size) == b"".join(pieces)
    assert written.size == sum(SIZES)


@local_disk_only
@pytest.mark.parametrize("failing", ["write", "fsync"])
def test_a_full_disk_raises_and_leaves_no_file(
    write_mode: str, failing: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*args: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(f"longarm.evidence.storage.os.{failing}", full)
    name = new_storage_name()
    writer = BlobWriter(name, KEY, context=CONTEXT)

    def write_and_finish() -> None:
        for _ in range(8):
            writer.write(secrets.token_bytes(MIB))
        writer.finish()

    with pytest.raises(OSError, match="No space left"):
        write_and_finish()
    writer.abort()
    assert files_in_store() == []


def test_aborting_removes_the_partial_blob_and_stops_the_helper_threads() -> None:
    threads = threading.active_count()
    name = new_storage_name()
    writer = BlobWriter(name, KEY, context=CONTEXT)
    assert threading.active_count() > threads
    writer.write(secrets.token_bytes(3 * MIB))
    writer.abort()
    writer.abort()
    assert files_in_store() == []
    assert threading.active_count() == threads


def test_padded_sizes_grow_by_at_most_twelve_percent_and_gather_sizes_into_few_lengths() -> None:
    for size in [*range(5000), *range(CHUNK_BYTES - 300, CHUNK_BYTES + 300), 3 * MIB + 5, 2 * 1024**3 - 1]:
        padded = storage.padded_size(size)
        assert size <= padded <= size * 1.12 + 1
    assert len({storage.padded_size(size) for size in range(MIB, 2 * MIB)}) <= 512
    assert storage.padded_size(1_234_567) == storage.padded_size(1_230_000)


def test_files_of_different_sizes_in_one_bucket_are_stored_as_blobs_of_one_length() -> None:
    """Issue 11: the length of a stored blob must not give the exact size of a picture a thief holds."""
    first, second = secrets.token_bytes(1_230_000), secrets.token_bytes(1_234_567)
    lengths = []
    for content in (first, second):
        name, written = write_blob([content])
        assert read_blob(name, written.size) == content
        lengths.append(len(stored_bytes(name)))
    assert lengths[0] == lengths[1]


def test_a_reader_expecting_more_than_the_blob_holds_fails() -> None:
    name, written = write_blob([b"short"])
    with pytest.raises(DecryptionError, match="shorter"):
        read_blob(name, storage.padded_size(written.size) + 1)

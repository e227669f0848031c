"""Where encrypted evidence lives on disk. Every path is made and checked here (like SecureDrop's
``Storage.verify()``): names follow one pattern, and the resolved path must stay inside the evidence root.

Only ciphertext is ever written. A blob is written under a ``.partial`` name and renamed when complete, so
a crashed upload never leaves a file that looks whole.
"""

import hashlib
import os
import queue
import re
import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from django.conf import settings

from longarm.crypto.streams import CHUNK_BYTES, ENCRYPTED_CHUNK_BYTES, HEADER_BYTES, StreamEncryptor

_NAME = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{32}-(original|derivative|preview)-[0-9a-f]{16}\.enc$")
_PARTIAL = ".partial"
_FILE_MODE = 0o600
_WRITEBACK_BYTES = 8 * 1024 * 1024
_BLOCK_BYTES = 1024 * 1024
_QUEUE_DEPTH = 4


class StorageError(Exception):
    """A storage name or path that does not belong to the evidence store."""


def evidence_root() -> Path:
    root = Path(settings.STORAGE_DIR) / "evidence"
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    return root


def new_storage_name(item_id: UUID, variant: str) -> str:
    return f"{item_id.hex[:2]}/{item_id.hex}-{variant}-{secrets.token_hex(8)}.enc"


def verify(name: str) -> Path:
    """Return the absolute path of a stored blob name.

    Raises:
        StorageError: if the name does not match the storage pattern or resolves outside the root.
    """
    if not _NAME.fullmatch(name):
        raise StorageError("not an evidence storage name")
    root = evidence_root().resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root):
        raise StorageError("storage name escapes the evidence root")
    return path


def open_blob(name: str) -> Iterator[bytes]:
    """Yield a blob's ciphertext in pieces the size of an encrypted chunk."""
    with verify(name).open("rb") as file:
        yield file.read(HEADER_BYTES)
        while block := file.read(ENCRYPTED_CHUNK_BYTES):
            yield block


def delete_blob(name: str) -> bool:
    """Delete a blob (and any partial write of it); return whether there was a whole blob to delete."""
    path = verify(name)
    path.with_name(path.name + _PARTIAL).unlink(missing_ok=True)
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


@dataclass(frozen=True)
class Written:
    """What a finished blob holds: the size and SHA-256 of its plaintext."""

    size: int
    sha256: str


class BlobWriter:
    """Encrypts and hashes plaintext pieces as they come and appends the ciphertext to a new blob.

    Hashing, and encryption with the disk write, each run on a helper thread while the caller goes on
    (parsing the request): hashlib, libsodium and the file system release the GIL, so the three overlap
    on separate cores. At most ``_QUEUE_DEPTH`` blocks of ``_BLOCK_BYTES`` wait for either helper, so
    memory stays bounded for any size.
    """

    def __init__(self, name: str, key: bytes, *, context: bytes) -> None:
        self.name = name
        self._path = verify(name)
        self._path.parent.mkdir(mode=0o700, exist_ok=True)
        self._partial = self._path.with_name(self._path.name + _PARTIAL)
        fd = os.open(self._partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, _FILE_MODE)
        self._file = os.fdopen(fd, "wb", buffering=4 * CHUNK_BYTES)
        self._encryptor = StreamEncryptor(key, context=context)
        self._file.write(self._encryptor.header)
        self._hash = hashlib.sha256()
        self._size = 0
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._error: BaseException | None = None
        self._queues: list[queue.Queue[bytes | None]] = []
        self._threads: list[threading.Thread] = []
        for work in (self._encrypt, self._hash.update):
            blocks: queue.Queue[bytes | None] = queue.Queue(maxsize=_QUEUE_DEPTH)
            thread = threading.Thread(target=self._drain, args=(blocks, work), daemon=True)
            self._queues.append(blocks)
            self._threads.append(thread)
            thread.start()
        self._unflushed = 0

    def _drain(self, blocks: "queue.Queue[bytes | None]", work: Callable[[bytes], object]) -> None:
        while (block := blocks.get()) is not None:
            if self._error is not None:
                continue
            try:
                work(block)
            except BaseException as error:
                self._error = error

    def _encrypt(self, block: bytes) -> None:
        ciphertext = self._encryptor.write(block)
        self._file.write(ciphertext)
        self._unflushed += len(ciphertext)
        if self._unflushed >= _WRITEBACK_BYTES:
            self._unflushed = 0
            # Start writing what is cached to disk now, in the background, so that the fsync at the end
            # has little left to wait for and a large upload does not fill memory with dirty pages.
            self._file.flush()
            if hasattr(os, "posix_fadvise"):
                os.posix_fadvise(self._file.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)

    def _hand_over(self) -> None:
        block = b"".join(self._pending)
        self._pending, self._pending_bytes = [], 0
        for blocks in self._queues:
            blocks.put(block)

    def write(self, piece: bytes) -> None:
        self._pending.append(piece)
        self._pending_bytes += len(piece)
        self._size += len(piece)
        if self._pending_bytes >= _BLOCK_BYTES:
            self._hand_over()

    def _stop(self) -> None:
        for blocks, thread in zip(self._queues, self._threads, strict=True):
            if thread.is_alive():
                blocks.put(None)
                thread.join()

    def finish(self) -> Written:
        """Write the final chunk, flush it to disk and give the blob its final name.

        Returns:
            the plaintext's size and SHA-256.

        Raises:
            OSError: if writing failed (the disk is full); the blob is then removed.
        """
        if self._pending:
            self._hand_over()
        self._stop()
        if self._error is not None:
            error = self._error
            self.abort()
            raise error
        self._file.write(self._encryptor.finish())
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        os.replace(self._partial, self._path)
        return Written(size=self._size, sha256=self._hash.hexdigest())

    def abort(self) -> None:
        self._error = self._error or RuntimeError("aborted")
        self._stop()
        if not self._file.closed:
            self._file.close()
        self._partial.unlink(missing_ok=True)
        self._path.unlink(missing_ok=True)

"""Where encrypted evidence lives on disk. Every path is made and checked here (like SecureDrop's
``Storage.verify()``): names follow one pattern, and the resolved path must stay inside the evidence root.

Only ciphertext is ever written. A blob is written under a ``.partial`` name and renamed when complete, so
a crashed upload never leaves a file that looks whole.
"""

import os
import queue
import re
import secrets
import threading
from collections.abc import Iterator
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


class BlobWriter:
    """Encrypts plaintext pieces as they come and appends the ciphertext to a new blob.

    Encryption and disk writes run on a helper thread while the caller goes on (parsing the request,
    hashing): libsodium and the file system release the GIL, so the two overlap on separate cores. At most
    ``_QUEUE_DEPTH`` blocks of ``_BLOCK_BYTES`` wait between them, so memory stays bounded for any size.
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
        self._pending = bytearray()
        self._blocks: queue.Queue[bytes | None] = queue.Queue(maxsize=_QUEUE_DEPTH)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._drain, name="longarm-blob-writer", daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        unflushed = 0
        while (block := self._blocks.get()) is not None:
            if self._error is not None:
                continue
            try:
                ciphertext = self._encryptor.write(block)
                self._file.write(ciphertext)
                unflushed += len(ciphertext)
                if unflushed >= _WRITEBACK_BYTES:
                    unflushed = 0
                    self._start_writeback()
            except BaseException as error:
                self._error = error

    def _start_writeback(self) -> None:
        # Start writing what is cached to disk now, in the background, so that the fsync at the end has
        # little left to wait for and a large upload does not fill memory with dirty pages.
        self._file.flush()
        if hasattr(os, "posix_fadvise"):
            os.posix_fadvise(self._file.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)

    def write(self, piece: bytes) -> None:
        self._pending += piece
        if len(self._pending) >= _BLOCK_BYTES:
            self._blocks.put(bytes(self._pending))
            self._pending = bytearray()

    def _stop(self) -> None:
        if self._thread.is_alive():
            self._blocks.put(None)
            self._thread.join()

    def finish(self) -> None:
        """Write the final chunk, flush it to disk and give the blob its final name.

        Raises:
            OSError: if writing failed (the disk is full); the blob is then removed.
        """
        if self._pending:
            self._blocks.put(bytes(self._pending))
            self._pending = bytearray()
        self._stop()
        if self._error is not None:
            self.abort()
            raise self._error
        self._file.write(self._encryptor.finish())
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        os.replace(self._partial, self._path)

    def abort(self) -> None:
        self._error = self._error or RuntimeError("aborted")
        self._stop()
        if not self._file.closed:
            self._file.close()
        self._partial.unlink(missing_ok=True)
        self._path.unlink(missing_ok=True)

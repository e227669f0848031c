"""Where encrypted evidence lives: files under ``LONGARM_STORAGE_DIR``, or objects in an S3-compatible
bucket when ``LONGARM_STORAGE_URL=s3://…`` is set (``evidence.object_store``). Every path and object key is
made and checked here (like SecureDrop's ``Storage.verify()``): names follow one pattern, and the resolved
path must stay inside the evidence root.

Only ciphertext is ever written. A file is written under a ``.partial`` name and renamed when complete, an
object by a multipart upload completed at the end, so a crashed upload never leaves a blob that looks whole.

Names are random: since names came to be object keys, a new blob's name says nothing of its item or its
variant (older names hold their item's random id and the variant, and stay valid).
"""

import contextlib
import errno
import fcntl
import hashlib
import logging
import mmap
import os
import queue
import re
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol, Self

from django.conf import settings

from longarm.crypto.streams import ENCRYPTED_CHUNK_BYTES, HEADER_BYTES, StreamEncryptor
from longarm.evidence import object_store
from longarm.evidence.exceptions import StorageUnavailable as StorageUnavailable  # raised from here
from longarm.evidence.object_store import Bucket, ObjectFile

logger = logging.getLogger(__name__)

NAME_PATTERN = r"[0-9a-f]{2}/(?:[0-9a-f]{64}|[0-9a-f]{32}-(?:original|derivative|preview)-[0-9a-f]{16})\.enc"
_NAME = re.compile(NAME_PATTERN)
_PARTIAL = ".partial"
_FILE_MODE = 0o600
_WRITEBACK_BYTES = 8 * 1024 * 1024
_BLOCK_BYTES = 1024 * 1024
_QUEUE_DEPTH = 4
_POOL_BUFFERS = 4
_DIRECT_ALIGN = 4096


class StorageError(Exception):
    """A storage name or path that does not belong to the evidence store."""


def evidence_root() -> Path:
    root = Path(settings.STORAGE_DIR) / "evidence"
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    return root


def in_bucket() -> bool:
    """Whether evidence is kept in a bucket rather than under ``LONGARM_STORAGE_DIR``."""
    return object_store.configured_bucket() is not None


def new_storage_name() -> str:
    """A new blob's name: random, so that as an object key it gives nothing away."""
    token = secrets.token_hex(32)
    return f"{token[:2]}/{token}.enc"


def _checked(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise StorageError("not an evidence storage name")
    return name


def verify(name: str) -> Path:
    """Return the absolute path of a stored blob name (for the local store).

    Raises:
        StorageError: if the name does not match the storage pattern or resolves outside the root.
    """
    _checked(name)
    root = evidence_root().resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root):
        raise StorageError("storage name escapes the evidence root")
    return path


def object_key(bucket: Bucket, name: str) -> str:
    """The key of a stored blob name in the bucket: the name under the configured prefix.

    Raises:
        StorageError: if the name does not match the storage pattern.
    """
    return bucket.prefix + _checked(name)


def _name_of(bucket: Bucket, key: str) -> str | None:
    name = key.removeprefix(bucket.prefix)
    return name if key.startswith(bucket.prefix) and _NAME.fullmatch(name) else None


def _block_sizes() -> Iterator[int]:
    yield HEADER_BYTES
    while True:
        yield ENCRYPTED_CHUNK_BYTES


def open_blob(name: str) -> Iterator[bytes]:
    """Yield a blob's ciphertext in pieces the size of an encrypted chunk.

    Raises (while iterating):
        StorageUnavailable: if the bucket cannot be read.
    """
    bucket = object_store.configured_bucket()
    if bucket is not None:
        yield from object_store.read_object(bucket, object_key(bucket, name), _block_sizes())
        return
    with verify(name).open("rb") as file:
        yield file.read(HEADER_BYTES)
        while block := file.read(ENCRYPTED_CHUNK_BYTES):
            yield block


@contextlib.contextmanager
def blob_file(name: str) -> Iterator[tuple[int, BinaryIO]]:
    """A whole blob's ciphertext as its size and a stream to ``read`` (for backups)."""
    bucket = object_store.configured_bucket()
    if bucket is not None:
        size, body = object_store.open_object(bucket, object_key(bucket, name))
        try:
            yield size, body
        finally:
            body.close()
        return
    with verify(name).open("rb") as file:
        yield os.fstat(file.fileno()).st_size, file


def stored_blobs() -> Iterator[tuple[str, float]]:
    """Every blob in storage, whole or partly written, as its storage name and the time it was last written
    (seconds since the epoch); a name may come twice. Files and objects that do not follow the naming
    pattern are not blobs and are skipped.

    Raises:
        StorageUnavailable: if the bucket cannot be listed.
    """
    bucket = object_store.configured_bucket()
    if bucket is not None:
        for key, written_at in object_store.list_objects(bucket):
            if name := _name_of(bucket, key):
                yield name, written_at
        for key, _, started_at in object_store.list_unfinished(bucket):
            if name := _name_of(bucket, key):
                yield name, started_at
        return
    root = evidence_root()
    for path in root.glob("*/*"):
        name = path.relative_to(root).as_posix().removesuffix(_PARTIAL)
        if _NAME.fullmatch(name):
            try:
                yield name, path.stat().st_mtime
            except FileNotFoundError:  # deleted meanwhile
                continue


def whole_blobs() -> Iterator[str]:
    """The name of every whole blob (not one being written), in order.

    Raises:
        StorageUnavailable: if the bucket cannot be listed.
    """
    bucket = object_store.configured_bucket()
    if bucket is not None:
        # S3 lists keys in order; only whole objects are listed.
        for key, _ in object_store.list_objects(bucket):
            if name := _name_of(bucket, key):
                yield name
        return
    root = evidence_root()
    for path in sorted(root.glob("*/*")):
        name = path.relative_to(root).as_posix()
        if _NAME.fullmatch(name) and path.is_file():
            yield name


def delete_blob(name: str) -> bool:
    """Delete a blob (and any partial write of it); return whether there was a whole blob to delete.

    Raises:
        StorageUnavailable: if the bucket cannot be reached.
    """
    bucket = object_store.configured_bucket()
    if bucket is not None:
        return object_store.delete_object(bucket, object_key(bucket, name))
    path = verify(name)
    path.with_name(path.name + _PARTIAL).unlink(missing_ok=True)
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def delete_blobs_or_leave_to_sweep(names: Iterable[str]) -> None:
    """Delete blobs nothing refers to any more (their rows are gone). If storage cannot be reached now, the
    rest are left: no row names them, so the orphan sweep (``evidence_sweep``) deletes them later."""
    for name in names:
        try:
            delete_blob(name)
        except StorageUnavailable:
            logger.warning("evidence storage unreachable: blobs left for the orphan sweep")
            return


def storage_probe() -> None:
    """Check that a blob could be written now: a probe file or object is written and removed.

    Raises:
        OSError: if not (``StorageUnavailable`` for a bucket).
    """
    bucket = object_store.configured_bucket()
    if bucket is not None:
        object_store.probe(bucket, f"{bucket.prefix}.ready-{secrets.token_hex(8)}")
        return
    # The evidence store makes its root on first use, as this does.
    settings.STORAGE_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    probe = Path(settings.STORAGE_DIR) / f".ready-{secrets.token_hex(8)}"
    fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, _FILE_MODE)
    try:
        os.write(fd, b"\0")
    finally:
        os.close(fd)
        probe.unlink(missing_ok=True)


class RestoredBlob:
    """A blob's ciphertext copied back by ``longarm backup restore``, straight into the bucket: whole when
    the ``with`` block ends, given up if it fails."""

    def __init__(self, name: str) -> None:
        bucket = object_store.configured_bucket()
        assert bucket is not None  # noqa: S101 - a local restore stages files on disk instead
        self._object = ObjectFile(bucket, object_key(bucket, name))

    def write(self, data: bytes) -> int:
        self._object.append(data)
        return len(data)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, *rest: Any) -> None:
        if kind is None:
            try:
                self._object.commit()
            except BaseException:
                self._object.discard()
                raise
        else:
            with contextlib.suppress(StorageUnavailable):
                self._object.discard()


def padded_size(size: int) -> int:
    """The length a plaintext of ``size`` bytes is padded to before it is stored: Padmé (Nikitin et al.,
    "Reducing Metadata Leakage from Encrypted Files and Communication with PURBs", PETS 2019). At most
    12 % larger, and of a length that leaks O(log log size) bits: a stored blob no longer gives its file's
    exact size, which would find a known picture in a stolen file store."""
    if size < 2:
        return size
    exponent = size.bit_length() - 1
    low_bits = exponent - exponent.bit_length()
    mask = (1 << low_bits) - 1
    return (size + mask) & ~mask


@dataclass(frozen=True)
class Written:
    """What a finished blob holds: the size and SHA-256 of its plaintext (without the padding)."""

    size: int
    sha256: str


class _Worker[T]:
    """One helper thread that applies ``work`` to each item put to it, in order. After a failure it only
    hands items to ``release``; ``error`` holds the failure for the caller to raise."""

    def __init__(
        self, work: Callable[[T], object], *, depth: int, release: Callable[[T], object] | None = None
    ) -> None:
        self._work = work
        self._release = release
        self._items: queue.Queue[T | None] = queue.Queue(maxsize=depth)
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        while (item := self._items.get()) is not None:
            try:
                if self.error is None:
                    self._work(item)
            except BaseException as error:
                self.error = error
            finally:
                if self._release is not None:
                    self._release(item)

    def put(self, item: T) -> None:
        self._items.put(item)

    def stop(self) -> None:
        if self._thread.is_alive():
            self._items.put(None)
            self._thread.join()


class _Buffer:
    """A block of page-aligned memory (as direct writes require) and how much of it is filled."""

    def __init__(self) -> None:
        self.memory = mmap.mmap(-1, _BLOCK_BYTES)
        self.view = memoryview(self.memory)
        self.filled = 0

    def close(self) -> None:
        self.view.release()
        # A traceback may still hold a slice of the buffer; the garbage collector frees it then.
        with contextlib.suppress(BufferError):
            self.memory.close()


class _BlobFile:
    """The file a blob is written to.

    The caller copies ciphertext into a buffer as it is made, while it is still in the CPU cache; each full
    buffer goes to a helper thread that writes it with one system call, which releases the GIL, so the
    caller goes on meanwhile. Buffers go round a pool of ``_POOL_BUFFERS``: memory stays bounded, and the
    caller waits when the disk is slower than the upload.

    Where the file system allows it, writes bypass the page cache (``O_DIRECT``): ciphertext is not read
    back while an upload is written, and copying it through the cache, then writing it back, costs the
    kernel a good part of what hashing it costs. The tail that does not fill a block is written through the
    cache at the end.
    """

    def __init__(self, path: Path) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, _FILE_MODE)
        self._closed = False
        self._direct = _enable_direct(self._fd)
        self._unflushed = 0
        self._buffers = [_Buffer() for _ in range(_POOL_BUFFERS)]
        self._free: queue.Queue[_Buffer] = queue.Queue()
        for buffer in self._buffers[1:]:
            self._free.put(buffer)
        self._current = self._buffers[0]
        self._disk = _Worker(self._write_buffer, depth=0, release=self._recycle)

    @property
    def error(self) -> BaseException | None:
        return self._disk.error

    def append(self, piece: bytes) -> None:
        view = memoryview(piece)
        while len(view):
            buffer = self._current
            take = min(len(view), _BLOCK_BYTES - buffer.filled)
            buffer.view[buffer.filled : buffer.filled + take] = view[:take]
            buffer.filled += take
            view = view[take:]
            if buffer.filled == _BLOCK_BYTES:
                self._disk.put(buffer)
                self._current = self._free.get()

    def _recycle(self, buffer: _Buffer) -> None:
        buffer.filled = 0
        self._free.put(buffer)

    def _write_buffer(self, buffer: _Buffer) -> None:
        self._write_all(buffer.view[: buffer.filled])
        if self._direct:
            return
        self._unflushed += buffer.filled
        if self._unflushed >= _WRITEBACK_BYTES and hasattr(os, "posix_fadvise"):
            self._unflushed = 0
            # Start writing what is cached to disk now, in the background, so that the fsync at the end
            # has little left to wait for and a large upload does not fill memory with dirty pages.
            os.posix_fadvise(self._fd, 0, 0, os.POSIX_FADV_DONTNEED)

    def _write_all(self, view: memoryview) -> None:
        written = 0
        while written < len(view):
            try:
                written += os.write(self._fd, view[written:])
            except OSError as error:
                if not (self._direct and error.errno == errno.EINVAL):
                    raise
                # The device wants larger blocks than ours: write through the cache after all.
                _disable_direct(self._fd)
                self._direct = False

    def sync(self) -> None:
        """Write out everything appended and wait until all of it is on disk.

        Raises:
            OSError: if any write failed.
        """
        self._disk.stop()
        if self._disk.error is not None:
            raise self._disk.error
        buffer = self._current
        aligned = buffer.filled // _DIRECT_ALIGN * _DIRECT_ALIGN
        if self._direct:
            self._write_all(buffer.view[:aligned])
            _disable_direct(self._fd)
            self._direct = False
            self._write_all(buffer.view[aligned : buffer.filled])
        else:
            self._write_all(buffer.view[: buffer.filled])
        os.fsync(self._fd)

    def close(self) -> None:
        """Stop writing and close the file. Safe to call more than once."""
        self._disk.stop()
        if not self._closed:
            self._closed = True
            os.close(self._fd)
            for buffer in self._buffers:
                buffer.close()


def _enable_direct(fd: int) -> bool:
    direct = getattr(os, "O_DIRECT", 0)
    if not direct:
        return False
    try:
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | direct)
    except OSError:  # the file system does not support it (tmpfs, some network file systems)
        return False
    return True


def _disable_direct(fd: int) -> None:
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_DIRECT)


class _Sink(Protocol):
    @property
    def error(self) -> BaseException | None: ...

    def append(self, piece: bytes) -> None: ...

    def commit(self) -> None: ...

    def discard(self) -> None: ...


class _LocalBlob:
    """A blob written to a ``.partial`` file and renamed into place when whole."""

    def __init__(self, name: str) -> None:
        self._path = verify(name)
        self._path.parent.mkdir(mode=0o700, exist_ok=True)
        self._partial = self._path.with_name(self._path.name + _PARTIAL)
        self._file = _BlobFile(self._partial)

    @property
    def error(self) -> BaseException | None:
        return self._file.error

    def append(self, piece: bytes) -> None:
        self._file.append(piece)

    def commit(self) -> None:
        self._file.sync()
        self._file.close()
        os.replace(self._partial, self._path)

    def discard(self) -> None:
        self._file.close()
        self._partial.unlink(missing_ok=True)
        self._path.unlink(missing_ok=True)


def _open_sink(name: str) -> _Sink:
    bucket = object_store.configured_bucket()
    if bucket is not None:
        return ObjectFile(bucket, object_key(bucket, name))
    return _LocalBlob(name)


class BlobWriter:
    """Encrypts and hashes plaintext pieces as they come and appends the ciphertext to a new blob.

    The caller's thread encrypts each piece while it is still in the CPU cache, copying it only to cut it
    into 64 KiB chunks, and copies the ciphertext into the blob's write buffer. Two helper threads do the
    rest: one hashes the plaintext, in batches of about ``_BLOCK_BYTES``, the other writes full buffers to
    disk (see ``_BlobFile``). hashlib, libsodium and the file system release the GIL, so the three overlap
    on separate cores. At most ``_QUEUE_DEPTH`` batches wait for the hasher and ``_POOL_BUFFERS`` buffers
    exist, so memory stays bounded for any size. In a bucket, ``object_store.ObjectFile`` takes the place
    of the file: full parts are sent while the caller goes on, as many at once as it allows.
    """

    def __init__(self, name: str, key: bytes, *, context: bytes) -> None:
        self.name = name
        self._file = _open_sink(name)
        self._encryptor = StreamEncryptor(key, context=context)
        self._file.append(self._encryptor.header)
        self._hash = hashlib.sha256()
        self._size = 0
        self._plaintext: list[bytes] = []
        self._plaintext_bytes = 0
        self._hasher = _Worker(self._hash_batch, depth=_QUEUE_DEPTH)

    def _hash_batch(self, pieces: list[bytes]) -> None:
        for piece in pieces:
            self._hash.update(piece)

    def write(self, piece: bytes) -> None:
        """Hash and encrypt one more piece of plaintext.

        Raises:
            OSError: if an earlier write failed (the disk is full, or ``StorageUnavailable``: the bucket
                cannot be reached); call :meth:`abort`.
        """
        for error in (self._file.error, self._hasher.error):
            if error is not None:
                raise error
        if type(piece) is not bytes:  # the hasher reads it later; the caller may reuse a mutable buffer
            piece = bytes(piece)
        self._size += len(piece)
        self._plaintext.append(piece)
        self._plaintext_bytes += len(piece)
        if self._plaintext_bytes >= _BLOCK_BYTES:
            self._hasher.put(self._plaintext)
            self._plaintext, self._plaintext_bytes = [], 0
        for chunk in self._encryptor.write_chunks(piece):
            self._file.append(chunk)

    def finish(self) -> Written:
        """Pad the plaintext with zeros to :func:`padded_size`, write the final chunk, flush it to disk and
        give the blob its final name (or complete the object). Readers pass the returned size to
        ``decrypt_stream``.

        Returns:
            the plaintext's size and SHA-256 (of the plaintext alone, not the padding).

        Raises:
            OSError: if writing failed (the disk is full, or ``StorageUnavailable``); the blob is then
                removed.
        """
        try:
            padding = padded_size(self._size) - self._size
            filler = bytes(min(padding, _BLOCK_BYTES))
            while padding:
                for chunk in self._encryptor.write_chunks(filler[: min(padding, len(filler))]):
                    self._file.append(chunk)
                padding -= min(padding, len(filler))
            self._file.append(self._encryptor.finish())
            self._hasher.put(self._plaintext)
            self._hasher.stop()
            if self._hasher.error is not None:
                raise self._hasher.error
            self._file.commit()
        except BaseException:
            self.abort()
            raise
        return Written(size=self._size, sha256=self._hash.hexdigest())

    def abort(self) -> None:
        """Stop writing and remove whatever was written. Safe to call more than once."""
        self._hasher.error = self._hasher.error or RuntimeError("aborted")
        self._hasher.stop()
        try:
            self._file.discard()
        except StorageUnavailable:
            logger.warning("evidence storage unreachable: an unfinished upload is left for the sweep")

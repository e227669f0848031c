"""Plaintext during processing (DESIGN §3): only in anonymous memory, never on a disk.

A ``Workspace`` is a memfd (``memfd_create``): a file that lives in RAM, has no name in any directory and
vanishes when closed. Child processes (ffmpeg) open it as ``/proc/self/fd/N``. Where memfd is missing, an
unnamed temporary file in ``LONGARM_WORKSPACE_DIR`` is used instead, which must be memory-backed
(``/dev/shm``).
"""

import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from django.conf import settings

_READ_BYTES = 1024 * 1024


class Workspace:
    """A seekable plaintext buffer in memory; use as a context manager so it is gone at once."""

    def __init__(self) -> None:
        self.file: IO[bytes]
        if settings.LONGARM_WORKSPACE_DIR or not hasattr(os, "memfd_create"):
            directory = settings.LONGARM_WORKSPACE_DIR or "/dev/shm"  # noqa: S108 - memory-backed by design
            self.file = tempfile.TemporaryFile(dir=directory)  # noqa: SIM115 - closed in __exit__
        else:
            self.file = os.fdopen(os.memfd_create("longarm-evidence", os.MFD_CLOEXEC), "w+b")

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        if not self.file.closed:
            # Give the pages back at once rather than when the last reference to the file goes.
            self.file.truncate(0)
            self.file.close()

    @property
    def fd(self) -> int:
        return self.file.fileno()

    @property
    def path(self) -> Path:
        """A path a child process given ``pass_fds=(ws.fd,)`` can open."""
        return Path(f"/proc/self/fd/{self.fd}")

    def fill(self, pieces: Iterable[bytes]) -> None:
        self.file.seek(0)
        self.file.truncate(0)
        for piece in pieces:
            self.file.write(piece)
        self.file.flush()
        self.file.seek(0)

    def size(self) -> int:
        return os.fstat(self.fd).st_size

    def read_all(self) -> bytes:
        self.file.seek(0)
        return self.file.read()

    def chunks(self) -> Iterator[bytes]:
        self.file.seek(0)
        while piece := self.file.read(_READ_BYTES):
            yield piece

    def head(self, size: int) -> bytes:
        self.file.seek(0)
        return self.file.read(size)

    def tail(self, size: int) -> bytes:
        length = self.size()
        self.file.seek(max(0, length - size))
        return self.file.read()

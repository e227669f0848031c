"""Small secret files: created without replacing anything, read only if nobody else can read them."""

import errno
import os
import secrets
import stat
from pathlib import Path

from longarm.crypto.errors import KeyringError

PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700
MAX_SECRET_FILE_BYTES = 4096

# Filesystems that cannot hard-link (FAT on a USB stick, some network and FUSE mounts) report these.
_NO_HARD_LINKS = frozenset({errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS, errno.EXDEV})


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_exclusive(path: Path, content: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, PRIVATE_FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as file:
            os.fchmod(file.fileno(), PRIVATE_FILE_MODE)
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def create_new_file(path: Path, content: bytes) -> bool:
    """Create ``path`` holding ``content`` with mode 0600, unless a file of that name exists.

    The content goes to a temporary file in the same directory, is flushed to disk, then hard-linked
    to ``path``. Linking fails if the name exists, so an existing key is never replaced, not even by
    a concurrent writer, and nobody ever sees a half-written file under the final name. Where the
    filesystem cannot hard-link, ``path`` itself is created with O_EXCL and a failed write removed.

    Returns:
        ``True`` if this call created the file, ``False`` if it already existed.

    Raises:
        OSError: if the directory is missing or not writable, or the disk is full.
    """
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    _write_exclusive(temporary, content)
    try:
        os.link(temporary, path)
    except FileExistsError:
        return False
    except OSError as error:
        if error.errno not in _NO_HARD_LINKS:
            raise
        try:
            _write_exclusive(path, content)
        except FileExistsError:
            return False
    finally:
        temporary.unlink(missing_ok=True)
    _fsync_directory(path.parent)
    return True


def ensure_private_directory(directory: Path) -> None:
    """Create ``directory`` with mode 0700 if missing (and its parents with default modes).

    Raises:
        KeyringError: if it exists but is not a directory or is accessible to group or others.
    """
    directory.parent.mkdir(parents=True, exist_ok=True)
    try:
        directory.mkdir(mode=PRIVATE_DIR_MODE)
    except FileExistsError:
        check_private_directory(directory)
    else:
        # mkdir's mode is reduced by the umask; set it exactly.
        directory.chmod(PRIVATE_DIR_MODE)


def check_private_directory(directory: Path) -> None:
    """Return if ``directory`` exists and only its owner can access it.

    Raises:
        KeyringError: if it is missing, not a directory, or accessible to group or others.
    """
    try:
        status = directory.stat()
    except FileNotFoundError:
        raise KeyringError(f"keyring directory {directory} does not exist; run `longarm init`") from None
    if not stat.S_ISDIR(status.st_mode):
        raise KeyringError(f"keyring path {directory} is not a directory")
    if status.st_mode & 0o077:
        raise KeyringError(
            f"keyring directory {directory} is accessible to group or others "
            f"(mode {stat.S_IMODE(status.st_mode):o}); run `chmod 700 {directory}`"
        )


def read_small_file(path: Path, *, private: bool) -> bytes:
    """Read a file of at most 4 KiB; if ``private``, refuse one that group or others can read.

    The permission check uses the opened file, so it cannot be swapped between check and read.

    Returns:
        the file's bytes.

    Raises:
        KeyringError: if the file is missing, not a regular file, too large, or (when ``private``)
            readable or writable by group or others.
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        raise KeyringError(f"key file {path} is missing") from None
    except OSError as error:
        raise KeyringError(f"cannot open key file {path}: {error.strerror}") from None
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise KeyringError(f"key file {path} is not a regular file")
        if private and status.st_mode & 0o077:
            raise KeyringError(
                f"key file {path} is accessible to group or others "
                f"(mode {stat.S_IMODE(status.st_mode):o}); run `chmod 600 {path}`"
            )
        content = b""
        while chunk := os.read(fd, MAX_SECRET_FILE_BYTES + 1 - len(content)):
            content += chunk
            if len(content) > MAX_SECRET_FILE_BYTES:
                break
    finally:
        os.close(fd)
    if len(content) > MAX_SECRET_FILE_BYTES:
        raise KeyringError(f"key file {path} is too large to be a key")
    return content


def replace_file(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` (mode 0600) in place of whatever is there, atomically: readers see the
    old file or the new one, never a mix, and a crash leaves one of the two.

    Raises:
        OSError: if the directory is not writable or the disk is full.
    """
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    _write_exclusive(temporary, content)
    try:
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    _fsync_directory(path.parent)

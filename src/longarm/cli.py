"""The `longarm` console script: Django's management commands with Longarm's settings.

`longarm evidence verify PACKAGE.zip --public-key KEY` is the exception: it checks an evidence package on any
machine, with no Longarm database, settings or data directory, so it runs before Django is set up at all.
"""

import atexit
import os
import shutil
import sys
import tempfile
from collections.abc import Mapping

# glibc's allocator as `longarm serve` runs it (README, "Memory"). A gunicorn worker holds requests on
# several threads, and a request may hold buffers of megabytes for a moment (an upload, a dashboard's arrays).
# By default glibc gives threads arenas of their own, and after a large block is freed it raises the size
# below which blocks are carved from the arenas instead of mapped on their own (up to 32 MiB): the next
# requests' large buffers then come from, and stay in, the arenas, and a worker's resident memory creeps
# with no Python object left behind. Fixed thresholds hand every block of 128 KiB or more back to the system
# when it is freed, and two arenas bound what the rest can scatter. A value the operator set is kept.
MALLOC_SETTINGS = {
    "MALLOC_ARENA_MAX": "2",
    "MALLOC_MMAP_THRESHOLD_": "131072",
    "MALLOC_TRIM_THRESHOLD_": "131072",
}


def _glibc() -> bool:
    try:
        return bool(os.confstr("CS_GNU_LIBC_VERSION"))
    except (ValueError, OSError):  # another C library (musl), or a system without the name
        return False


def malloc_environment(environ: Mapping[str, str]) -> dict[str, str] | None:
    """The environment to start `longarm serve` again with, so that glibc reads :data:`MALLOC_SETTINGS`
    as the process starts (it reads them once, before any Python code runs); ``None`` if none is missing,
    or if the C library is not glibc."""
    missing = {name: value for name, value in MALLOC_SETTINGS.items() if name not in environ}
    if not missing or not _glibc():
        return None
    return {**environ, **missing}


def main() -> None:
    # Whatever a command writes (the database, evidence ciphertext, exported packages, keys) is its owner's
    # alone, whatever umask the shell or service manager passed on; the worker `serve` starts inherits it.
    os.umask(0o077)
    if sys.argv[1:3] == ["evidence", "verify"]:
        from longarm.evidence.verify import run

        sys.exit(run(sys.argv[3:], sys.stdout))
    if sys.argv[1:2] == ["serve"] and (environment := malloc_environment(os.environ)) is not None:
        # The same command again, in this process (same pid), with the allocator's settings: once only, since
        # they are then all set. The task worker serve starts, and gunicorn's workers, inherit them.
        os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]], environment)  # noqa: S606
    if sys.argv[1:2] == ["serve"] and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # prometheus-client picks its multiprocess mode when first imported, so the directory that gunicorn's
        # workers and the task worker share for /metrics is named before Django (and the metrics) load.
        directory = tempfile.mkdtemp(prefix="longarm-metrics-")
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "longarm.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    from longarm.crypto.errors import KeyringError

    try:
        execute_from_command_line(sys.argv)
    except (ImproperlyConfigured, KeyringError) as error:
        # A bad setting or keyring is the operator's to fix: one line saying how, never a traceback.
        sys.stderr.write(f"longarm: {error}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()

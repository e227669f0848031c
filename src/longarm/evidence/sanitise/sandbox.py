"""Child processes that parse hostile files (ffmpeg, the document renderer with LibreOffice, Tesseract): each
runs with a wall-clock and CPU time limit, a memory (address space) limit, no core dumps, in a session of
its own so that a time-out ends every process it started, and in a network namespace of its own, which has
no interface but a loopback that is down, so nothing it runs can reach any address.

The network namespace needs root or unprivileged user namespaces; where the kernel (or a container's
seccomp profile) allows neither, ``network_isolation()`` is False. The renderers of PDFs, images, SVGs and
media have no way to the network of their own; LibreOffice has one (linked images and updates), so office
documents are not rendered at all without isolation (``require_isolation``).
"""

import contextlib
import os
import resource
import signal
import subprocess
import threading
from collections.abc import Callable, Sequence
from functools import cache
from typing import IO

from longarm.evidence.exceptions import Unsanitisable
from longarm.evidence.models import FailureReason


def _isolate_network() -> None:
    if os.geteuid() == 0:
        os.unshare(os.CLONE_NEWNET)
        return
    uid, gid = os.geteuid(), os.getegid()
    os.unshare(os.CLONE_NEWUSER | os.CLONE_NEWNET)
    # Map our own ids onto themselves, so files and memory we were given stay ours.
    for name, value in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as control:
            control.write(value)


@cache
def network_isolation() -> bool:
    """Whether child processes can be given a network namespace of their own on this machine."""
    try:
        subprocess.run(["/bin/true"], preexec_fn=_isolate_network, check=True, timeout=10)
    except (subprocess.SubprocessError, OSError):
        return False
    return True


def _limits(*, memory: int, seconds: float, isolate: bool) -> Callable[[], None]:
    # Runs in the child between fork and exec: only system calls, no Python-level locks.
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        cpu = int(seconds) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
        if isolate:
            _isolate_network()

    return apply


class Child:
    """A sandboxed child process, its standard output a pipe read by the caller; a timer ends its whole
    session at the deadline."""

    def __init__(
        self,
        command: Sequence[str],
        *,
        fds: tuple[int, ...] = (),
        seconds: float,
        memory: int,
        environment: dict[str, str] | None = None,
        stdin: IO[bytes] | int | None = subprocess.DEVNULL,
        require_isolation: bool = False,
    ) -> None:
        isolate = network_isolation()
        if require_isolation and not isolate:
            raise Unsanitisable(FailureReason.UNRENDERABLE)
        self.timed_out = False
        self.process = subprocess.Popen(  # noqa: S603 - fixed executables, arguments built by us
            list(command),
            pass_fds=fds,
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=environment,
            start_new_session=True,
            preexec_fn=_limits(memory=memory, seconds=seconds, isolate=isolate),
        )
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    @property
    def stdout(self) -> IO[bytes]:
        assert self.process.stdout is not None  # noqa: S101 - a pipe was asked for
        return self.process.stdout

    def _expire(self) -> None:
        self.timed_out = True
        self.kill()

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)

    def finish(self) -> int:
        """Wait for the child, end whatever it left running, and return its exit status."""
        try:
            self.stdout.close()
            status = self.process.wait()
        finally:
            self._timer.cancel()
            self.kill()
        return status


def run(
    command: Sequence[str],
    *,
    fds: tuple[int, ...] = (),
    seconds: float,
    memory: int,
    input_data: bytes | None = None,
    environment: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    """Run a sandboxed command to its end; return its exit status and standard output.

    Raises:
        Unsanitisable: TIMEOUT if it ran out of time.
    """
    status, output, _ = run_capturing(
        command, fds=fds, seconds=seconds, memory=memory, input_data=input_data, environment=environment
    )
    return status, output


def run_capturing(
    command: Sequence[str],
    *,
    fds: tuple[int, ...] = (),
    seconds: float,
    memory: int,
    input_data: bytes | None = None,
    environment: dict[str, str] | None = None,
) -> tuple[int, bytes, bytes]:
    """``run``, also returning the command's standard error (for a caller that parses it, never logs it).

    Raises:
        Unsanitisable: TIMEOUT if it ran out of time.
    """
    isolate = network_isolation()
    try:
        result = subprocess.run(  # noqa: S603 - fixed executables, arguments built by us
            list(command),
            pass_fds=fds,
            input=input_data,
            stdin=None if input_data is not None else subprocess.DEVNULL,
            capture_output=True,
            env=environment,
            timeout=seconds,
            check=False,
            start_new_session=True,
            preexec_fn=_limits(memory=memory, seconds=seconds, isolate=isolate),
        )
    except subprocess.TimeoutExpired:
        raise Unsanitisable(FailureReason.TIMEOUT) from None
    # The output is never logged: a tool's messages can quote the file's metadata.
    return result.returncode, result.stdout, result.stderr

"""Faults: kill -9, a restarted database, a queue that is down and a full disk, each injected at random points
against the real production server and worker, and what the reporter and the data made of it.

Run from the repository root (the quick run takes a few minutes)::

    .venv/bin/python benchmarks/faults.py [--repeat 20] [--quick] [--only web_upload,web_submission,...]

In a fresh temporary directory it runs ``longarm init`` (keyring, recovery key, database), then starts
``longarm serve --no-worker --workers 1`` (gunicorn, production settings; its master restarts a worker that
dies, as it does in production) and ``longarm worker`` as separate processes, as a deployment's service
manager would. ``DATABASE_URL=postgres://…`` runs it on a fresh database of that server (created and dropped
here); ``LONGARM_TASKS_URL=redis://…`` on that Redis; ``LONGARM_STORAGE_URL`` is passed on unchanged (object
storage, where the deployment has it). Each fault is repeated ``--repeat`` times (``--quick``: 3):

- ``web_upload``: a reporter uploads a photo at the questionnaire's files step, slowly; at a random byte of
  the upload the gunicorn worker is killed (SIGKILL). The reporter retries the step, sends the report and
  must get its receipt page. After all repetitions the storage sweep runs (``longarm evidence sweep``, the
  files' times moved back past its grace period): no blob may be left that no row refers to, and no
  ``.partial`` file.
- ``web_submission``: the last step's POST (two Argon2id derivations, the transaction, the new session) is
  killed at a random moment of its usual duration. The reporter does what a browser's reload does — posts
  the same form again, with a fresh gate payment when the page asks for it — and must end with the report
  stored exactly once: the receipt page, or the page saying it was already sent, or, when the kill came after
  the commit and the new session, a mailbox that the typed receipt opens.
- ``worker_sanitise``: a report with a photo is sent; while the worker is sanitising it (status
  ``processing``) the worker is killed at a random moment and started again, as a service manager would.
  The item must end sanitised exactly once (one sanitised copy, one ``sanitised`` custody step): the lease
  (``LONGARM_EVIDENCE_LEASE_SECONDS``, set short here) gives it back to the queue.
  ``recovery_seconds``: from the kill to the item being ready.
- ``database_restart`` (PostgreSQL only; the default runs it on a private PostgreSQL cluster made with
  ``initdb`` on a free port, so that no one else's database restarts): reporters keep submitting while the
  server is restarted (``pg_ctl restart -m fast``). A request that fails must get the translated 503 "please
  try again" page, never a half-stored report; Longarm must answer again without a restart.
  ``recovery_seconds``: from the restart to the next successful submission.
- ``queue_down`` (Redis task queue; the default runs a private ``redis-server``): with Redis stopped,
  reporters send reports with photos. They must get their receipt pages, not errors; once Redis is back every
  report must be counted and every file sanitised without a restart. ``recovery_seconds``: from Redis being
  back to the last item ready.
- ``object_store_down`` (evidence in an S3-compatible bucket; the default runs moto's server in this process
  and a second installation whose evidence goes to it): a reporter's first photo is stored, then the bucket
  server is stopped at a random byte of the second photo's upload. The reporter must get the files step again
  saying the file could not be stored just now (no error page), with the answers and the first file kept;
  once the server is back, the same upload works and the report is sent with both files. Every file ends
  sanitised exactly once and every stored blob's object is in the bucket. ``recovery_seconds``: from the
  server being back to the report sent.
- ``disk_full`` (root only): the storage directory is a tmpfs, shrunk for each repetition to what it holds
  plus less than the photo needs (a random amount). The reporter must get the files step again saying the
  file could not be taken just now (no error page); every earlier file stays whole; once there is space
  again, the same upload works. The tmpfs holds every file of the run in memory: size ``--repeat`` with it.

After the faults, every evidence item must be sanitised exactly once, storage must hold no orphan, and every
outbox event (what reports published for the worker to derive: facts, indexes) must be delivered: the run
waits up to ``SETTLE_TIMEOUT`` for the worker's queue and its redelivery (every
``LONGARM_REDELIVER_SECONDS``, 5 s here) to empty the outbox, and counts what is still waiting as lost.

The JSON summary: per fault, the repetitions, what went wrong and the recovery times; over all,
``faults_injected``, ``records_lost`` (acknowledged reports or files missing; target 0), ``duplicates``
(reports or sanitised copies stored twice; target 0) and ``recovery_seconds_p95``.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from intake import (
    HOST,
    STEPS_BEFORE_FILES,
    Client,
    _exit_on_sigterm,
    create_database,
    drop_database,
    free_port,
    hidden_inputs,
    init_installation,
    longarm_command,
    pay_gate,
    report_form,
    server_environment,
    stop_server,
)

FAULTS = (
    "web_upload",
    "web_submission",
    "worker_sanitise",
    "database_restart",
    "queue_down",
    "object_store_down",
    "disk_full",
)
START_TIMEOUT = 90.0
SETTLE_TIMEOUT = 180.0
_RECEIPT = re.compile(rb'<p class="receipt"[^>]*>(.*?)</p>', re.S)
_ATTACHED = re.compile(rb'name="attached" value="([0-9a-f]{32})"')
_BOUNDARY = "longarm-faults-" + uuid.uuid4().hex
# The step that takes files (with the optional questions about the reporter); the consent is on the last step.
FILES_STEP = "/report/more/"


def log(message: str) -> None:
    print(f"[faults] {message}", file=sys.stderr, flush=True)


def photo(mebibytes: float, seed: int) -> bytes:
    """A JPEG of about ``mebibytes`` of noise (noise does not compress), different for every ``seed``."""
    from PIL import Image

    rng = random.Random(seed)
    side = max(64, int((mebibytes * 1024 * 1024 / 1.15) ** 0.5))
    image = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    out = BytesIO()
    image.save(out, "JPEG", quality=95)
    return out.getvalue()


# --- The database, read directly ----------------------------------------------------------------------------


class Database:
    """Read-only SQL on the installation's database, SQLite or PostgreSQL, to check what was stored."""

    def __init__(self, url: str, sqlite_path: Path) -> None:
        self.url, self.sqlite_path = url, sqlite_path

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        if self.url:
            import psycopg

            with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as connection:
                return [tuple(row) for row in connection.execute(sql).fetchall()]
        with contextlib.closing(
            sqlite3.connect(f"file:{self.sqlite_path}?mode=ro", uri=True, timeout=30)
        ) as db:
            return [tuple(row) for row in db.execute(sql).fetchall()]

    def scalar(self, sql: str) -> Any:
        return self.rows(sql)[0][0]

    def reports(self) -> int:
        return int(self.scalar("SELECT count(*) FROM intake_report"))

    def item_statuses(self) -> Counter[str]:
        return Counter(status for (status,) in self.rows("SELECT status FROM evidence_evidenceitem"))


# --- Processes ----------------------------------------------------------------------------------------------


@dataclass
class Installation:
    """One Longarm installation in a temporary directory: its web server and its worker."""

    root: Path
    env: dict[str, str]
    database: Database
    port: int = 0
    server: subprocess.Popen[bytes] | None = None
    worker: subprocess.Popen[bytes] | None = None
    logs: list[Path] = field(default_factory=list)
    # Times the worker exited by itself and the supervisor started it again.
    worker_exits: int = 0
    # The end of each exited worker's log: why it exited.
    worker_exit_logs: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _supervisor: threading.Thread | None = None

    @property
    def storage(self) -> Path:
        return Path(self.env["LONGARM_STORAGE_DIR"]) / "evidence"

    def _spawn(self, name: str, arguments: list[str]) -> subprocess.Popen[bytes]:
        log_file = self.root / f"{name}-{len(self.logs)}.log"
        self.logs.append(log_file)
        with log_file.open("wb") as output:
            return subprocess.Popen(  # noqa: S603 - our own command
                [*longarm_command(), *arguments],
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def start_server(self) -> None:
        self.port = self.port or free_port()
        self.server = self._spawn(
            "server", ["serve", "--no-worker", "--workers", "1", "--bind", f"{HOST}:{self.port}"]
        )
        wait_for(lambda: answers(self.port), START_TIMEOUT, "the server to answer")

    def start_worker(self) -> None:
        with self._lock:
            self.worker = self._spawn("worker", ["worker"])
        if self._supervisor is None:
            self._supervisor = threading.Thread(target=self._supervise, daemon=True)
            self._supervisor.start()

    def _supervise(self) -> None:
        """Start the worker again when it exits, as the deployment's service manager does (compose.yaml:
        ``restart: unless-stopped``): a worker that starts while the database is down refuses to start."""
        while not self._stopping.wait(1.0):
            with self._lock:
                if self.worker is not None and self.worker.poll() is not None:
                    self.worker_exits += 1
                    path = next(
                        (path for path in reversed(self.logs) if path.name.startswith("worker")), None
                    )
                    if path is not None and path.exists():
                        self.worker_exit_logs.append(path.read_text(errors="replace")[-2000:])
                    self.worker = self._spawn("worker", ["worker"])

    def kill_worker(self) -> None:
        """SIGKILL the worker and every process under it: RQ runs each job in a work horse that it moves to a
        process group of its own, which a service manager's kill (the whole cgroup) reaches too."""
        with self._lock:
            if self.worker is not None and self.worker.poll() is None:
                tree = [self.worker.pid]
                for pid in tree:
                    tree.extend(children(pid))
                for pid in tree:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                self.worker.wait(timeout=30)
            self.worker = None

    def web_workers(self) -> list[int]:
        """The gunicorn workers: the server's children."""
        assert self.server is not None
        return children(self.server.pid)

    def kill_web_worker(self) -> int:
        pids = self.web_workers()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return len(pids)

    def command(self, *arguments: str) -> str:
        result = subprocess.run(  # noqa: S603 - our own command
            [*longarm_command(), *arguments], env=self.env, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"longarm {' '.join(arguments)}: {result.stdout}{result.stderr}")
        return result.stdout

    def stop(self) -> None:
        self._stopping.set()
        if self._supervisor is not None:
            self._supervisor.join(timeout=5)
        for process in (self.worker, self.server):
            if process is not None:
                stop_server(process)

    def tail_logs(self) -> str:
        return "".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
            for path in self.logs
            if path.exists()
        )


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    found.append(int(entry.name))
    return found


def answers(port: int) -> bool:
    try:
        status, _ = Client(port).request("GET", "/")
    except (OSError, http.client.HTTPException):
        return False
    return status == 200


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> float:
    """Poll until ``condition`` holds; return the seconds it took. Raises TimeoutError."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            if condition():
                return time.monotonic() - started
        except Exception as error:
            log(f"  (waiting for {what}: {type(error).__name__})")
        time.sleep(0.2)
    raise TimeoutError(f"timed out waiting for {what}")


# --- A reporter's browser -----------------------------------------------------------------------------------


class Reporter(Client):
    """One reporter through the questionnaire, with uploads streamed slowly enough to be interrupted."""

    def __init__(self, port: int) -> None:
        super().__init__(port)
        self.receipt = ""
        self.review: dict[str, str] = {}
        self.review_page = b""
        self.attached: list[str] = []

    def start(self) -> None:
        status, page = self.request("GET", "/report/")
        if status != 200:
            raise Failure(f"GET /report/ {status}")
        self.csrf_token = hidden_inputs(page).get("csrfmiddlewaretoken")
        for path in STEPS_BEFORE_FILES:
            self.step(path)

    def step(self, path: str) -> None:
        status, _page = self.request(
            "POST", path, [("csrfmiddlewaretoken", self.csrf_token or ""), *report_form()]
        )
        if status != 302:
            raise Failure(f"POST {path} {status}")

    def upload(
        self,
        content: bytes,
        *,
        kill_at: int | None = None,
        kill: Callable[[], object] | None = None,
        keep: tuple[str, ...] = (),
    ) -> tuple[int, bytes]:
        """POST the files step with ``content`` and the earlier files ``keep`` left ticked; with
        ``kill_at``, call ``kill`` once that many bytes of the body are sent (the connection then breaks:
        OSError or HTTPException)."""
        ticked = "".join(
            f'--{_BOUNDARY}\r\nContent-Disposition: form-data; name="attached"\r\n\r\n{item}\r\n'
            for item in keep
        )
        head = (
            f'--{_BOUNDARY}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
            f"{self.csrf_token}\r\n{ticked}--{_BOUNDARY}\r\nContent-Disposition: form-data; "
            'name="attachments"; filename="photo.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
        ).encode()
        body = head + content + f"\r\n--{_BOUNDARY}--\r\n".encode()
        connection = http.client.HTTPConnection(HOST, self.port, timeout=120)
        try:
            connection.putrequest("POST", FILES_STEP)
            for name, value in (
                ("Content-Type", f"multipart/form-data; boundary={_BOUNDARY}"),
                ("Content-Length", str(len(body))),
                ("Accept-Language", "en"),
                ("Connection", "close"),
                ("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items())),
            ):
                connection.putheader(name, value)
            connection.endheaders()
            piece = 256 * 1024
            for offset in range(0, len(body), piece):
                if kill_at is not None and kill is not None and offset >= kill_at:
                    kill()
                    kill_at = None
                    time.sleep(0.2)
                connection.send(body[offset : offset + piece])
                time.sleep(0.005)
            if kill_at is not None and kill is not None:
                kill()  # the whole body sent: killed while the worker finishes the upload
            response = connection.getresponse()
            data = response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                self._remember(header)
            return response.status, data
        finally:
            connection.close()

    def kept_files(self) -> tuple[str, ...]:
        """The earlier files the files step lists, ticked."""
        status, page = self.request("GET", FILES_STEP)
        if status != 200:
            raise Failure(f"GET {FILES_STEP} {status}")
        return tuple(match.decode() for match in _ATTACHED.findall(page))

    def to_review(self) -> None:
        status, page = self.request("GET", "/report/review/")
        if status != 200:
            raise Failure(f"GET /report/review/ {status}")
        receipt = _RECEIPT.search(page)
        if receipt is None:
            raise Failure("the last step shows no receipt")
        self.receipt = re.sub(rb"\D", b"", receipt[1]).decode()
        self.review_page = page
        self.review = hidden_inputs(page)
        self.attached = [match.decode() for match in _ATTACHED.findall(page)]

    def submission(self) -> list[tuple[str, str]]:
        return [
            ("csrfmiddlewaretoken", self.review.get("csrfmiddlewaretoken", "")),
            # The consent is chosen on the last step, beside Send.
            ("consent", "review"),
            ("submission_token", self.review.get("submission_token", "")),
            ("typed_receipt", self.receipt),
            *(("attached", item) for item in self.attached),
            pay_gate(self, "report"),
        ]

    def send(self, form: list[tuple[str, str]] | None = None) -> tuple[int, bytes]:
        return self.request("POST", "/report/review/", form or self.submission())

    def mailbox_opens(self) -> bool:
        """Whether the receipt opens a report, from a fresh browser as the reporter would try it."""
        other = Client(self.port)
        status, page = other.request("GET", "/mailbox/")
        token = hidden_inputs(page).get("csrfmiddlewaretoken", "")
        form = [("csrfmiddlewaretoken", token), ("receipt", self.receipt), pay_gate(other, "receipt")]
        status, page = other.request("POST", "/mailbox/", form)
        if status != 302:
            return False
        status, page = other.request("GET", "/mailbox/report/")
        return status == 200


class Failure(Exception):
    """Something the reporter saw that they should not have."""


def finish_submission(reporter: Reporter, first: tuple[int, bytes] | None) -> str:
    """After a first try that may have broken off, do what a reporter does until the report is sent: return
    how it ended (``sent``, ``already_sent``, ``mailbox``) or raise Failure."""
    outcome = first
    for _attempt in range(4):
        if outcome is None:
            outcome = reporter.send()
        status, page = outcome
        if status == 302:
            return "sent"
        if status == 409:
            return "already_sent"
        if status == 200 and b"anti-abuse" in page:  # the gate wants a fresh payment: the page offers one
            reporter.review = hidden_inputs(page) or reporter.review
            outcome = None
            continue
        if status in (302, 200) or status == 303:
            break
        raise Failure(f"POST /report/review/ answered {status}")
    raise Failure("the report could not be sent")


def retry_after_kill(reporter: Reporter) -> str:
    """A reload of the last step after its request died: the same form posted again."""
    try:
        status, page = reporter.send()
    except (OSError, http.client.HTTPException):
        time.sleep(0.5)
        status, page = reporter.send()
    if status == 302:
        return "sent"
    if status == 409:
        return "already_sent"
    if status == 200 and (b"anti-abuse" in page or b"receipt" in page):
        reporter.review = hidden_inputs(page) or reporter.review
        return finish_submission(reporter, None)
    raise Failure(f"retried POST /report/review/ answered {status}")


# --- Faults -------------------------------------------------------------------------------------------------


@dataclass
class Tally:
    name: str
    injected: int = 0
    lost: int = 0
    duplicates: int = 0
    reporter_errors: int = 0
    recoveries: list[float] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    skipped: str = ""

    def problem(self, text: str) -> None:
        log(f"  {self.name}: {text}")
        self.problems.append(text)

    def summary(self) -> dict[str, Any]:
        if self.skipped:
            return {"skipped": self.skipped}
        return {
            "injected": self.injected,
            "records_lost": self.lost,
            "duplicates": self.duplicates,
            "reporter_errors": self.reporter_errors,
            "outcomes": dict(self.outcomes),
            "recovery_seconds": percentiles(self.recoveries),
            "problems": self.problems[:20],
        }


def percentiles(samples: list[float]) -> dict[str, float | None]:
    if not samples:
        return {"p50": None, "p95": None, "max": None}
    ordered = sorted(samples)
    return {
        "p50": round(statistics.median(ordered), 2),
        "p95": round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))], 2),
        "max": round(ordered[-1], 2),
    }


def settle(install: Installation, expected_items: int, timeout: float = SETTLE_TIMEOUT) -> float:
    """Wait until every evidence item is ready (or failed); return the seconds it took."""

    def done() -> bool:
        statuses = install.database.item_statuses()
        return sum(statuses.values()) >= expected_items and set(statuses) <= {"ready", "failed"}

    return wait_for(done, timeout, f"{expected_items} evidence items to be processed")


def check_exactly_once(install: Installation, tally: Tally) -> None:
    """Each item: one sanitised copy, one ``sanitised`` custody step, and not failed."""
    rows = install.database.rows(
        "SELECT i.id, i.status, "
        "(SELECT count(*) FROM evidence_evidenceblob b WHERE b.item_id = i.id AND b.variant = 'derivative'), "
        "(SELECT count(*) FROM evidence_custodyevent c WHERE c.item_id = i.id AND c.action = 'sanitised') "
        "FROM evidence_evidenceitem i"
    )
    for item_id, status, copies, steps in rows:
        if status != "ready":
            tally.lost += 1
            tally.problem(f"item {item_id} ended {status}")
        elif copies != 1 or steps != 1:
            tally.duplicates += 1
            tally.problem(f"item {item_id}: {copies} sanitised copies, {steps} sanitised steps")


def check_storage(install: Installation, tally: Tally) -> None:
    """After the sweep: every file in storage is a blob a row refers to, none is partial."""
    for path in install.storage.glob("*/*"):
        os.utime(path, (time.time() - 7200, time.time() - 7200))
    install.command("evidence", "sweep", "--grace-hours", "1")
    referred = {name for (name,) in install.database.rows("SELECT storage_name FROM evidence_evidenceblob")}
    referred |= {name for (name,) in install.database.rows("SELECT storage_name FROM evidence_pendingupload")}
    for path in install.storage.glob("*/*"):
        name = path.relative_to(install.storage).as_posix()
        if name.endswith(".partial"):
            tally.problem(f"partial blob left after the sweep: {name}")
        elif name not in referred:
            tally.problem(f"orphaned blob left after the sweep: {name}")
    missing = [name for name in referred if not (install.storage / name).exists()]
    for name in missing:
        tally.lost += 1
        tally.problem(f"a row refers to a missing blob: {name}")


def fault_web_upload(install: Installation, repeat: int, content: Callable[[int], bytes]) -> Tally:
    tally = Tally("web_upload")
    for number in range(repeat):
        reporter = Reporter(install.port)
        reporter.start()
        body = content(number)
        kill_at = random.randrange(0, len(body))
        try:
            reporter.upload(body, kill_at=kill_at, kill=install.kill_web_worker)
            tally.outcomes["upload finished before the kill took effect"] += 1
        except (OSError, http.client.HTTPException):
            tally.outcomes["upload broken off"] += 1
        tally.injected += 1
        started = time.monotonic()
        wait_for(lambda: answers(install.port), START_TIMEOUT, "gunicorn to replace its worker")
        try:
            status, _page = reporter.upload(body)
            if status != 302:
                raise Failure(f"retried upload answered {status}")
            reporter.to_review()
            if len(reporter.attached) != 1:
                raise Failure(f"the last step lists {len(reporter.attached)} files, not 1")
            tally.outcomes[finish_submission(reporter, None)] += 1
            tally.recoveries.append(time.monotonic() - started)
        except Failure as error:
            tally.reporter_errors += 1
            tally.problem(str(error))
    return tally


def fault_web_submission(install: Installation, repeat: int) -> Tally:
    tally = Tally("web_submission")
    # How long the last step's POST usually takes, to kill it at a random moment of that span.
    reporter = Reporter(install.port)
    reporter.start()
    reporter.step(FILES_STEP)
    reporter.to_review()
    started = time.monotonic()
    finish_submission(reporter, None)
    span = time.monotonic() - started
    before = install.database.reports()
    acknowledged = 0
    for _ in range(repeat):
        reporter = Reporter(install.port)
        reporter.start()
        reporter.step(FILES_STEP)
        reporter.to_review()
        form = reporter.submission()
        delay = random.uniform(0.0, span * 1.2)
        timer = threading.Timer(delay, install.kill_web_worker)
        timer.start()
        first: tuple[int, bytes] | None
        try:
            first = reporter.send(form)
        except (OSError, http.client.HTTPException):
            first = None
        timer.join()
        tally.injected += 1
        started = time.monotonic()
        wait_for(lambda: answers(install.port), START_TIMEOUT, "gunicorn to replace its worker")
        try:
            if first is not None and first[0] in (302, 409):
                tally.outcomes["answered before the kill"] += 1
            else:
                outcome = retry_after_kill(reporter)
                tally.outcomes[outcome] += 1
            acknowledged += 1
            tally.recoveries.append(time.monotonic() - started)
        except Failure as error:
            if "answered 302" in str(error) or reporter.mailbox_opens():
                # The draft's session was replaced after the commit: the typed receipt opens the report.
                tally.outcomes["sent, receipt opens the mailbox"] += 1
                acknowledged += 1
            else:
                tally.reporter_errors += 1
                tally.problem(str(error))
        if not reporter.mailbox_opens():
            tally.lost += 1
            tally.problem("the receipt typed on the last step opens no report")
    stored = install.database.reports() - before
    if stored > acknowledged:
        tally.duplicates += stored - acknowledged
        tally.problem(f"{stored} reports stored for {acknowledged} sent")
    return tally


def send_with_photo(install: Installation, body: bytes) -> Reporter:
    reporter = Reporter(install.port)
    reporter.start()
    status, _page = reporter.upload(body)
    if status != 302:
        raise Failure(f"upload answered {status}")
    reporter.to_review()
    finish_submission(reporter, None)
    return reporter


def _wait_processing(install: Installation, before_ready: int) -> bool:
    """Poll tightly until an item is being processed (True) or another is ready without being seen so."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while time.monotonic() < deadline:
        statuses = install.database.item_statuses()
        if statuses.get("processing", 0):
            return True
        if statuses.get("ready", 0) + statuses.get("failed", 0) > before_ready:
            return False
        time.sleep(0.02)
    raise TimeoutError("the worker never started sanitising")


def fault_worker_sanitise(install: Installation, repeat: int, content: Callable[[int], bytes]) -> Tally:
    tally = Tally("worker_sanitise")
    lease = float(install.env["LONGARM_EVIDENCE_LEASE_SECONDS"])
    # How long sanitising one photo takes, to kill the worker at a random moment of it.
    done = sum(install.database.item_statuses().values())
    send_with_photo(install, content(999))
    _wait_processing(install, done)
    started = time.monotonic()
    settle(install, done + 1)
    span = time.monotonic() - started
    for number in range(repeat):
        statuses = install.database.item_statuses()
        items = sum(statuses.values())
        send_with_photo(install, content(1000 + number))
        if not _wait_processing(install, statuses.get("ready", 0) + statuses.get("failed", 0)):
            tally.outcomes["finished before it was seen processing"] += 1
            continue
        time.sleep(random.uniform(0.0, span * 0.5))
        install.kill_worker()
        killed = time.monotonic()
        mid = install.database.item_statuses().get("processing", 0) > 0
        tally.outcomes["killed mid-sanitise" if mid else "finished before the kill"] += 1
        tally.injected += 1
        install.start_worker()
        try:
            settle(install, items + 1, timeout=lease + SETTLE_TIMEOUT)
            if mid:
                tally.recoveries.append(time.monotonic() - killed)
        except TimeoutError:
            tally.lost += 1
            tally.problem("the item was never sanitised after the worker was killed")
    check_exactly_once(install, tally)
    return tally


# --- PostgreSQL and Redis of our own ------------------------------------------------------------------------


class PrivatePostgres:
    """A PostgreSQL cluster in the temporary directory on a free port, run as the ``postgres`` user, so that
    restarting it disturbs no one else's database."""

    def __init__(self, root: Path) -> None:
        self.directory = root / "pg"
        self.port = free_port()
        self.bin = Path(shutil.which("pg_ctl") or "/usr/local/bin/pg_ctl").parent

    def _as_postgres(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, capture_output=True)  # noqa: S603

    def start(self) -> str:
        self.directory.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
            self.directory.parent.chmod(0o755)
        self._as_postgres(
            str(self.bin / "initdb"), "-D", str(self.directory), "-U", "postgres", "-A", "trust"
        )
        self._pg_ctl("start")
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _pg_ctl(self, action: str) -> None:
        self._as_postgres(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.directory),
            "-o",
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1",
            "-l",
            str(self.directory / "log"),
            "-w",
            *(("-m", "fast") if action != "start" else ()),
            action,
        )

    def restart(self) -> None:
        self._pg_ctl("restart")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._pg_ctl("stop")


class PrivateRedis:
    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.root = root
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> str:
        self.process = subprocess.Popen(  # noqa: S603 - a fixed command
            [  # noqa: S607 - redis-server from PATH
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--dir",
                str(self.root),
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_for(self._answers, 30, "redis to start")
        return f"redis://127.0.0.1:{self.port}/0"

    def _answers(self) -> bool:
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock,
        ):
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
        return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: Redis writes its append-only file and exits
            self.process.wait(timeout=30)


def fault_database_restart(install: Installation, repeat: int, postgres: PrivatePostgres | None) -> Tally:
    tally = Tally("database_restart")
    if postgres is None:
        tally.skipped = (
            "needs the private PostgreSQL cluster (run without DATABASE_URL, as root, with pg_ctl)"
        )
        return tally
    before = install.database.reports()
    acknowledged = 0
    stop = threading.Event()
    lock = threading.Lock()
    seen: Counter[str] = Counter()
    last_ok = [0.0]

    def reporter_loop() -> None:
        nonlocal acknowledged
        while not stop.is_set():
            reporter = Reporter(install.port)
            try:
                reporter.start()
                reporter.step(FILES_STEP)
                reporter.to_review()
                status, page = reporter.send()
            except Failure as error:
                status, page = (503 if " 503" in str(error) else 500), str(error).encode()
            except (OSError, http.client.HTTPException) as error:
                status, page = 0, f"{type(error).__name__}: {error}".encode()
            with lock:
                if status == 302:
                    acknowledged += 1
                    last_ok[0] = time.monotonic()
                    seen["sent"] += 1
                elif status == 503 and (b"try again" in page or b" 503" in page):
                    seen["503 please try again"] += 1
                else:
                    seen[f"answered {status}: {page[:120].decode(errors='replace')}"] += 1

    threads = [threading.Thread(target=reporter_loop, daemon=True) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(repeat):
            time.sleep(random.uniform(0.5, 2.0))
            postgres.restart()
            restarted = time.monotonic()
            tally.injected += 1
            try:
                wait_for(
                    lambda restarted=restarted: last_ok[0] > restarted,
                    60,
                    "a submission to succeed after the restart",
                )
                tally.recoveries.append(time.monotonic() - restarted)
            except TimeoutError:
                tally.problem("no submission succeeded within 60 s of the restart")
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
    tally.outcomes.update(seen)
    tally.reporter_errors = sum(count for outcome, count in seen.items() if outcome.startswith("answered"))
    if tally.reporter_errors:
        tally.problem(f"requests failed without the 'please try again' page: {dict(seen)}")
    stored = install.database.reports() - before
    # A report whose commit the reporter never saw (the restart cut the response) counts as stored, not lost.
    if stored < acknowledged:
        tally.lost += acknowledged - stored
    half = install.database.scalar(
        "SELECT count(*) FROM intake_report r WHERE NOT EXISTS "
        "(SELECT 1 FROM intake_sealedkey k WHERE k.report_id = r.id)"
    )
    if half:
        tally.problem(f"{half} reports without their sealed keys")
        tally.lost += int(half)
    return tally


def fault_queue_down(
    install: Installation, repeat: int, redis: PrivateRedis | None, content: Callable[[int], bytes]
) -> Tally:
    tally = Tally("queue_down")
    if redis is None:
        tally.skipped = "needs the Redis task queue (the private redis-server was not started)"
        return tally
    items = sum(install.database.item_statuses().values())
    redis.stop()
    try:
        for number in range(repeat):
            try:
                send_with_photo(install, content(2000 + number))
                tally.outcomes["sent"] += 1
            except (Failure, OSError, http.client.HTTPException) as error:
                tally.reporter_errors += 1
                tally.problem(f"with Redis down: {error}")
            tally.injected += 1
    finally:
        redis.start()
    back = time.monotonic()
    try:
        settle(install, items + tally.outcomes["sent"], timeout=SETTLE_TIMEOUT + 120)
    except TimeoutError:
        statuses = install.database.item_statuses()
        tally.lost += sum(count for status, count in statuses.items() if status not in ("ready", "failed"))
        tally.problem(f"items never processed after Redis came back: {dict(statuses)}")
    # What the reports published waits in the outbox for the worker's redelivery.
    if outbox_drained(install, tally):
        tally.recoveries.append(time.monotonic() - back)
    return tally


def outbox_drained(install: Installation, tally: Tally) -> bool:
    """Wait for every outbox event to be delivered: the worker's queue delivers what was published a moment
    ago, and its redelivery (every ``LONGARM_REDELIVER_SECONDS``) what a fault left behind, both in their
    own time. Only what is still waiting after ``SETTLE_TIMEOUT`` counts as lost."""

    def waiting() -> int:
        return int(install.database.scalar("SELECT count(*) FROM core_outboxevent") or 0)

    try:
        seconds = wait_for(lambda: not waiting(), SETTLE_TIMEOUT, "the outbox to be delivered")
    except TimeoutError:
        pending = waiting()
        tally.problem(f"{pending} outbox events still undelivered after {SETTLE_TIMEOUT:.0f} s")
        tally.lost += pending
        return False
    tally.outcomes["outbox delivered within 1 s" if seconds < 1 else "outbox delivered after waiting"] += 1
    return True


class PrivateObjectStore:
    """moto's S3-compatible server in this process on a free port of 127.0.0.1, with one bucket. Stopped
    and started again on the same port it keeps what it held, as a bucket service that goes away and comes
    back."""

    bucket = "longarm-faults"

    def __init__(self) -> None:
        self.port = free_port()
        self.server: Any = None

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.port}"

    def environment(self) -> dict[str, str]:
        return {
            "LONGARM_STORAGE_URL": f"s3://{self.bucket}/evidence",
            "LONGARM_S3_ENDPOINT_URL": self.endpoint,
            "LONGARM_S3_REGION": "us-east-1",
            "LONGARM_S3_ACCESS_KEY_ID": "longarm-faults",
            "LONGARM_S3_SECRET_ACCESS_KEY": "longarm-faults",
        }

    def _client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="longarm-faults",
            aws_secret_access_key="longarm-faults",  # noqa: S106 - moto's throw-away account
        )

    def start(self) -> None:
        from moto.server import ThreadedMotoServer

        self.server = ThreadedMotoServer(ip_address=HOST, port=self.port, verbose=False)
        self.server.start()
        wait_for(self._answers, 30, "the S3 server to start")

    def _answers(self) -> bool:
        with contextlib.suppress(OSError), socket.create_connection((HOST, self.port), timeout=1):
            return True
        return False

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def create_bucket(self) -> None:
        self._client().create_bucket(Bucket=self.bucket)

    def object_names(self) -> set[str]:
        """Every whole object's blob name (the key under the prefix)."""
        pages = (
            self._client().get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix="evidence/")
        )
        return {item["Key"].removeprefix("evidence/") for page in pages for item in page.get("Contents", [])}

    def unfinished_uploads(self) -> int:
        return len(self._client().list_multipart_uploads(Bucket=self.bucket).get("Uploads", []))


def fault_object_store_down(
    install: Installation, repeat: int, store: PrivateObjectStore, content: Callable[[int], bytes]
) -> Tally:
    tally = Tally("object_store_down")
    items = sum(install.database.item_statuses().values())
    sent_files = 0
    for number in range(repeat):
        reporter = Reporter(install.port)
        try:
            reporter.start()
            status, _page = reporter.upload(content(4000 + number))
            if status != 302:
                raise Failure(f"the first upload, with the bucket up, answered {status}")
        except Failure as error:
            tally.reporter_errors += 1
            tally.problem(str(error))
            continue
        body = content(5000 + number)
        try:
            kept = reporter.kept_files()
            status, page = reporter.upload(
                body, kill_at=random.randrange(0, len(body)), kill=store.stop, keep=kept
            )
        except (OSError, http.client.HTTPException, Failure) as error:
            status, page = 0, str(error).encode()
        tally.injected += 1
        store.start()
        back = time.monotonic()
        if status == 200 and b"could not be stored just now" in page:
            tally.outcomes["told the file could not be stored just now"] += 1
        else:
            tally.reporter_errors += 1
            tally.problem(f"upload with the bucket down answered {status}")
        try:
            # What the files step lists now, ticked, as the reporter's browser posts it again.
            kept = tuple(match.decode() for match in _ATTACHED.findall(page))
            status, _page = reporter.upload(body, keep=kept)
            if status != 302:
                raise Failure(f"the upload with the bucket back answered {status}")
            reporter.to_review()
            if len(reporter.attached) != 2:
                raise Failure(f"the last step lists {len(reporter.attached)} files, not 2")
            if b"Two officers of the local public security bureau" not in reporter.review_page:
                raise Failure("the last step lost the answers")
            tally.outcomes[finish_submission(reporter, None)] += 1
            sent_files += 2
            tally.recoveries.append(time.monotonic() - back)
        except Failure as error:
            tally.lost += 1
            tally.problem(str(error))
    try:
        settle(install, items + sent_files, timeout=SETTLE_TIMEOUT + 120)
    except TimeoutError:
        tally.problem(f"files never processed: {dict(install.database.item_statuses())}")
    check_exactly_once(install, tally)
    stored = store.object_names()
    blobs = {name for (name,) in install.database.rows("SELECT storage_name FROM evidence_evidenceblob")}
    for name in sorted(blobs - stored):
        tally.lost += 1
        tally.problem(f"a row refers to a missing object: {name}")
    # What the outage cut off (an unfinished upload, a kept file's object) waits for the sweep's grace period
    # (an hour at least), tested in tests/evidence/test_object_store.py; counted here, not failed.
    pending = {name for (name,) in install.database.rows("SELECT storage_name FROM evidence_pendingupload")}
    tally.outcomes["objects left for the sweep"] = len(stored - blobs - pending)
    tally.outcomes["unfinished uploads left for the sweep"] = store.unfinished_uploads()
    return tally


@contextlib.contextmanager
def small_disk(directory: Path, size: str) -> Iterator[bool]:
    """Mount a tmpfs of ``size`` on ``directory`` (root only); yields whether it is mounted."""
    directory.mkdir(parents=True, exist_ok=True)
    mounted = (
        subprocess.run(  # noqa: S603 - a fixed command
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(directory)],  # noqa: S607 - mount from PATH
            capture_output=True,
            check=False,
        ).returncode
        == 0
    )
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(directory)], check=False)  # noqa: S603, S607 - umount from PATH


def remount(directory: Path, size_bytes: int) -> bool:
    return (
        subprocess.run(  # noqa: S603 - a fixed command
            ["mount", "-o", f"remount,size={size_bytes}", str(directory)],  # noqa: S607 - mount from PATH
            capture_output=True,
            check=False,
        ).returncode
        == 0
    )


def fault_disk_full(install: Installation, repeat: int, content: Callable[[int], bytes]) -> Tally:
    """The storage tmpfs is shrunk to what it holds plus less than the photo needs, then grown again."""
    tally = Tally("disk_full")
    mount_point = Path(install.env["LONGARM_STORAGE_DIR"])
    roomy = shutil.disk_usage(mount_point).total
    for number in range(repeat):
        body = content(3000 + number)
        used = shutil.disk_usage(mount_point).used
        page_size = os.sysconf("SC_PAGE_SIZE")
        room = random.randrange(0, max(1, len(body) // page_size - 1)) * page_size
        if not remount(mount_point, used + room + page_size):
            tally.skipped = "the storage tmpfs could not be shrunk"
            return tally
        tally.injected += 1
        reporter = Reporter(install.port)
        try:
            reporter.start()
            status, page = reporter.upload(body)
        except (OSError, http.client.HTTPException) as error:
            status, page = 0, str(error).encode()
        finally:
            remount(mount_point, roomy)
        if status == 200 and b"than we can take just now" in page:
            tally.outcomes["told to try again"] += 1
        else:
            tally.reporter_errors += 1
            tally.problem(f"upload on a full disk answered {status}")
        started = time.monotonic()
        try:
            status, page = reporter.upload(body)
            if status != 302:
                raise Failure(f"upload with space again answered {status}")
            reporter.to_review()
            finish_submission(reporter, None)
            tally.recoveries.append(time.monotonic() - started)
        except Failure as error:
            tally.reporter_errors += 1
            tally.problem(str(error))
    return tally


# --- Putting it together ------------------------------------------------------------------------------------


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=20, help="times each fault is injected (default 20)")
    parser.add_argument("--quick", action="store_true", help="3 repetitions and a 1 MiB photo")
    parser.add_argument("--photo-mib", type=float, default=5.0, help="size of the photo uploaded (MiB)")
    parser.add_argument("--only", default=",".join(FAULTS), help=f"faults to inject, of {', '.join(FAULTS)}")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.repeat, arguments.photo_mib = 3, 1.0
    unknown = set(arguments.only.split(",")) - set(FAULTS)
    if unknown:
        parser.error(f"unknown faults: {', '.join(sorted(unknown))}")
    return arguments


def installation_environment(data_dir: Path, database_url: str, tasks_url: str) -> dict[str, str]:
    data_dir.mkdir(mode=0o700)
    env = server_environment(data_dir)
    env.update(
        {
            "LONGARM_GATE_WORK": "1",
            "LONGARM_GATE_WORK_MAX": "1",
            "LONGARM_STORAGE_DIR": str(data_dir / "storage"),
            # Short, so that a killed worker's item comes back within the run (production: an hour).
            "LONGARM_EVIDENCE_LEASE_SECONDS": "15",
            "LONGARM_REDELIVER_SECONDS": "5",
            "LONGARM_EVIDENCE_OCR": "false",
        }
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    if tasks_url:
        env["LONGARM_TASKS_URL"] = tasks_url
    return env


def run_object_store_down(
    temporary: Path,
    admin_url: str,
    tasks_url: str,
    repeat: int,
    content: Callable[[int], bytes],
    installs: list[Installation],
) -> Tally:
    if os.environ.get("LONGARM_STORAGE_URL"):
        return Tally("object_store_down", skipped="the deployment's own bucket is not stopped by a benchmark")
    try:
        import moto.server  # noqa: F401 - only to know it is there
    except ImportError:
        return Tally("object_store_down", skipped="needs moto's server (pip install 'moto[server]')")
    log(f"object_store_down: {repeat} times, on an installation with evidence in a bucket")
    store = PrivateObjectStore()
    store.start()
    database_url = create_database(admin_url, "_s3") if admin_url else ""
    try:
        if tasks_url.startswith("redis://"):
            # Another Redis database: nothing the first installation queued reaches this one's worker.
            parsed = urllib.parse.urlsplit(tasks_url)
            number = int(parsed.path.lstrip("/") or 0)
            tasks_url = urllib.parse.urlunsplit(parsed._replace(path=f"/{(number + 1) % 16}"))
        data_dir = temporary / "data-s3"
        env = {**installation_environment(data_dir, database_url, tasks_url), **store.environment()}
        store.create_bucket()
        init_installation(env, temporary / "offline-s3" / "recovery.key")
        install = Installation(
            temporary / "data-s3", env, Database(database_url, data_dir / "longarm.sqlite3")
        )
        installs.append(install)
        install.start_server()
        install.start_worker()
        tally = fault_object_store_down(install, repeat, store, content)
        install.command("audit", "verify")
        install.stop()
        return tally
    finally:
        store.stop()
        if database_url:
            drop_database(admin_url, database_url)


def main() -> None:
    arguments = parse_arguments()
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    seed = arguments.seed if arguments.seed is not None else random.randrange(2**32)
    random.seed(seed)
    wanted = arguments.only.split(",")
    photos: dict[int, bytes] = {}

    def content(number: int) -> bytes:
        if number not in photos:
            photos[number] = photo(arguments.photo_mib, seed + number)
        return photos[number]

    temporary = Path(tempfile.mkdtemp(prefix="longarm-faults-"))
    temporary.chmod(0o755)  # the private PostgreSQL runs as another user below it
    given_database = os.environ.get("DATABASE_URL", "")
    given_tasks = os.environ.get("LONGARM_TASKS_URL", "")
    postgres: PrivatePostgres | None = None
    redis: PrivateRedis | None = None
    database_url = ""
    admin_url = ""
    installs: list[Installation] = []
    tallies: list[Tally] = []
    try:
        if given_database.startswith(("postgres://", "postgresql://")):
            admin_url = given_database
        elif "database_restart" in wanted and shutil.which("pg_ctl") and os.geteuid() == 0:
            postgres = PrivatePostgres(temporary)
            admin_url = postgres.start()
            log(f"private PostgreSQL on port {postgres.port}")
        if admin_url:
            database_url = create_database(admin_url)
        tasks_url = given_tasks
        if not tasks_url and "queue_down" in wanted and shutil.which("redis-server"):
            redis = PrivateRedis(temporary)
            tasks_url = redis.start()
            log(f"private Redis on port {redis.port}")
        data_dir = temporary / "data"
        env = installation_environment(data_dir, database_url, tasks_url)
        if os.environ.get("LONGARM_STORAGE_URL"):
            env["LONGARM_STORAGE_URL"] = os.environ["LONGARM_STORAGE_URL"]
        database = Database(database_url, data_dir / "longarm.sqlite3")
        if "disk_full" in wanted:
            if os.environ.get("LONGARM_STORAGE_URL"):
                disk = contextlib.nullcontext(False)
            else:
                # Room for every other fault's files; shrunk to full during disk_full (see fault_disk_full).
                disk = small_disk(
                    data_dir / "storage", f"{int(arguments.repeat * arguments.photo_mib * 12) + 64}m"
                )
        else:
            disk = contextlib.nullcontext(False)
        with disk as mounted:
            init_installation(env, temporary / "offline" / "recovery.key")
            install = Installation(temporary, env, database)
            installs.append(install)
            install.start_server()
            install.start_worker()
            # Its first heartbeat comes after its start-up checks: a fault injected before could make it
            # refuse to start, which would be counted as an exit under the fault.
            wait_for(
                lambda: int(install.database.scalar("SELECT count(*) FROM operations_workerheartbeat")) > 0,
                START_TIMEOUT,
                "the worker to start",
            )
            log(
                f"server on {HOST}:{install.port}, "
                f"{'PostgreSQL' if database_url else 'SQLite'}, "
                f"tasks {'on Redis' if tasks_url else 'in the database'}"
            )
            runs: dict[str, Callable[[], Tally]] = {
                "web_upload": lambda: fault_web_upload(install, arguments.repeat, content),
                "web_submission": lambda: fault_web_submission(install, arguments.repeat),
                "worker_sanitise": lambda: fault_worker_sanitise(install, arguments.repeat, content),
                "database_restart": lambda: fault_database_restart(install, arguments.repeat, postgres),
                "queue_down": lambda: fault_queue_down(install, arguments.repeat, redis, content),
            }
            for name in FAULTS:
                if name not in wanted or name == "object_store_down":
                    continue
                log(f"{name}: {arguments.repeat} times")
                if name == "disk_full":
                    if not mounted:
                        tally = Tally(name, skipped="needs root to mount a small tmpfs (and local storage)")
                    else:
                        tally = fault_disk_full(install, arguments.repeat, content)
                else:
                    tally = runs[name]()
                tallies.append(tally)
            log("waiting for every file to be processed, then sweeping storage")
            expected = sum(install.database.item_statuses().values())
            settle(install, expected)
            final = Tally("after_all")
            check_exactly_once(install, final)
            check_storage(install, final)
            outbox_drained(install, final)
            tallies.append(final)
            install.command("audit", "verify")
        if "object_store_down" in wanted:
            # Its own installation, with evidence in a bucket: the first one keeps local files for disk_full.
            install.stop()
            tallies.append(
                run_object_store_down(temporary, admin_url, tasks_url, arguments.repeat, content, installs)
            )
    except BaseException:
        for install in installs:
            sys.stderr.write(install.tail_logs())
        raise
    finally:
        for install in installs:
            install.stop()
        if database_url:
            drop_database(admin_url, database_url)
        if postgres is not None:
            postgres.stop()
        if redis is not None:
            redis.stop()
        shutil.rmtree(temporary, ignore_errors=True)
    injected = sum(tally.injected for tally in tallies)
    recoveries = [seconds for tally in tallies for seconds in tally.recoveries]
    report = {
        "benchmark": "faults",
        "seed": seed,
        "repeat": arguments.repeat,
        "photo_bytes": len(content(0)),
        "database": "postgresql" if database_url else "sqlite",
        "tasks": "redis" if given_tasks or redis else "database",
        "storage": "object storage" if os.environ.get("LONGARM_STORAGE_URL") else "local files",
        "faults_injected": injected,
        "records_lost": sum(tally.lost for tally in tallies),
        "duplicates": sum(tally.duplicates for tally in tallies),
        "reporter_errors": sum(tally.reporter_errors for tally in tallies),
        "recovery_seconds_p95": percentiles(recoveries)["p95"],
        "faults": {tally.name: tally.summary() for tally in tallies},
        # The worker exiting by itself (it refuses to start while the database is down), started again.
        "worker_exits": sum(install.worker_exits for install in installs),
    }
    for install in installs:
        for ending in install.worker_exit_logs:
            sys.stderr.write(f"--- the end of an exited worker's log\n{ending}\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

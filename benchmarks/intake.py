"""Intake throughput: how close anonymous submissions come to the Argon2id cost they deliberately pay.

Run from the repository root (takes about three minutes with the defaults)::

    .venv/bin/python benchmarks/intake.py [--seconds 20] [--rounds 3] [--concurrency 2xCPUs]
        [--floor-seconds 10] [--no-peer] [--fetch-form-each-time] [--database postgres://…]

What it does, in one run:

1. **The Argon2id floor.** With the server not running, one process per CPU derives receipt keys with
   :func:`longarm.crypto.kdf.derive_key` at the production receipt cost for ``--floor-seconds``. The summed
   derivations per second, divided by :data:`longarm.crypto.receipts.ARGON2_DERIVATIONS_PER_SUBMISSION`
   (the lookup hash and the reporter key pair), is the rate the machine would reach if a submission did
   nothing but its Argon2id derivations. It is measured before the load and again after it (step 6).
2. **The real server.** In a fresh temporary directory it runs ``longarm init`` (keyring, recovery key,
   SQLite database, static files) and ``longarm serve --no-worker`` (gunicorn, production settings) on a free
   port of 127.0.0.1, then waits for ``/`` to answer 200.
3. **The load**, in ``--rounds`` windows of ``--seconds``, each paired with one against the peer (step 4).
   ``--concurrency`` clients (threads, each with its own cookies and so its own session) loop for
   ``--seconds``: send a filled report through the questionnaire's steps, as a browser without JavaScript does
   — POST each of the question steps (``QUESTION_STEPS``), every question answered (each answers 302 to the
   next), GET the last step (which shows the receipt drawn for this draft), then POST it with the consent
   chosen, the receipt typed back and the gate paid. Each client fetches ``/report/`` once for the CSRF cookie
   and token; ``--fetch-form-each-time`` also GETs every step page before posting it (a reporter's whole
   visit). A submission succeeds when the final POST answers 302 to ``/report/sent/``. A few per client run
   first (in the first round) as a warm-up and are not counted.

   **The gate.** Every submission must pay the gate (``longarm.gate``) with a fresh, single-use solution,
   so before each POST the client fetches a challenge from ``/gate/challenge/report/`` and solves it with
   the ``altcha`` library's solver, as the widget does in a browser. The server is started with
   ``LONGARM_GATE_WORK=1`` and ``LONGARM_GATE_WORK_MAX=1``: the secret counter is then always the first
   one tried, so the client's share is a single PBKDF2 derivation (about half a millisecond) instead of the
   seconds a real reporter's browser spends on another machine. This changes nothing the server does: it
   still issues the challenge (one derivation, a pressure read), verifies it (two HMACs), records the spent
   token and counts the attempt, and all of that is inside the measured figures (the challenge GET is timed
   in ``gate_latency_ms``, the server's CPU in ``cpu_seconds_in_window``). So the ratio measures what the
   server spends per submission, the gate included, against the Argon2id floor.
4. **The peer** (``--no-peer`` leaves it out), started beside the server before the first round: in each
   round the same load, with the same number of clients, also runs against a peer of the same exchange:
   ``benchmarks/_intake_peer.py``, a bare WSGI application under gunicorn with ``longarm serve``'s worker
   settings that answers each request the way the clients need (the pages with their hidden fields and
   receipt, the 302s, a gate challenge) and does nothing but the two Argon2id derivations when the last
   step is posted. What it reaches is what gunicorn (gthread, Python), one connection per request and this
   load generator on the same CPUs leave of the floor, here and now: a bound for a Python server of this
   exchange under this load, not for every server. Its windows alternate with Longarm's (which of the two
   goes first alternates from round to round) so that both see the machine in much the same states (on a
   shared virtual machine the same code moves by 10 % or more between runs minutes apart). The clients of
   each server are kept from round to round, so that a client's first cycle (its CSRF token, a new session)
   falls in the warm-up.
5. Both are stopped and the temporary directory (with its recovery key) deleted, whatever happened.
6. The floor is measured again; ``floor_submissions_per_s`` is the higher of the two runs.

How to read the single JSON object printed on stdout (progress goes to stderr):

- ``submissions_per_s``: successful submissions (with all their steps) completed inside the measured
  windows, per second of them (all rounds pooled); ``ratio_by_round`` gives each window's ratio.
- ``latency_ms``: the final POST alone (the submission: validation, two Argon2id derivations, encryption,
  sealing, the database transaction, the redirect); ``get_latency_ms``: the steps before it (a POST per
  step of ``QUESTION_STEPS`` and the last step's GET; in ``--fetch-form-each-time`` mode the step pages'
  GETs too); ``cycle_latency_ms``: the whole cycle. Latencies include the cycles that ended after their
  window (``finished_after_window``), which are not counted in ``submissions_per_s``.
- ``floor_submissions_per_s`` and ``ratio`` = ``submissions_per_s / floor_submissions_per_s``. The target is
  ``ratio >= target_ratio`` (0.8): everything the system does besides its chosen Argon2id cost — Django,
  HTTP, the form page, encryption, SQLite, and this load generator, which shares the same CPUs — should
  cost less than 20% of the throughput. ``meets_target`` says whether this run reached it. The floor is an
  upper bound, so a ratio near 1 is the best possible; a ratio above 1 would mean the floor was measured
  on a busier machine than the load.
- ``peer``: the peer's ``submissions_per_s``, its ``ratio`` against the same floor, its CPU breakdown, and
  ``ratio_to_peer`` = Longarm's submissions per second / the peer's, and the peer's ``ratio_by_round``.
  ``1 - peer.ratio`` is the share of the floor that serving this exchange costs before any application
  code runs; ``1 - ratio_to_peer`` is what Longarm's own code (Django, sessions, the vault, templates,
  SQLite) costs on top. ``meets_target`` is judged on ``ratio`` alone. With ``--database`` the worker may
  still be deriving Longarm's reports during the peer's windows, which then understate the peer.
- ``floor.spread``: how far the two floor runs differ. Up to about 0.1 is ordinary noise on a virtual
  machine; well above it something else was using the CPUs (a test suite, a build) and the ratio is
  uncertain; ``load_average_1m`` and ``cpu_seconds_in_window.other_processes`` give the same hint.
- ``cpu_seconds_in_window`` (Linux): where the CPU time of the measured windows (added up) went — the server's
  processes, this load generator, anything else on the machine, idle, and time the hypervisor took.
  ``server_ms_per_submission`` against ``argon2.derivations_per_submission`` x ``floor.*.mean_derivation_ms``
  shows how much the server spends besides Argon2id; ``other_processes`` well above zero means the run
  was disturbed.
- ``errors``: failed cycles in the measured windows (``error_kinds`` counts them by cause). Any error makes
  the numbers suspect; the server's log is then copied to stderr.

The receipt cost is the server's own ``LONGARM_RECEIPT_ARGON2`` setting, read with the same environment
(``LONGARM_RECEIPT_ARGON2_OPS`` / ``LONGARM_RECEIPT_ARGON2_MEM`` override it for both the floor and the
server). By default the database is a fresh SQLite file and the server runs without its worker (``longarm
serve --no-worker``): what a report publishes (``core.outbox``) waits in the queue, and the ratio measures
the reporter's path alone. ``DATABASE_URL`` and other settings that would point the server elsewhere are
removed from its environment.

**PostgreSQL, worker live.** ``--database postgres://user@host:port/db`` (or ``LONGARM_BENCH_DATABASE_URL``)
creates a fresh database on that server (named after this process, dropped afterwards) and runs ``longarm
serve`` with its worker, which derives the facts, survey answers and indexes while the load runs. A monitor
polls the number of reports and of counted facts every 20 ms; ``queue_lag_ms`` is, for the k-th report, the
time from its commit being visible to the k-th fact being counted (p50, p95, max), which includes the
worker's polling interval; ``linked_lag_ms`` likewise to the k-th report whose typed identifiers the worker
has stored with their blind indexes (``reports_linked``). ``queue_drained`` says whether every report was
counted before the benchmark gave up waiting (``--drain-seconds``).

This is a benchmark, not a test: nothing here asserts on timing.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import altcha

from longarm.core.gunicorn_app import DEFAULT_THREADS, default_workers
from longarm.crypto.kdf import Argon2Cost, derive_key, new_salt
from longarm.crypto.receipts import ARGON2_DERIVATIONS_PER_SUBMISSION, new_receipt

HOST = "127.0.0.1"
TARGET_RATIO = 0.8
SERVER_START_TIMEOUT = 90.0
REQUEST_TIMEOUT = 120.0
# Settings that would point the benchmark's server at real data or change how it answers plain HTTP.
_SCRUBBED_ENV = (
    "DATABASE_URL",
    "LONGARM_STORAGE_DIR",
    "LONGARM_TASKS_URL",
    "LONGARM_HTTPS",
    "LONGARM_SSL_REDIRECT",
    "LONGARM_BEHIND_PROXY",
    "LONGARM_DEBUG",
    "LONGARM_ALLOWED_HOSTS",
    "LONGARM_CSRF_TRUSTED_ORIGINS",
    "LONGARM_SECRET_KEY",
)
_READ_RECEIPT_COST = (
    "import json; from longarm import settings; print(json.dumps(list(settings.LONGARM_RECEIPT_ARGON2)))"
)


def log(message: str) -> None:
    print(f"[intake-bench] {message}", file=sys.stderr, flush=True)


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# --- The Argon2id floor -------------------------------------------------------------------------------------


def _derive_until(start_at: float, seconds: float, opslimit: int, memlimit: int) -> tuple[int, float]:
    """In a worker process: derive keys from ``start_at`` for ``seconds``; return (count, elapsed)."""
    cost = Argon2Cost(opslimit, memlimit)
    secret = new_receipt().encode()
    derive_key(secret, new_salt(), cost)  # touch the memory once before the clock starts
    while (now := time.monotonic()) < start_at:
        time.sleep(min(0.01, start_at - now))
    started = time.monotonic()
    deadline = started + seconds
    count = 0
    while True:
        derive_key(secret, new_salt(), cost)
        count += 1
        finished = time.monotonic()
        if finished >= deadline:
            return count, finished - started


@dataclass(frozen=True)
class Floor:
    derivations_per_s: float
    derivations: int
    processes: int
    mean_derivation_ms: float

    @property
    def submissions_per_s(self) -> float:
        return self.derivations_per_s / ARGON2_DERIVATIONS_PER_SUBMISSION


def measure_floor(cost: Argon2Cost, seconds: float, processes: int) -> Floor:
    # CLOCK_MONOTONIC is shared by all processes on Linux, so one start time lines them all up.
    start_at = time.monotonic() + 3.0
    with ProcessPoolExecutor(max_workers=processes, mp_context=get_context("spawn")) as pool:
        futures = [
            pool.submit(_derive_until, start_at, seconds, cost.opslimit, cost.memlimit)
            for _ in range(processes)
        ]
        results = [future.result() for future in futures]
    total = sum(count for count, _ in results)
    rate = sum(count / elapsed for count, elapsed in results)
    mean_ms = statistics.fmean(elapsed / count for count, elapsed in results) * 1000
    return Floor(derivations_per_s=rate, derivations=total, processes=processes, mean_derivation_ms=mean_ms)


# --- The server ---------------------------------------------------------------------------------------------


def longarm_command() -> list[str]:
    script = Path(sys.executable).parent / "longarm"
    return [str(script)] if script.exists() else [sys.executable, "-m", "longarm.cli"]


def server_environment(data_dir: Path) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in _SCRUBBED_ENV}
    for name in _SCRUBBED_ENV:
        env.pop(f"{name}_FILE", None)
    env["LONGARM_DATA_DIR"] = str(data_dir)
    env["LONGARM_KEYS_DIR"] = str(data_dir / "keys")
    env["LONGARM_ALLOWED_HOSTS"] = HOST
    # A throw-away deployment on one disk: `longarm serve` refuses the keyring beside the database otherwise.
    env["LONGARM_KEYS_ON_DATABASE_DISK"] = "true"
    env["DJANGO_SETTINGS_MODULE"] = "longarm.settings"
    for name in ("LONGARM_DATA_DIR", "LONGARM_KEYS_DIR"):
        env.pop(f"{name}_FILE", None)  # a NAME_FILE would win over NAME
    return env


def receipt_cost(env: dict[str, str]) -> Argon2Cost:
    """The receipt cost exactly as the server will read it from this environment."""
    output = subprocess.run(  # noqa: S603 - fixed command, our own interpreter
        [sys.executable, "-c", _READ_RECEIPT_COST], env=env, check=True, capture_output=True, text=True
    ).stdout
    opslimit, memlimit = json.loads(output)
    return Argon2Cost(int(opslimit), int(memlimit))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def init_installation(env: dict[str, str], recovery_key: Path) -> None:
    recovery_key.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    result = subprocess.run(  # noqa: S603 - fixed command
        [*longarm_command(), "init", "--recovery-key-out", str(recovery_key)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise RuntimeError(f"longarm init failed with exit status {result.returncode}")


def start_server(
    env: dict[str, str], port: int, workers: int | None, log_file: Path, *, worker: bool = False
) -> subprocess.Popen[bytes]:
    command = [*longarm_command(), "serve", "--bind", f"{HOST}:{port}", *([] if worker else ["--no-worker"])]
    if workers is not None:
        command += ["--workers", str(workers)]
    with log_file.open("wb") as output:
        # Its own session (process group), so that stopping it reaches gunicorn's workers as well.
        return subprocess.Popen(  # noqa: S603 - fixed command
            command, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )


def start_peer(cost: Argon2Cost, port: int, workers: int, log_file: Path) -> subprocess.Popen[bytes]:
    """The peer (``_intake_peer``), served as ``longarm serve`` serves Longarm."""
    env = {
        **os.environ,
        "LONGARM_PEER_ARGON2_OPS": str(cost.opslimit),
        "LONGARM_PEER_ARGON2_MEM": str(cost.memlimit),
    }
    peer = Path(__file__).resolve().parent / "_intake_peer.py"
    command = [sys.executable, str(peer), f"--bind={HOST}:{port}", f"--workers={workers}"]
    with log_file.open("wb") as output:
        return subprocess.Popen(  # noqa: S603 - fixed command, our own interpreter
            command, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )


def wait_until_ready(server: subprocess.Popen[bytes], port: int, name: str = "the server") -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"{name} exited with status {server.returncode} before answering")
        try:
            status, _ = Client(port).request("GET", "/")
        except (OSError, http.client.HTTPException):
            status = 0
        if status == 200:
            return
        time.sleep(0.2)
    raise RuntimeError(f"{name} did not answer 200 on / within {SERVER_START_TIMEOUT:.0f} s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.terminate()  # gunicorn's master stops its workers gracefully on SIGTERM
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
    # Anything left in the server's own process group (a straggling gunicorn worker) goes too.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(server.pid, signal.SIGKILL)


# --- PostgreSQL with the worker live ------------------------------------------------------------------------


def _connect(url: str) -> Any:
    import psycopg

    return psycopg.connect(url, autocommit=True)


def create_database(url: str, suffix: str = "") -> str:
    """Create a fresh database on the server ``url`` names; return the URL of the new one."""
    parsed = urllib.parse.urlsplit(url)
    name = f"longarm_intake_bench_{os.getpid()}{suffix}"
    with _connect(url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return urllib.parse.urlunsplit(parsed._replace(path=f"/{name}"))


def drop_database(admin_url: str, url: str) -> None:
    name = urllib.parse.urlsplit(url).path.lstrip("/")
    with contextlib.suppress(Exception), _connect(admin_url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class QueueMonitor:
    """Polls how many reports are committed and how many are counted, to time the queue's lag."""

    url: str
    interval: float = 0.02
    samples: list[tuple[float, int, int, int]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        with _connect(self.url) as connection:
            while not self.stop.is_set():
                row = connection.execute(
                    "SELECT (SELECT count(*) FROM intake_report), "
                    "(SELECT count(*) FROM analytics_factincident WHERE source = 'report'), "
                    "(SELECT count(DISTINCT report_id) FROM linking_reportidentifier)"
                ).fetchone()
                self.samples.append((time.perf_counter(), int(row[0]), int(row[1]), int(row[2])))
                time.sleep(self.interval)

    def latest(self) -> tuple[int, int]:
        """Reports committed, and reports counted."""
        return (self.samples[-1][1], self.samples[-1][2]) if self.samples else (0, 0)

    def linked(self) -> int:
        """Reports whose typed identifiers the worker has stored (every benchmark report types some)."""
        return self.samples[-1][3] if self.samples else 0

    def wait_counted(self, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            reports, counted = self.latest()
            if reports and counted >= reports:
                return True
            time.sleep(0.1)
        return False

    def finish(self, drain_seconds: float) -> bool:
        """Wait until every committed report is counted (or ``drain_seconds`` pass); True if drained."""
        self.wait_counted(drain_seconds)
        self.stop.set()
        if self.thread is not None:
            self.thread.join(timeout=5)
        reports, counted = self.latest()
        return counted >= reports

    def lags(self, since: float, *, derived: int = 2) -> list[float]:
        """For each k whose report was first seen after ``since`` (the first measured window's start: warm-up
        reports wait for the worker to boot), the time from the k-th report being seen to the k-th derived
        row: ``derived=2`` counted facts, ``derived=3`` linked reports."""
        first_report: dict[int, float] = {}
        first_fact: dict[int, float] = {}
        seen_reports = seen_facts = 0
        for sample in self.samples:
            moment, reports, facts = sample[0], int(sample[1]), int(sample[derived])
            for k in range(seen_reports + 1, reports + 1):
                first_report[k] = moment
            for k in range(seen_facts + 1, facts + 1):
                first_fact[k] = moment
            seen_reports, seen_facts = max(seen_reports, reports), max(seen_facts, facts)
        return [
            first_fact[k] - first_report[k]
            for k in sorted(first_fact)
            if k in first_report and first_report[k] >= since
        ]


# --- The load -----------------------------------------------------------------------------------------------


_INPUT_TAG = re.compile(rb"<input\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(rb"""([A-Za-z_:][-\w:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")


def hidden_inputs(page: bytes) -> dict[str, str]:
    """The first value of each hidden ``<input>`` on the page, by name.

    A regular expression rather than :mod:`html.parser`: the load generator shares the server's CPUs, and a
    full parse of the 30 kB form page costs several milliseconds per cycle.
    """
    values: dict[str, str] = {}
    for tag in _INPUT_TAG.finditer(page):
        attributes = {
            match[1].lower().decode("ascii"): html.unescape(
                (match[2] or match[3] or match[4] or b"").decode("utf-8", errors="replace")
            )
            for match in _ATTRIBUTE.finditer(tag[0])
        }
        name = attributes.get("name")
        if attributes.get("type", "").lower() == "hidden" and name and name not in values:
            values[name] = attributes.get("value", "")
    return values


class Client:
    """One reporter's browser: its own cookies (hence its own session), one connection per request."""

    def __init__(self, port: int) -> None:
        self.csrf_token: str | None = None
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: list[tuple[str, str]] | None = None) -> tuple[int, bytes]:
        headers = {"Connection": "close", "Accept-Language": "en", "User-Agent": "longarm-intake-benchmark"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode("ascii")
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                self._remember(header)
            return response.status, data
        finally:
            connection.close()

    def _remember(self, header: str) -> None:
        pair, _, attributes = header.partition(";")
        name, _, value = pair.strip().partition("=")
        expired = any(
            part.strip().lower().replace(" ", "") in ("max-age=0", "max-age=-1")
            for part in attributes.split(";")
        )
        if expired:
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = value.strip().strip('"')


# The questionnaire's steps before the last one, in order (intake.steps.STEPS); each POST answers 302 to the
# next. The last of them attaches the files.
QUESTION_STEPS = (
    "/report/",
    "/report/did/",
    "/report/who/",
    "/report/how/",
    "/report/them/",
    "/report/more/",
)
STEPS_BEFORE_FILES = QUESTION_STEPS[:-1]
REVIEW_STEP = "/report/review/"
_RECEIPT = re.compile(rb'<p class="receipt"[^>]*>(.*?)</p>', re.S)


def report_form() -> list[tuple[str, str]]:
    """Every step's answers in one form: each step reads only its own questions."""
    return [
        (
            "what_happened",
            "Two officers of the local public security bureau called my mother and said my work for the "
            "community association in Tokyo must stop, or my brother would lose his job.",
        ),
        ("incident_year", "2025"),
        ("incident_month", "3"),
        ("incident_day", ""),
        ("host_country", "JP"),
        ("host_region", "JP-13"),
        ("actor_types", "psb_local"),
        ("channels", "wechat"),
        ("channels", "via_relative"),
        ("tactics", "relatives_threatened"),
        ("tactics", "asked_to_stop_activity"),
        ("tactic_other", ""),
        ("relatives_at_risk", "My mother and my brother, in Hohhot."),
        ("perpetrator_names", "Officer Wang"),
        ("perpetrator_phone_numbers", "+86 471 000 0000"),
        ("perpetrator_wechat_ids", "wxid_example"),
        ("perpetrator_badge_numbers", "150123"),
        ("perpetrator_other", "He said he worked for the county bureau."),
        ("community", "southern_mongolian"),
        ("contact", ""),
    ]


@dataclass(frozen=True)
class Cycle:
    started: float
    finished: float
    get_seconds: float
    post_seconds: float
    error: str | None  # None when the receipt page came back
    gate_seconds: float = 0.0


def pay_gate(client: Client, purpose: str) -> tuple[str, str]:
    """A solved ALTCHA challenge for one attempt at ``purpose``: the form field and its value."""
    status, body = client.request("GET", f"/gate/challenge/{purpose}/")
    if status != 200:
        raise http.client.HTTPException(f"challenge GET {status}")
    challenge = altcha.Challenge.from_dict(json.loads(body))
    solution = altcha.solve_challenge(challenge, timeout=REQUEST_TIMEOUT)
    if solution is None:
        raise http.client.HTTPException("challenge not solved in time")
    return "gate_pow", altcha.Payload(challenge, solution).to_base64()


def answer_steps(client: Client, *, fetch_each_step: bool) -> tuple[str | None, bytes]:
    """Post the question steps and GET the last one: an error, or None and the last step's page."""
    csrf = client.csrf_token or ""
    for path in QUESTION_STEPS:
        if fetch_each_step:
            status, _page = client.request("GET", path)
            if status != 200:
                return f"GET {path} {status}", b""
        status, _page = client.request("POST", path, [("csrfmiddlewaretoken", csrf), *report_form()])
        if status != 302:
            return f"POST {path} {status} (step refused?)", b""
    status, page = client.request("GET", REVIEW_STEP)
    if status != 200:
        return f"GET {REVIEW_STEP} {status}", b""
    return None, page


def submit_once(client: Client, *, reuse_form: bool) -> Cycle:
    """One submission through the steps. With ``reuse_form`` the client fetched ``/report/`` once for its
    CSRF token and posts each step straight away, as a reporter filing several reports in one session
    would; otherwise every step's page is fetched before it is posted (a reporter's whole visit)."""
    started = time.perf_counter()
    post_started = started
    try:
        if client.csrf_token is None:
            status, page = client.request("GET", "/report/")
            if status != 200:
                now = time.perf_counter()
                return Cycle(started, now, now - started, 0.0, f"GET {status}")
            client.csrf_token = hidden_inputs(page).get("csrfmiddlewaretoken")
            if not client.csrf_token:
                now = time.perf_counter()
                return Cycle(started, now, now - started, 0.0, "GET without a CSRF token")
        error, page = answer_steps(client, fetch_each_step=not reuse_form)
        receipt = _RECEIPT.search(page)
        token = hidden_inputs(page).get("submission_token")
        if error is None and (receipt is None or not token):
            error = "last step without a receipt or token"
        if error is not None or receipt is None:
            now = time.perf_counter()
            return Cycle(started, now, now - started, 0.0, error)
        typed = re.sub(rb"\D", b"", receipt[1]).decode("ascii")
        gate_started = time.perf_counter()
        gate = pay_gate(client, "report")
        post_started = time.perf_counter()
        status, _page = client.request(
            "POST",
            REVIEW_STEP,
            [
                ("csrfmiddlewaretoken", client.csrf_token),
                ("submission_token", token or ""),
                ("consent", "review"),
                ("typed_receipt", typed),
                gate,
            ],
        )
        finished = time.perf_counter()
        error = None if status == 302 else f"POST {REVIEW_STEP} {status} (not sent)"
        return Cycle(
            started,
            finished,
            gate_started - started,
            finished - post_started,
            error,
            gate_seconds=post_started - gate_started,
        )
    except (OSError, http.client.HTTPException) as exception:
        finished = time.perf_counter()
        return Cycle(started, finished, post_started - started, 0.0, f"{type(exception).__name__}")


@dataclass(frozen=True)
class CpuSnapshot:
    """CPU seconds used so far: by the whole machine, by the server's processes, by this process."""

    machine_busy: float
    machine_steal: float
    server: float
    load_generator: float


def _clock_ticks() -> float:
    return float(os.sysconf("SC_CLK_TCK"))


def _machine_cpu() -> tuple[float, float]:
    """Busy and stolen CPU seconds of the whole machine since boot, from /proc/stat (Linux)."""
    fields = Path("/proc/stat").read_text(encoding="ascii").splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(value) for value in fields[:8])
    return (user + nice + system + irq + softirq) / _clock_ticks(), steal / _clock_ticks()


def _process_group_cpu(group: int) -> float:
    """CPU seconds used by the live processes of one process group (the server and its workers)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue  # the process ended meanwhile
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == group:
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / _clock_ticks()


def cpu_snapshot(server_group: int) -> CpuSnapshot | None:
    try:
        busy, steal = _machine_cpu()
        return CpuSnapshot(busy, steal, _process_group_cpu(server_group), time.process_time())
    except (OSError, ValueError, IndexError):
        return None  # not Linux: the breakdown is left out


def cpu_breakdown(used: CpuSnapshot, seconds: float, cpus: int, submissions: int) -> dict[str, Any]:
    """Where ``used`` (CPU seconds spent in ``seconds`` of wall time) went."""
    others = used.machine_busy - used.server - used.load_generator
    return {
        "available": round(seconds * cpus, 2),
        "server": round(used.server, 2),
        "load_generator": round(used.load_generator, 2),
        "other_processes": round(max(0.0, others), 2),
        "idle": round(max(0.0, seconds * cpus - used.machine_busy), 2),
        "stolen_by_hypervisor": round(used.machine_steal, 2),
        "server_ms_per_submission": round(used.server / submissions * 1000, 1) if submissions else None,
    }


@dataclass
class LoadResult:
    window_start: float
    deadline: float
    cycles: list[Cycle] = field(default_factory=list)
    cpu_at_start: CpuSnapshot | None = None
    cpu_at_deadline: CpuSnapshot | None = None


def run_load(
    port: int,
    server_group: int,
    concurrency: int,
    seconds: float,
    warmup_per_client: int,
    reuse_form: bool,
    *,
    clients: list[Client] | None = None,
) -> tuple[LoadResult, int]:
    """One measured window of ``seconds``; ``clients`` (made for ``port`` when not given) keep their cookies
    and CSRF token from one window to the next."""
    clients = clients if clients is not None else [Client(port) for _ in range(concurrency)]
    warmup_errors: list[int] = [0]
    lock = threading.Lock()
    ready = threading.Barrier(concurrency + 1)
    go = threading.Event()
    result = LoadResult(window_start=0.0, deadline=0.0)

    def work(client: Client) -> None:
        for _ in range(warmup_per_client):
            warm = submit_once(client, reuse_form=reuse_form)
            if warm.error is not None:
                with lock:
                    warmup_errors[0] += 1
        ready.wait()
        go.wait()
        mine: list[Cycle] = []
        while time.perf_counter() < result.deadline:
            mine.append(submit_once(client, reuse_form=reuse_form))
        with lock:
            result.cycles.extend(mine)

    threads = [threading.Thread(target=work, args=(client,), daemon=True) for client in clients]
    for thread in threads:
        thread.start()
    ready.wait()
    result.cpu_at_start = cpu_snapshot(server_group)
    result.window_start = time.perf_counter()
    result.deadline = result.window_start + seconds
    go.set()
    time.sleep(max(0.0, result.deadline - time.perf_counter()))
    result.cpu_at_deadline = cpu_snapshot(server_group)
    for thread in threads:
        thread.join()
    return result, warmup_errors[0]


def percentiles_ms(samples: list[float]) -> dict[str, float | None]:
    if not samples:
        return {"p50": None, "p95": None, "mean": None, "max": None}
    if len(samples) == 1:
        only = round(samples[0] * 1000, 1)
        return {"p50": only, "p95": only, "mean": only, "max": only}
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {
        "p50": round(cuts[49] * 1000, 1),
        "p95": round(cuts[94] * 1000, 1),
        "mean": round(statistics.fmean(samples) * 1000, 1),
        "max": round(max(samples) * 1000, 1),
    }


# --- Putting it together ------------------------------------------------------------------------------------


def parse_arguments() -> argparse.Namespace:
    cpus = cpu_count()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0] if __doc__ else None)
    parser.add_argument(
        "--seconds", type=float, default=20.0, help="each measured window of load (default 20)"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="measured windows against Longarm, each paired with one against the peer (default 3)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=2 * cpus,
        help=f"concurrent clients (default 2 x CPUs = {2 * cpus})",
    )
    parser.add_argument(
        "--floor-seconds",
        type=float,
        default=10.0,
        help="time for each of the two Argon2id-only floor runs (default 10)",
    )
    parser.add_argument(
        "--fetch-form-each-time",
        action="store_true",
        help="GET every step's page before posting it (a whole visit), not only /report/ once per client",
    )
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured submissions per client (default 2)")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: the server's)")
    parser.add_argument(
        "--no-peer",
        action="store_true",
        help="leave out the peer (a bare WSGI server of the same exchange, measured after Longarm)",
    )
    parser.add_argument(
        "--database",
        default=os.environ.get("LONGARM_BENCH_DATABASE_URL", ""),
        help="postgres://… server to run on, with the worker live (default: SQLite, no worker)",
    )
    parser.add_argument(
        "--drain-seconds",
        type=float,
        default=60.0,
        help="with --database, how long to wait after the load for the worker to count every report",
    )
    arguments = parser.parse_args()
    if arguments.database and not arguments.database.startswith(("postgres://", "postgresql://")):
        parser.error("--database must be a postgres:// URL")
    if arguments.seconds <= 0 or arguments.floor_seconds <= 0 or arguments.concurrency < 1:
        parser.error("--seconds and --floor-seconds must be positive and --concurrency at least 1")
    if arguments.rounds < 1:
        parser.error("--rounds must be at least 1")
    return arguments


def timed_floor(cost: Argon2Cost, seconds: float, processes: int, when: str) -> Floor:
    log(
        f"Argon2id floor {when} the load: {processes} processes, opslimit={cost.opslimit} "
        f"memlimit={cost.memlimit}, {seconds:g} s"
    )
    floor = measure_floor(cost, seconds, processes)
    log(
        f"  {floor.derivations_per_s:.2f} derivations/s = {floor.submissions_per_s:.2f} submissions/s "
        f"({floor.mean_derivation_ms:.0f} ms per derivation in each process)"
    )
    return floor


def floor_summary(floor: Floor) -> dict[str, Any]:
    return {
        "submissions_per_s": round(floor.submissions_per_s, 3),
        "derivations_per_s": round(floor.derivations_per_s, 3),
        "derivations": floor.derivations,
        "mean_derivation_ms": round(floor.mean_derivation_ms, 1),
    }


def load_average() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # so that `finally` stops the server and removes the directory


@dataclass
class Windows:
    """The measured windows of one server over the rounds: what completed inside each, pooled."""

    seconds: float
    cycles: list[Cycle] = field(default_factory=list)  # finished inside their window
    late: list[Cycle] = field(default_factory=list)  # finished after their window ended: not counted
    warmup_errors: int = 0
    cpu: list[tuple[CpuSnapshot, CpuSnapshot]] = field(default_factory=list)
    per_window: list[int] = field(default_factory=list)  # submissions that succeeded, window by window
    first_start: float = 0.0  # when the first window began (perf_counter)

    def add(self, load: LoadResult, warmup_errors: int) -> None:
        inside = [cycle for cycle in load.cycles if cycle.finished <= load.deadline]
        if not self.per_window:
            self.first_start = load.window_start
        self.cycles += inside
        self.late += [cycle for cycle in load.cycles if cycle.finished > load.deadline]
        self.warmup_errors += warmup_errors
        self.per_window.append(sum(cycle.error is None for cycle in inside))
        if load.cpu_at_start is not None and load.cpu_at_deadline is not None:
            self.cpu.append((load.cpu_at_start, load.cpu_at_deadline))

    @property
    def succeeded(self) -> list[Cycle]:
        return [cycle for cycle in self.cycles if cycle.error is None]

    @property
    def failed(self) -> list[Cycle]:
        return [cycle for cycle in self.cycles if cycle.error is not None]

    @property
    def timed(self) -> list[Cycle]:
        """Every successful cycle, those that ended after their window included: the latencies."""
        return [cycle for cycle in self.cycles + self.late if cycle.error is None]

    def ratios(self, floor: Floor) -> list[float]:
        """Each window's ratio to ``floor``."""
        return [round(count / self.seconds / floor.submissions_per_s, 3) for count in self.per_window]

    def submissions_per_s(self) -> float:
        return len(self.succeeded) / (self.seconds * len(self.per_window))

    def cpu_breakdown(self, cpus: int) -> dict[str, Any] | None:
        """CPU seconds of all the windows together, by whom (Linux only)."""
        if not self.cpu or len(self.cpu) < len(self.per_window):
            return None
        windows = [
            {name: getattr(end, name) - getattr(start, name) for name in _CPU_FIELDS}
            for start, end in self.cpu
        ]
        used = CpuSnapshot(**{name: sum(window[name] for window in windows) for name in _CPU_FIELDS})
        return cpu_breakdown(used, self.seconds * len(self.per_window), cpus, len(self.succeeded))


_CPU_FIELDS = ("machine_busy", "machine_steal", "server", "load_generator")


def measure_rounds(
    arguments: argparse.Namespace, servers: list[tuple[int, int]], *, on_round: Any = None
) -> list[Windows]:
    """``--rounds`` rounds of the same load against each server in turn (``(port, process group)``); the
    warm-up is made in the first round only."""
    windows = [Windows(arguments.seconds) for _ in servers]
    # The same clients in every round: a client's first cycle (the GET for its CSRF token, a new session)
    # falls in the warm-up, never in a measured window.
    clients = [[Client(port) for _ in range(arguments.concurrency)] for port, _group in servers]
    for number in range(arguments.rounds):
        # Which server goes first alternates, so that a drift within a round favours neither.
        order = list(zip(servers, windows, clients, strict=True))
        for (port, group), measured, own in order if number % 2 == 0 else reversed(order):
            load, warmup_errors = run_load(
                port,
                group,
                arguments.concurrency,
                arguments.seconds,
                arguments.warmup if number == 0 else 0,
                reuse_form=not arguments.fetch_form_each_time,
                clients=own,
            )
            measured.add(load, warmup_errors)
        if on_round is not None:
            on_round(number, windows)
    return windows


def peer_summary(peer: Windows, cpus: int, floor: Floor, submissions_per_s: float) -> dict[str, Any]:
    peer_per_s = peer.submissions_per_s()
    return {
        "what": "a bare WSGI application under the same gunicorn settings, answering the same requests and "
        "doing only the two Argon2id derivations (benchmarks/_intake_peer.py), its windows interleaved with "
        "Longarm's",
        "submissions_per_s": round(peer_per_s, 3),
        "ratio": round(peer_per_s / floor.submissions_per_s, 3),
        "errors": len(peer.failed),
        "error_kinds": dict(Counter(cycle.error for cycle in peer.failed if cycle.error is not None)),
        "warmup_errors": peer.warmup_errors,
        "finished_after_window": len(peer.late),
        "cpu_seconds_in_window": peer.cpu_breakdown(cpus),
        "ratio_to_peer": round(submissions_per_s / peer_per_s, 3) if peer_per_s else None,
    }


def _log_text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def _log_round(number: int, windows: list[Windows]) -> None:
    done = ", ".join(f"{window.per_window[-1] / window.seconds:.2f}/s" for window in windows)
    # Listed as the servers are (Longarm first), whichever ran first in this round.
    log(f"round {number + 1}: {done} (Longarm{', peer' if len(windows) > 1 else ''})")


def main() -> None:
    arguments = parse_arguments()
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    cpus = cpu_count()
    workers = arguments.workers if arguments.workers is not None else default_workers()
    load_average_at_start = load_average()
    temporary = Path(tempfile.mkdtemp(prefix="longarm-intake-bench-"))
    server: subprocess.Popen[bytes] | None = None
    peer_server: subprocess.Popen[bytes] | None = None
    peer_port = 0
    windows: list[Windows] = []
    log_file = temporary / "server.log"
    database_url = ""
    monitor: QueueMonitor | None = None
    queue_drained: bool | None = None
    try:
        data_dir = temporary / "data"
        # `longarm init` runs Django's system checks, which open the SQLite file, before it creates anything.
        data_dir.mkdir(mode=0o700)
        env = server_environment(data_dir)
        # The client's share of the gate made negligible; the server's share unchanged (see the docstring).
        env["LONGARM_GATE_WORK"] = "1"
        env["LONGARM_GATE_WORK_MAX"] = "1"
        cost = receipt_cost(env)
        # Hand the server exactly the cost the floor is measured with.
        env["LONGARM_RECEIPT_ARGON2_OPS"] = str(cost.opslimit)
        env["LONGARM_RECEIPT_ARGON2_MEM"] = str(cost.memlimit)
        for name in ("LONGARM_RECEIPT_ARGON2_OPS", "LONGARM_RECEIPT_ARGON2_MEM"):
            env.pop(f"{name}_FILE", None)
        if arguments.database:
            database_url = create_database(arguments.database)
            env["DATABASE_URL"] = database_url
            log(f"PostgreSQL database {urllib.parse.urlsplit(database_url).path.lstrip('/')}, worker live")

        floor_before = timed_floor(cost, arguments.floor_seconds, cpus, "before")

        log(f"longarm init in {temporary}")
        init_installation(env, temporary / "offline" / "recovery.key")
        port = free_port()
        log(f"starting the server on {HOST}:{port}")
        server = start_server(env, port, workers, log_file, worker=bool(database_url))
        wait_until_ready(server, port)
        if database_url:
            monitor = QueueMonitor(database_url)
            monitor.start()
            # One report counted before the load: the worker has booted, and the lag is the queue's alone.
            probe = submit_once(Client(port), reuse_form=False)
            if probe.error is not None:
                raise RuntimeError(f"the probe submission failed: {probe.error}")
            if not monitor.wait_counted(SERVER_START_TIMEOUT):
                raise RuntimeError("the worker did not count the probe report")

        if not arguments.no_peer:
            peer_port = free_port()
            log(f"starting the peer (a bare WSGI server of the same exchange) on {HOST}:{peer_port}")
            peer_server = start_peer(cost, peer_port, workers, temporary / "peer.log")
            wait_until_ready(peer_server, peer_port, "the peer")
        servers = [(port, server.pid)] + ([] if peer_server is None else [(peer_port, peer_server.pid)])
        log(
            f"load: {arguments.rounds} rounds of {arguments.seconds:g} s against "
            f"{'Longarm and the peer in turn' if peer_server else 'Longarm'}, "
            f"{arguments.concurrency} clients, "
            f"{arguments.warmup} warm-up submissions each in the first round"
        )
        windows = measure_rounds(arguments, servers, on_round=_log_round)
        if monitor is not None:
            log("waiting for the worker to count every report")
            queue_drained = monitor.finish(arguments.drain_seconds)
    finally:
        if monitor is not None:
            monitor.stop.set()
        for running, name in ((server, "the server"), (peer_server, "the peer")):
            if running is not None:
                log(f"stopping {name}")
                try:
                    stop_server(running)
                except (OSError, subprocess.SubprocessError) as exception:
                    log(f"{name} did not stop: {exception!r}")  # the rest is cleaned up all the same
        server_log, peer_log = _log_text(log_file), _log_text(temporary / "peer.log")
        if not windows and peer_log:
            sys.stderr.write(f"the peer's log:\n{peer_log[-4000:]}")
        shutil.rmtree(temporary, ignore_errors=True)
        if database_url:
            drop_database(arguments.database, database_url)
    load, peer = windows[0], (windows[1] if len(windows) > 1 else None)
    load_average_after_load = load_average()
    floor_after = timed_floor(cost, arguments.floor_seconds, cpus, "after")
    # The higher of the two: the more demanding target, and the one least disturbed by other work.
    floor = max(floor_before, floor_after, key=lambda measured: measured.submissions_per_s)
    floor_spread = (
        abs(floor_before.submissions_per_s - floor_after.submissions_per_s) / floor.submissions_per_s
    )
    if floor_spread > 0.15:
        log(
            f"the floor moved by {floor_spread:.0%} between its two runs: something else was probably using "
            "the CPUs, so the ratio is uncertain"
        )

    succeeded, failed = load.succeeded, load.failed
    warmup_errors = load.warmup_errors
    submissions_per_s = load.submissions_per_s()
    ratio = submissions_per_s / floor.submissions_per_s
    if failed or warmup_errors:
        log(f"{len(failed)} errors in the windows, {warmup_errors} in the warm-up; the server's log follows")
        sys.stderr.write(server_log[-8000:])
    if peer is not None and (peer.failed or peer.warmup_errors):
        log(f"{len(peer.failed)} errors against the peer, {peer.warmup_errors} in warm-up; its log follows")
        sys.stderr.write(peer_log[-4000:])

    report: dict[str, Any] = {
        "benchmark": "intake",
        "mode": "every step's page fetched before it is posted"
        if arguments.fetch_form_each_time
        else "first page fetched once per client, then the steps posted for each submission",
        "submissions_per_s": round(submissions_per_s, 3),
        "latency_ms": percentiles_ms([cycle.post_seconds for cycle in load.timed]),
        "cycle_latency_ms": percentiles_ms([cycle.finished - cycle.started for cycle in load.timed]),
        "get_latency_ms": percentiles_ms([cycle.get_seconds for cycle in load.timed]),
        # Fetching and solving the gate's challenge before each POST (the solve is one derivation here).
        "gate_latency_ms": percentiles_ms([cycle.gate_seconds for cycle in load.timed]),
        "floor_submissions_per_s": round(floor.submissions_per_s, 3),
        "floor_derivations_per_s": round(floor.derivations_per_s, 3),
        "ratio": round(ratio, 3),
        "target_ratio": TARGET_RATIO,
        "meets_target": ratio >= TARGET_RATIO,
        "submissions": len(succeeded),
        "errors": len(failed),
        "error_kinds": dict(Counter(cycle.error for cycle in failed if cycle.error is not None)),
        "finished_after_window": len(load.late),
        "warmup_submissions": arguments.warmup * arguments.concurrency,
        "warmup_errors": warmup_errors,
        "duration_s": arguments.seconds,  # of each window; the figures pool `rounds` of them
        "rounds": arguments.rounds,
        # Each round's ratio (and the peer's, measured right after it): how much the machine moved.
        "ratio_by_round": load.ratios(floor),
        "concurrency": arguments.concurrency,
        "cpu_count": cpus,
        # CPU seconds spent during the measured windows, by whom (Linux only; null elsewhere).
        "cpu_seconds_in_window": load.cpu_breakdown(cpus),
        "argon2": {
            "algorithm": "argon2id",
            "opslimit": cost.opslimit,
            "memlimit": cost.memlimit,
            "derivations_per_submission": ARGON2_DERIVATIONS_PER_SUBMISSION,
        },
        "floor": {
            "seconds_each": arguments.floor_seconds,
            "processes": cpus,
            "before": floor_summary(floor_before),
            "after": floor_summary(floor_after),
            "spread": round(floor_spread, 3),
        },
        "load_average_1m": {"start": load_average_at_start, "after_load": load_average_after_load},
        "server": {
            "command": "longarm serve" if database_url else "longarm serve --no-worker",
            "workers": workers,
            "threads": DEFAULT_THREADS,
            "database": "postgresql" if database_url else "sqlite",
        },
        "python": platform.python_version(),
    }
    if peer is not None:
        report["peer"] = peer_summary(peer, cpus, floor, submissions_per_s)
        report["peer"]["ratio_by_round"] = peer.ratios(floor)
    if monitor is not None:
        # Commit → counted by the worker, per report (see the docstring); includes its polling interval.
        report["queue_lag_ms"] = percentiles_ms(monitor.lags(load.first_start))
        # Commit → linked: the report's typed identifiers stored with their blind indexes.
        report["linked_lag_ms"] = percentiles_ms(monitor.lags(load.first_start, derived=3))
        report["reports_linked"] = monitor.linked()
        report["queue_drained"] = queue_drained
        report["reports_committed_counted"] = list(monitor.latest())
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

"""Memory: the load benchmark's journeys through Django in one process, to tell a Python-level leak from
the allocator's fragmentation when ``benchmarks/load.py`` shows a web worker's resident memory creeping.

Run from the repository root (a few minutes with the defaults)::

    .venv/bin/python benchmarks/memory.py [--rounds 150] [--warm-up 40] [--threads 2] [--rss-only]

In a fresh temporary directory it runs ``longarm init``, ``longarm createstaff`` and ``longarm worker`` (a
process of its own, as beside ``longarm serve``), on SQLite or on a fresh database of the PostgreSQL server
``DATABASE_URL`` names, with the settings ``benchmarks/load.py`` gives its server (the gate's proof of work
at its minimum, the upload budgets above the run's traffic). Then, in this process, it sets Django up with
those production settings and calls the real WSGI application (``longarm.wsgi.application``: every
middleware, the signals that close database connections after each request, CSRF enforced) from
``--threads`` threads, as one gunicorn gthread worker does; no sockets, so nothing but the server's own
work is measured.

A round is one of each of the load benchmark's journeys (see ``benchmarks/load.py``):

- a reporter: the questionnaire's steps, one photo of ``--photo-mib`` at the files step, the last step
  with the receipt typed back and the gate paid; then, in a new browser session, the mailbox log-in with
  the receipt (gate and Argon2id) and the mailbox page;
- a caseworker (each thread's own, logged in once with password, TOTP and gate): the inbox, a report, a
  reply, the report's case (opened from the report the first time) and the case page;
- an analyst (each thread's own, logged in once): the analytics dashboard.

After ``--warm-up`` rounds, :mod:`tracemalloc` starts, and snapshots are taken (after a full garbage
collection) then and after each of two equal measured phases of ``--rounds`` rounds. A leak proportional
to requests grows the traced memory in both phases alike; a cache filling up to its bound, or a lazy
import, only in the first.

Printed JSON: ``requests`` and ``errors`` (target 0: an error voids the figures); ``traced_mb`` at the
three snapshots and ``traced_growth_kib_per_round`` in each phase; ``python_objects``
(``gc.get_objects()``) likewise; ``top_growth``: the allocation sites whose live memory grew most from the
first snapshot to the last, each with the innermost frame and the nearest frame in Longarm's code;
``rss_mb`` of this process at the three points (with tracemalloc running it includes tracemalloc's own
records); ``malloc``: glibc's account of its heap at the three points (``in_use_mb``: what the program
holds, Python's objects and native libraries' alike; ``free_in_arenas_mb``: freed but kept), which tells a
native leak from fragmentation; ``rss_after_trim_mb``: the resident memory once ``malloc_trim`` has returned
the free pages; ``malloc_env``: the glibc ``MALLOC_*`` settings this process started with; and
``python_leak``: whether the traced memory grew by more than ``--leak-kib`` per round in *both* phases.

With ``--rss-only`` tracemalloc is not started: the resident memory alone, at full speed, to compare the
allocator's settings in one process, e.g. ``MALLOC_ARENA_MAX=2 .venv/bin/python benchmarks/memory.py
--rss-only`` against the same without it (glibc reads them when the process starts).

Python-level memory that grows with the *data* rather than with requests is expected and is not a leak:
the analytics dashboard's in-process copy of the facts (``analytics.snapshot``) gains a few bytes per
report the worker counts.

This is a diagnostic, not a test: its figures depend on the machine. What it finds is fixed at the source,
with tests under ``tests/`` that fail on the old code.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import io
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import altcha

from _setup import STAFF_PASSWORD, create_staff, photo
from intake import (
    HOST,
    STEPS_BEFORE_FILES,
    _exit_on_sigterm,
    create_database,
    drop_database,
    hidden_inputs,
    init_installation,
    longarm_command,
    report_form,
    server_environment,
    stop_server,
)

MALLOC_SETTINGS = ("MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_")
_RECEIPT = re.compile(rb'<p class="receipt"[^>]*>(.*?)</p>', re.S)
_ATTACHED = re.compile(rb'name="attached" value="([0-9a-f]{32})"')
_REPORT_LINK = re.compile(rb'href="(/console/reports/[0-9a-f-]{36}/)"')
_CASE_LINK = re.compile(rb'href="(/console/cases/[0-9a-f-]{36}/)"')
_OWN_CODE = f"{os.sep}longarm{os.sep}"


def log(message: str) -> None:
    print(f"[memory] {message}", file=sys.stderr, flush=True)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
            "keepcost",
        )
    ]  # fmt: skip


def malloc_state() -> dict[str, float] | None:
    """glibc's own account of its heap (``mallinfo2``): the bytes the program holds, and the bytes freed but
    kept in its arenas. A native leak raises the first; fragmentation the second (and ``malloc_trim`` then
    gives pages back). None where the C library is not glibc 2.33 or later."""
    try:
        libc = ctypes.CDLL(None)
        mallinfo2 = libc.mallinfo2
    except (OSError, AttributeError):
        return None
    mallinfo2.restype = _MallInfo2
    info = mallinfo2()
    return {
        "in_use_mb": round((info.uordblks + info.hblkhd) / 1024**2, 1),
        "free_in_arenas_mb": round(info.fordblks / 1024**2, 1),
    }


def rss_after_trim_mb() -> float | None:
    """The resident memory after ``malloc_trim(0)`` hands glibc's free pages back to the system."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        return None
    return rss_mb()


# --- A browser that calls the WSGI application --------------------------------------------------------------


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests = 0
        self.errors: Counter[str] = Counter()

    def count(self, name: str, status: int, expected: int) -> bool:
        with self.lock:
            self.requests += 1
            if status != expected:
                self.errors[f"{name}: {status}"] += 1
        return status == expected


class Browser:
    """One visitor's browser: its own cookies; each request a WSGI call of the real application."""

    def __init__(self, application: Any, tally: Tally) -> None:
        from django.test.client import RequestFactory

        self.application = application
        self.tally = tally
        self.factory = RequestFactory(
            SERVER_NAME=HOST,
            HTTP_ACCEPT_LANGUAGE="en",
            HTTP_USER_AGENT="longarm-memory-check",
            **{"wsgi.multithread": True},
        )
        # RequestFactory.request() makes a WSGIRequest of the environ; the application wants the environ.
        self.factory.request = lambda **request: self.factory._base_environ(**request)  # type: ignore[method-assign]

    def request(
        self,
        method: str,
        path: str,
        name: str,
        *,
        form: list[tuple[str, str]] | None = None,
        files: dict[str, tuple[str, bytes]] | None = None,
        expect: int = 200,
    ) -> tuple[int, dict[str, str], bytes]:
        from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

        if files:
            data: dict[str, Any] = {}
            for key, value in form or []:
                data.setdefault(key, []).append(value)
            for key, (filename, content) in files.items():
                upload = io.BytesIO(content)
                upload.name = filename
                data[key] = upload
            environ = self.factory.generic(method, path, encode_multipart(BOUNDARY, data), MULTIPART_CONTENT)
        elif form is not None:
            body = urllib.parse.urlencode(form)
            environ = self.factory.generic(method, path, body, "application/x-www-form-urlencoded")
        else:
            environ = self.factory.generic(method, path)
        answer: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answer["status"], answer["headers"] = int(status.split(" ", 1)[0]), headers
            return lambda data: None

        result = self.application(environ, start_response)
        try:
            body_bytes = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()  # request_finished: the database connection is closed, as under gunicorn
        headers: dict[str, str] = {}
        for header, value in answer["headers"]:
            if header.lower() == "set-cookie":
                self._remember(value)
            headers[header.lower()] = value
        self.tally.count(name, answer["status"], expect)
        return answer["status"], headers, body_bytes

    def _remember(self, header: str) -> None:
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        for key, morsel in cookie.items():
            if morsel["max-age"] in ("0", 0):
                self.factory.cookies.pop(key, None)
            else:
                self.factory.cookies[key] = morsel.value

    def forget_cookies(self) -> None:
        self.factory.cookies.clear()

    def gate(self, purpose: str) -> tuple[str, str]:
        _, _, body = self.request("GET", f"/gate/challenge/{purpose}/", f"gate: {purpose}")
        challenge = altcha.Challenge.from_dict(json.loads(body))
        solution = altcha.solve_challenge(challenge, timeout=60)
        return "gate_pow", altcha.Payload(challenge, solution).to_base64()


# --- The journeys (as benchmarks/load.py runs them) ---------------------------------------------------------


def csrf_of(page: bytes) -> str:
    return hidden_inputs(page).get("csrfmiddlewaretoken", "")


def reporter(browser: Browser, photo: bytes) -> None:
    _, _, page = browser.request("GET", "/report/", "report: form")
    csrf = csrf_of(page)
    answers = [("csrfmiddlewaretoken", csrf), *report_form()]
    for path in STEPS_BEFORE_FILES:
        name = path.removeprefix("/report/").strip("/") or "what"
        if browser.request("POST", path, f"report: {name}", form=answers, expect=302)[0] != 302:
            return
    files = {"attachments": ("photo.jpg", photo)}
    more = [("csrfmiddlewaretoken", csrf)]
    if (
        browser.request("POST", "/report/more/", "report: files", form=more, files=files, expect=302)[0]
        != 302
    ):
        return
    _, _, review = browser.request("GET", "/report/review/", "report: last step")
    receipt = _RECEIPT.search(review)
    if receipt is None:
        browser.tally.count("report: last step without a receipt", 0, 200)
        return
    typed = re.sub(rb"\D", b"", receipt[1]).decode()
    hidden = hidden_inputs(review)
    form = [
        ("csrfmiddlewaretoken", hidden.get("csrfmiddlewaretoken", csrf)),
        ("consent", "review"),
        ("submission_token", hidden.get("submission_token", "")),
        ("typed_receipt", typed),
        *(("attached", item.decode()) for item in _ATTACHED.findall(review)),
        browser.gate("report"),
    ]
    if browser.request("POST", "/report/review/", "report: submit", form=form, expect=302)[0] != 302:
        return
    browser.forget_cookies()  # the reporter comes back later, in a new browser session
    _, _, page = browser.request("GET", "/mailbox/", "mailbox: log-in page")
    form = [("csrfmiddlewaretoken", csrf_of(page)), ("receipt", typed), browser.gate("receipt")]
    if browser.request("POST", "/mailbox/", "mailbox: log in", form=form, expect=302)[0] == 302:
        browser.request("GET", "/mailbox/report/", "mailbox: read")
    browser.forget_cookies()


def staff_log_in(browser: Browser, name: str, key: bytes) -> None:
    from django_otp.oath import totp

    _, _, page = browser.request("GET", "/console/login/", "staff: log-in page")
    form = [
        ("csrfmiddlewaretoken", csrf_of(page)),
        ("username", name),
        ("password", STAFF_PASSWORD),
        ("otp_token", f"{totp(key, step=30, digits=6):06d}"),
        browser.gate("login"),
    ]
    browser.request("POST", "/console/login/", "staff: log in", form=form, expect=302)


def caseworker(browser: Browser, turn: int) -> None:
    _, _, inbox = browser.request("GET", "/console/inbox/", "caseworker: inbox")
    links = _REPORT_LINK.findall(inbox)
    if not links:
        return
    link = links[turn % len(links)].decode()
    _, _, page = browser.request("GET", link, "caseworker: report")
    csrf = csrf_of(page)
    reply = [
        ("csrfmiddlewaretoken", csrf),
        ("text", "Thank you. We have read your report and will call you."),
    ]
    browser.request("POST", link, "caseworker: reply", form=reply, expect=302)
    case = _CASE_LINK.search(page)
    if case is None:
        opened = browser.request(
            "POST",
            link + "open-case/",
            "caseworker: open case",
            form=[("csrfmiddlewaretoken", csrf)],
            expect=302,
        )
        case_path = urllib.parse.urlsplit(opened[1].get("location", "")).path
    else:
        case_path = case[1].decode()
    if case_path.startswith("/console/cases/"):
        browser.request("GET", case_path, "caseworker: case page")


def analyst(browser: Browser) -> None:
    browser.request("GET", "/console/analytics/", "analyst: dashboard")


# --- Setting up --------------------------------------------------------------------------------------------


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=150, help="rounds in each measured phase (default 150)")
    parser.add_argument(
        "--warm-up", type=int, default=40, help="rounds before the first snapshot (default 40)"
    )
    parser.add_argument("--threads", type=int, default=2, help="threads calling the application (default 2)")
    parser.add_argument("--photo-mib", type=float, default=5.0, help="the reporter's photo (default 5 MiB)")
    parser.add_argument("--frames", type=int, default=8, help="frames tracemalloc keeps (default 8)")
    parser.add_argument("--top", type=int, default=15, help="growing allocation sites shown (default 15)")
    parser.add_argument(
        "--leak-kib",
        type=float,
        default=2.0,
        help="growth per round, in both phases, called a leak (default 2)",
    )
    parser.add_argument("--rss-only", action="store_true", help="no tracemalloc: resident memory alone")
    parser.add_argument(
        "--cheap-argon2",
        action="store_true",
        help="Argon2id at its minimum cost (faster; the transient buffers it maps are no longer measured)",
    )
    return parser.parse_args()


# --- Measuring ----------------------------------------------------------------------------------------------


def where(traceback: tracemalloc.Traceback) -> dict[str, str]:
    """The innermost frame, and the innermost one in Longarm's own code (the caller to look at). A
    traceback's frames run from the oldest to the most recent."""
    innermost = traceback[-1] if len(traceback) else None
    ours = next((frame for frame in reversed(traceback) if _OWN_CODE in frame.filename), None)
    return {
        "at": f"{innermost.filename}:{innermost.lineno}" if innermost else "?",
        "from_longarm": f"{ours.filename.split(_OWN_CODE, 1)[1]}:{ours.lineno}" if ours else "",
    }


def snapshot() -> tuple[tracemalloc.Snapshot | None, float, float, int]:
    gc.collect()
    objects = len(gc.get_objects())
    if not tracemalloc.is_tracing():
        return None, 0.0, rss_mb(), objects
    taken = tracemalloc.take_snapshot().filter_traces(
        (
            tracemalloc.Filter(False, tracemalloc.__file__),
            tracemalloc.Filter(False, "<frozen importlib._bootstrap>"),
            tracemalloc.Filter(False, "<frozen importlib._bootstrap_external>"),
            tracemalloc.Filter(False, "<unknown>"),
        )
    )
    traced = sum(stat.size for stat in taken.statistics("filename"))
    return taken, round(traced / 1024**2, 2), rss_mb(), objects


def main() -> None:
    arguments = parse_arguments()
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    temporary = Path(tempfile.mkdtemp(prefix="longarm-memory-"))
    admin_url = os.environ.get("DATABASE_URL", "")
    database_url = ""
    worker: subprocess.Popen[bytes] | None = None
    try:
        data = temporary / "data"
        data.mkdir(mode=0o700)
        env = server_environment(data)
        env.update(
            {
                "LONGARM_GATE_WORK": "1",
                "LONGARM_GATE_WORK_MAX": "1",
                "LONGARM_UPLOAD_BUDGET_BYTES": str(1024**4),
                "LONGARM_PENDING_BYTES_PER_WINDOW": str(1024**4),
                # As `longarm serve` runs its workers (the `longarm` script names the directory).
                "PROMETHEUS_MULTIPROC_DIR": str(temporary / "metrics"),
            }
        )
        (temporary / "metrics").mkdir(mode=0o700)
        if arguments.cheap_argon2:
            for kind in ("RECEIPT", "STAFF"):
                env[f"LONGARM_{kind}_ARGON2_OPS"] = "1"
                env[f"LONGARM_{kind}_ARGON2_MEM"] = "8192"
        for name in ("LONGARM_TASKS_URL", "LONGARM_STORAGE_URL"):
            if os.environ.get(name):
                env[name] = os.environ[name]
        if admin_url.startswith(("postgres://", "postgresql://")):
            database_url = create_database(admin_url, "_memory")
            env["DATABASE_URL"] = database_url
        began = time.monotonic()
        log("longarm init")
        init_installation(env, temporary / "offline" / "recovery.key")
        staff = {
            role: [
                (f"{role[:4]}{n}", create_staff(env, f"{role[:4]}{n}", role))
                for n in range(arguments.threads)
            ]
            for role in ("caseworker", "analyst")
        }
        with (temporary / "worker.log").open("wb") as output:
            worker = subprocess.Popen(  # noqa: S603 - our own command
                [*longarm_command(), "worker"],
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        picture = photo(arguments.photo_mib)
        # This process becomes the web server: the same settings, before Django is set up.
        for name in [name for name in os.environ if name not in env]:
            del os.environ[name]
        os.environ.update(env)
        import django

        django.setup()
        from longarm.wsgi import application

        log(f"Django set up; staff logging in ({time.monotonic() - began:.0f} s)")
        tally = Tally()
        desks = []
        for number in range(arguments.threads):
            desk = (Browser(application, tally), Browser(application, tally))
            staff_log_in(desk[0], *staff["caseworker"][number])
            staff_log_in(desk[1], *staff["analyst"][number])
            desks.append(desk)
        # The same threads throughout, as a gthread worker keeps its pool (and glibc its threads' arenas).
        pool = ThreadPoolExecutor(arguments.threads, thread_name_prefix="request")
        turns = iter(range(10**9))
        turn_lock = threading.Lock()

        def run(rounds: int) -> None:
            def one_desk(desk: tuple[Browser, Browser], share: int) -> None:
                for _ in range(share):
                    with turn_lock:
                        turn = next(turns)
                    reporter(Browser(application, tally), picture)
                    caseworker(desk[0], turn)
                    analyst(desk[1])

            shares = [
                rounds // arguments.threads + (n < rounds % arguments.threads)
                for n in range(arguments.threads)
            ]
            for future in [
                pool.submit(one_desk, desk, share) for desk, share in zip(desks, shares, strict=True)
            ]:
                future.result()

        started = time.monotonic()
        log(f"warm-up: {arguments.warm_up} rounds on {arguments.threads} threads")
        run(arguments.warm_up)
        if not arguments.rss_only:
            # Only from here: what the warm-up made is not traced, but nothing it made can be a growth after
            # it, and tracing everything from the start slowed the run past SQLite's lock timeout.
            tracemalloc.start(arguments.frames)
        points = [snapshot()]
        heap = [malloc_state()]
        for phase in (1, 2):
            _, traced, resident, _ = points[-1]
            log(f"phase {phase}: {arguments.rounds} rounds (traced {traced} MB, RSS {resident} MB)")
            run(arguments.rounds)
            points.append(snapshot())
            heap.append(malloc_state())
        trimmed = rss_after_trim_mb()
        elapsed = time.monotonic() - started
        pool.shutdown()
    finally:
        if worker is not None:
            stop_server(worker)
        shutil.rmtree(temporary, ignore_errors=True)
        if database_url:
            with contextlib.suppress(Exception):
                from django.db import connections

                connections.close_all()
            drop_database(admin_url, database_url)
    per_round = [
        round((later[1] - earlier[1]) * 1024 / arguments.rounds, 2)
        for earlier, later in itertools.pairwise(points)
    ]
    top: list[dict[str, Any]] = []
    first, last = points[0][0], points[-1][0]
    if first is not None and last is not None:
        # By line of allocation (what grew), each with its largest growing traceback's frame in our code.
        by_traceback = [stat for stat in last.compare_to(first, "traceback") if stat.size_diff > 0]
        for stat in last.compare_to(first, "lineno")[: arguments.top]:
            if stat.size_diff <= 0:
                break
            site = stat.traceback[-1]
            callers = [other for other in by_traceback if other.traceback[-1] == site]
            top.append(
                {
                    **(where(callers[0].traceback) if callers else where(stat.traceback)),
                    "kib": round(stat.size_diff / 1024, 1),
                    "blocks": stat.count_diff,
                }
            )
    report = {
        "benchmark": "memory",
        "database": "postgresql" if database_url else "sqlite",
        "threads": arguments.threads,
        "warm_up_rounds": arguments.warm_up,
        "rounds_per_phase": arguments.rounds,
        "photo_bytes": len(picture),
        "argon2": "minimum" if arguments.cheap_argon2 else "production",
        "seconds": round(elapsed, 1),
        "requests": tally.requests,
        "errors": sum(tally.errors.values()),
        "error_kinds": dict(tally.errors.most_common(10)),
        "tracemalloc": not arguments.rss_only,
        "traced_mb": [point[1] for point in points],
        "traced_growth_kib_per_round": per_round,
        "python_objects": [point[3] for point in points],
        "rss_mb": [point[2] for point in points],
        "rss_growth_mb": [round(later[2] - earlier[2], 1) for earlier, later in itertools.pairwise(points)],
        "malloc_env": {name: os.environ.get(name) for name in MALLOC_SETTINGS},
        "malloc": heap,
        "rss_after_trim_mb": trimmed,
        "top_growth": top,
        "python_leak": None if arguments.rss_only else all(value > arguments.leak_kib for value in per_round),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

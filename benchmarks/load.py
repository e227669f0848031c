"""Load: Locust, headless, with weighted journeys against the real production server, stepping the number of
users up to find where a report submission's p95 passes 2 s, and the server's memory over time.

Run from the repository root (the default takes about ten minutes; the machine's CPUs are the limit)::

    .venv/bin/python benchmarks/load.py [--users 50] [--minutes 10] [--steps 5] [--quick]

In a fresh temporary directory it runs ``longarm init`` and ``longarm serve --no-worker`` (gunicorn,
production settings) and ``longarm worker``, on SQLite — or on a fresh database of the PostgreSQL server
``DATABASE_URL=postgres://…`` names; ``LONGARM_TASKS_URL`` and ``LONGARM_STORAGE_URL`` are passed on.
Staff accounts are made with ``longarm createstaff`` (one per simulated staff member: a TOTP code is accepted
once). The gate's proof of work is set to its minimum (``LONGARM_GATE_WORK=1``), as in
``benchmarks/intake.py``: the server still issues, checks and records every payment; the client's share is
negligible. The site-wide upload budgets are raised above what the run sends (see ``main``), and every request
goes on a connection of its own, as the reverse proxy sends them.

Journeys (Locust users, by weight):

- reporters (6): the questionnaire's steps, one photo of ``--photo-mib`` (5 MiB) at the files step, the
  last step with the receipt typed back and the gate paid; then the mailbox: log in with the receipt (gate
  and Argon2id) and read it.
- caseworkers (3): log in once (password, TOTP, gate); then the inbox, a report, a reply to its reporter,
  the report's case (opened from the report the first time) and the case page.
- analysts (1): log in once; the analytics dashboard.

The run has two phases. **The ramp** adds users in ``--steps`` equal steps up to ``--users`` over
``--ramp-minutes`` (5), to find the saturation point; it is also the warm-up. **The hold** then keeps
``--users`` for ``--minutes`` (10): the issue's "50 concurrent users for 10 minutes", over which memory is
judged. Printed JSON: ``requests_per_s``, ``errors`` (target 0) and ``error_kinds`` over both phases; per
journey step the request count and p50, p95, p99 (ms); per ramp step the users, requests/s and the
submission's p95; ``saturation_users``: the first step whose p95 of a report submission exceeds 2 s (null if
none did); ``hold``: the hold's requests/s, errors and submission p95; ``rss_mb``: each server process's
resident memory sampled over time, with its growth over the hold: the median of the hold's second half of
samples minus that of its first (target: none; a leak raises it, the swing of the requests a worker holds
when it is read does not), the same for the halves' 10th percentiles (``floor_growth_after_warm_up_mb``,
target: none; what the process keeps between requests, robust when transient Argon2id maps cover most
samples near saturation), and its peak, and ``growth_by_kind_mb``: the same growth of the anonymous memory
(the heap), of mapped files and of shared memory, which tells the heap from SQLite's maps. ``rss_total_mb``
does the same for the sum over the web workers and the task worker, which is what the machine must have.
"""

from __future__ import annotations

# Locust patches the standard library for gevent: it must be imported before anything that opens sockets.
from locust import HttpUser, between, events, task  # isort: skip
from locust.env import Environment  # isort: skip

import argparse
import json
import math
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, ClassVar

import altcha
import gevent

from _setup import STAFF_PASSWORD, create_staff, photo
from intake import (
    HOST,
    STEPS_BEFORE_FILES,
    _exit_on_sigterm,
    create_database,
    drop_database,
    free_port,
    hidden_inputs,
    init_installation,
    longarm_command,
    report_form,
    server_environment,
    stop_server,
)

SATURATION_P95_MS = 2000.0
SUBMISSION = "report: submit"
_RECEIPT = re.compile(rb'<p class="receipt"[^>]*>(.*?)</p>', re.S)
_ATTACHED = re.compile(rb'name="attached" value="([0-9a-f]{32})"')
_REPORT_LINK = re.compile(r'href="(/console/reports/[0-9a-f-]{36}/)"')
_CASE_LINK = re.compile(r'href="(/console/cases/[0-9a-f-]{36}/)"')


def log(message: str) -> None:
    print(f"[load] {message}", file=sys.stderr, flush=True)


# --- The journeys -------------------------------------------------------------------------------------------


class Shared:
    photo: bytes = b""
    staff: ClassVar[dict[str, list[tuple[str, bytes]]]] = {"caseworker": [], "analyst": []}


def _inputs(text: str) -> dict[str, str]:
    return hidden_inputs(text.encode())


class Visitor(HttpUser):
    abstract = True
    wait_time = between(1, 3)

    def on_start(self) -> None:
        # One connection per request, as nginx in front of gunicorn makes them (deploy/nginx/longarm.conf
        # speaks HTTP/1.0 upstream): a kept connection idle past gunicorn's 2 s keep-alive is closed by the
        # server as the next request leaves, and the client sees "connection reset" for a request the server
        # never received.
        self.client.headers["Connection"] = "close"

    def gate(self, purpose: str) -> tuple[str, str]:
        response = self.client.get(f"/gate/challenge/{purpose}/", name=f"gate: {purpose}")
        challenge = altcha.Challenge.from_dict(response.json())
        solution = altcha.solve_challenge(challenge, timeout=60)
        return "gate_pow", altcha.Payload(challenge, solution).to_base64()

    def post(
        self, path: str, form: list[tuple[str, str]], name: str, expect: int = 302, **kwargs: Any
    ) -> Any:
        with self.client.post(
            path, data=form, name=name, allow_redirects=False, catch_response=True, **kwargs
        ) as r:
            if r.status_code != expect:
                r.failure(f"{r.status_code}")
            return r


class Reporter(Visitor):
    weight = 6

    @task
    def report_and_mailbox(self) -> None:
        page = self.client.get("/report/", name="report: form").text
        csrf = _inputs(page).get("csrfmiddlewaretoken", "")
        answers = [("csrfmiddlewaretoken", csrf), *report_form()]
        for path in STEPS_BEFORE_FILES:
            name = path.removeprefix("/report/").strip("/") or "what"
            if self.post(path, answers, f"report: {name}").status_code != 302:
                return
        files = {"attachments": ("photo.jpg", Shared.photo, "image/jpeg")}
        if (
            self.post(
                "/report/more/", [("csrfmiddlewaretoken", csrf)], "report: about you and files", files=files
            ).status_code
            != 302
        ):
            return
        review = self.client.get("/report/review/", name="report: last step")
        receipt = _RECEIPT.search(review.content)
        if receipt is None:
            return
        typed = re.sub(rb"\D", b"", receipt[1]).decode()
        hidden = _inputs(review.text)
        form = [
            ("csrfmiddlewaretoken", hidden.get("csrfmiddlewaretoken", csrf)),
            # The consent is chosen on the last step, beside Send.
            ("consent", "review"),
            ("submission_token", hidden.get("submission_token", "")),
            ("typed_receipt", typed),
            *(("attached", item.decode()) for item in _ATTACHED.findall(review.content)),
            self.gate("report"),
        ]
        if self.post("/report/review/", form, SUBMISSION).status_code != 302:
            return
        self.client.cookies.clear()  # the reporter comes back later, in a new browser session
        page = self.client.get("/mailbox/", name="mailbox: log-in page").text
        form = [
            ("csrfmiddlewaretoken", _inputs(page).get("csrfmiddlewaretoken", "")),
            ("receipt", typed),
            self.gate("receipt"),
        ]
        if self.post("/mailbox/", form, "mailbox: log in").status_code == 302:
            self.client.get("/mailbox/report/", name="mailbox: read")
        self.client.cookies.clear()


def totp_now(key: bytes) -> str:
    from django_otp.oath import totp

    return f"{totp(key, step=30, digits=6):06d}"


class Staff(Visitor):
    abstract = True
    role = ""

    def on_start(self) -> None:
        super().on_start()
        name, key = Shared.staff[self.role].pop()
        page = self.client.get("/console/login/", name="staff: log-in page").text
        form = [
            ("csrfmiddlewaretoken", _inputs(page).get("csrfmiddlewaretoken", "")),
            ("username", name),
            ("password", STAFF_PASSWORD),
            ("otp_token", totp_now(key)),
            self.gate("login"),
        ]
        self.post("/console/login/", form, "staff: log in")


class Caseworker(Staff):
    weight = 3
    role = "caseworker"

    @task
    def inbox_report_reply_case(self) -> None:
        inbox = self.client.get("/console/inbox/", name="caseworker: inbox").text
        links = _REPORT_LINK.findall(inbox)
        if not links:
            return
        link = links[int(time.monotonic() * 1000) % len(links)]
        response = self.client.get(link, name="caseworker: report")
        if response.status_code != 200:
            return  # counted once: the reply and the case would fail for want of the page's form
        page = response.text
        csrf = _inputs(page).get("csrfmiddlewaretoken", "")
        reply = [
            ("csrfmiddlewaretoken", csrf),
            ("text", "Thank you. We have read your report and will call you."),
        ]
        self.post(link, reply, "caseworker: reply")
        case = _CASE_LINK.search(page)
        if case is None:
            opened = self.post(link + "open-case/", [("csrfmiddlewaretoken", csrf)], "caseworker: open case")
            case_path = urllib.parse.urlsplit(opened.headers.get("Location", "")).path
        else:
            case_path = case[1]
        if case_path.startswith("/console/cases/"):
            self.client.get(case_path, name="caseworker: case page")


class Analyst(Staff):
    weight = 1
    role = "analyst"

    @task
    def dashboard(self) -> None:
        self.client.get("/console/analytics/", name="analyst: dashboard")


# --- Measuring ----------------------------------------------------------------------------------------------


class Recorder:
    """Every request: when it ended, its name, its time, whether it failed."""

    def __init__(self) -> None:
        self.requests: list[tuple[float, str, float, str | None]] = []

    def on_request(self, name: str, response_time: float, exception: BaseException | None, **_: Any) -> None:
        self.requests.append(
            (time.monotonic(), name, response_time, None if exception is None else str(exception)[:80])
        )


def percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1)], 1)


# The kinds of resident memory /proc tells apart: the heap (Python's and the C libraries'), mapped files
# (code, SQLite's database when mapped) and shared memory (SQLite's WAL index, the metrics' files).
RSS_KINDS = {"VmRSS:": "rss", "RssAnon:": "anonymous", "RssFile:": "file", "RssShmem:": "shared"}


def rss_of(pid: int) -> dict[str, float] | None:
    """A process's resident memory in MiB, in all (``rss``) and by kind."""
    kinds: dict[str, float] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            label = line.split(maxsplit=1)[0] if line else ""
            if label in RSS_KINDS:
                kinds[RSS_KINDS[label]] = int(line.split()[1]) / 1024
    except OSError:
        return None
    return kinds if "rss" in kinds else None


def process_tree(roots: list[int]) -> dict[int, str]:
    """The server's processes (gunicorn's master and workers, the task worker and its children) by pid."""
    named: dict[int, str] = {}
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                parents[int(entry.name)] = int(fields[1])
            except (OSError, IndexError):
                continue
    for pid in parents:
        ancestor, chain = pid, 0
        while ancestor not in roots and ancestor in parents and chain < 10:
            ancestor, chain = parents[ancestor], chain + 1
        if ancestor in roots:
            label = "gunicorn master" if pid == roots[0] else ("task worker" if pid == roots[1] else "")
            if not label:
                label = "gunicorn worker" if parents[pid] == roots[0] else "task child"
            named[pid] = f"{label} {pid}"
    return named


def memory_growth(samples: list[tuple[float, float]], warm: float) -> dict[str, Any]:
    """A process's resident memory over the hold (the samples from ``warm`` seconds on).

    A worker's resident memory swings by the size of the requests it holds at the moment it is read (a photo
    upload, a dashboard, Argon2id's 256 MiB per log-in): the growth is the median of the hold's second half
    minus the median of its first half, which a leak raises and a swing does not, as long as the swings
    cover fewer than half of the samples. Near saturation a worker is inside an Argon2id derivation in most
    samples, and the median then moves with the share of samples that caught one; ``floor_growth`` is
    therefore the same difference of the halves' 10th percentiles: the memory the process keeps between
    its transient requests, which a leak or fragmentation raises whatever the load."""
    after = [value for moment, value in samples if moment >= warm]
    half = len(after) // 2
    return {
        "samples": [(moment, round(value, 1)) for moment, value in samples[:: max(1, len(samples) // 20)]],
        "growth_after_warm_up_mb": (
            round(statistics.median(after[half:]) - statistics.median(after[:half]), 1) if half else None
        ),
        "floor_growth_after_warm_up_mb": (
            round(_tenth_percentile(after[half:]) - _tenth_percentile(after[:half]), 1) if half else None
        ),
        "peak_after_warm_up_mb": round(max(after), 1) if after else None,
    }


def _growths(growth: dict[str, Any]) -> dict[str, Any]:
    """The two growth measures of a ``memory_growth`` result, without its samples."""
    return {measure: growth[f"{measure}_after_warm_up_mb"] for measure in ("growth", "floor_growth")}


def _tenth_percentile(values: list[float]) -> float:
    return sorted(values)[len(values) // 10]


# --- Putting it together ------------------------------------------------------------------------------------


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=50, help="users at the last step (default 50)")
    parser.add_argument("--minutes", type=float, default=10.0, help="the hold at --users (default 10)")
    parser.add_argument("--ramp-minutes", type=float, default=5.0, help="the ramp to --users (default 5)")
    parser.add_argument("--steps", type=int, default=5, help="equal steps of users up to --users (default 5)")
    parser.add_argument("--photo-mib", type=float, default=5.0, help="the reporter's photo (default 5 MiB)")
    parser.add_argument("--quick", action="store_true", help="5 users for 30 s (to check that it works)")
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.users, arguments.minutes, arguments.ramp_minutes = 5, 0.5, 0.25
    arguments.steps = max(1, min(arguments.steps, arguments.users))
    return arguments


def main() -> None:
    arguments = parse_arguments()
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    temporary = Path(tempfile.mkdtemp(prefix="longarm-load-"))
    admin_url = os.environ.get("DATABASE_URL", "")
    database_url = ""
    processes: list[subprocess.Popen[bytes]] = []
    recorder = Recorder()
    rss: dict[str, list[tuple[float, float]]] = defaultdict(list)
    rss_by_kind: dict[str, dict[str, list[tuple[float, float]]]] = defaultdict(lambda: defaultdict(list))
    steps: list[dict[str, Any]] = []
    try:
        data = temporary / "data"
        data.mkdir(mode=0o700)
        env = server_environment(data)
        env.update(
            {
                "LONGARM_GATE_WORK": "1",
                "LONGARM_GATE_WORK_MAX": "1",
                # The site-wide budgets for anonymous uploads (by default 4 GiB of uploads and 1 GiB of files
                # kept before a report is sent, per hour: about two hundred 5 MiB photos) refuse far less
                # than this run sends (each reporter a photo every few seconds). They are an anti-abuse
                # setting a deployment sizes to its traffic; this run measures the server, so they are set
                # above what it can send.
                "LONGARM_UPLOAD_BUDGET_BYTES": str(1024**4),
                "LONGARM_PENDING_BYTES_PER_WINDOW": str(1024**4),
            }
        )
        for name in ("LONGARM_TASKS_URL", "LONGARM_STORAGE_URL"):
            if os.environ.get(name):
                env[name] = os.environ[name]
        if admin_url.startswith(("postgres://", "postgresql://")):
            database_url = create_database(admin_url)
            env["DATABASE_URL"] = database_url
        init_installation(env, temporary / "offline" / "recovery.key")
        staff_count = max(1, math.ceil(arguments.users * 3 / 10)) + 1
        Shared.staff["caseworker"] = [
            (f"case{n}", create_staff(env, f"case{n}", "caseworker")) for n in range(staff_count)
        ]
        Shared.staff["analyst"] = [
            (f"anal{n}", create_staff(env, f"anal{n}", "analyst")) for n in range(staff_count)
        ]
        Shared.photo = photo(arguments.photo_mib)
        port = free_port()
        for arguments_ in (["serve", "--no-worker", "--bind", f"{HOST}:{port}"], ["worker"]):
            with (temporary / f"{arguments_[0]}.log").open("wb") as output:
                processes.append(
                    subprocess.Popen(  # noqa: S603 - our own command
                        [*longarm_command(), *arguments_],
                        env=env,
                        stdout=output,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        from faults import answers, wait_for

        wait_for(lambda: answers(port), 90, "the server")
        environment = Environment(
            user_classes=[Reporter, Caseworker, Analyst], host=f"http://{HOST}:{port}", events=events
        )
        environment.events.request.add_listener(recorder.on_request)
        runner = environment.create_local_runner()
        step_seconds = arguments.ramp_minutes * 60 / arguments.steps
        started = time.monotonic()
        log(f"{arguments.users} users in {arguments.steps} steps of {step_seconds:.0f} s, port {port}")

        def sample_for(seconds: float) -> None:
            phase_start = time.monotonic()
            while time.monotonic() - phase_start < seconds:
                now = time.monotonic() - started
                for pid, name in process_tree([p.pid for p in processes]).items():
                    if (kinds := rss_of(pid)) is not None:
                        rss[name].append((round(now, 1), round(kinds["rss"], 1)))
                        for kind, value in kinds.items():
                            if kind != "rss":
                                rss_by_kind[name][kind].append((round(now, 1), value))
                gevent.sleep(min(5.0, seconds / 3))

        for number in range(1, arguments.steps + 1):
            users = round(arguments.users * number / arguments.steps)
            runner.start(users, spawn_rate=max(1, users))
            step_start = time.monotonic()
            sample_for(step_seconds)
            steps.append({"users": users, "start": step_start, "end": time.monotonic()})
        log(f"holding {arguments.users} users for {arguments.minutes:g} minutes")
        hold = {"start": time.monotonic(), "end": 0.0}
        sample_for(arguments.minutes * 60)
        hold["end"] = time.monotonic()
        runner.quit()
        elapsed = time.monotonic() - started
    finally:
        for process in processes:
            stop_server(process)
        logs = "".join(p.read_text(errors="replace")[-2000:] for p in temporary.glob("*.log"))
        shutil.rmtree(temporary, ignore_errors=True)
        if database_url:
            drop_database(admin_url, database_url)
    by_name: dict[str, list[float]] = defaultdict(list)
    errors: Counter[str] = Counter()
    for _, name, milliseconds, error in recorder.requests:
        by_name[name].append(milliseconds)
        if error is not None:
            errors[f"{name}: {error}"] += 1
    ramp = []
    saturation = None
    for step in steps:
        inside = [r for r in recorder.requests if step["start"] <= r[0] < step["end"]]
        p95 = percentile([ms for _, name, ms, _ in inside if name == SUBMISSION], 0.95)
        ramp.append(
            {
                "users": step["users"],
                "requests_per_s": round(len(inside) / (step["end"] - step["start"]), 2),
                "submission_p95_ms": p95,
                "errors": sum(1 for r in inside if r[3] is not None),
            }
        )
        if saturation is None and p95 is not None and p95 > SATURATION_P95_MS:
            saturation = step["users"]
    in_hold = [r for r in recorder.requests if hold["start"] <= r[0] < hold["end"]]
    hold_summary = {
        "users": arguments.users,
        "minutes": arguments.minutes,
        "requests_per_s": round(len(in_hold) / max(1e-9, hold["end"] - hold["start"]), 2),
        "errors": sum(1 for r in in_hold if r[3] is not None),
        "submission_p95_ms": percentile([ms for _, name, ms, _ in in_hold if name == SUBMISSION], 0.95),
    }
    warm = hold["start"] - started
    memory = {
        name: {
            **memory_growth(samples, warm),
            "growth_by_kind_mb": {
                kind: _growths(memory_growth(values, warm))
                for kind, values in sorted(rss_by_kind[name].items())
            },
        }
        for name, samples in sorted(rss.items())
    }
    totals: dict[float, float] = defaultdict(float)
    for name, samples in rss.items():
        if name.startswith(("gunicorn worker", "task worker")):
            for moment, value in samples:
                totals[moment] += value
    # Samples of one round share their moment (rounded to 0.1 s), so each total is one reading of the machine.
    total = memory_growth(sorted(totals.items()), warm)
    if errors:
        sys.stderr.write(logs)
    report = {
        "benchmark": "load",
        "database": "postgresql" if database_url else "sqlite",
        "users": arguments.users,
        "minutes": arguments.minutes,
        "photo_bytes": len(Shared.photo),
        "requests": len(recorder.requests),
        "requests_per_s": round(len(recorder.requests) / elapsed, 2),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors.most_common(10)),
        "steps": {
            name: {
                "count": len(values),
                "p50_ms": percentile(values, 0.50),
                "p95_ms": percentile(values, 0.95),
                "p99_ms": percentile(values, 0.99),
            }
            for name, values in sorted(by_name.items())
        },
        "ramp": ramp,
        "hold": hold_summary,
        "saturation_users": saturation,
        "saturation_rule": f"first step whose p95 of '{SUBMISSION}' exceeds {SATURATION_P95_MS:.0f} ms",
        "rss_mb": memory,
        "rss_total_mb": total,
        "cpu_count": os.cpu_count(),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

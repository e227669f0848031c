"""Abuse without IP addresses: what one anonymous client can do to the real server, and what it pays.

Run from the repository root (about three minutes with the defaults)::

    .venv/bin/python benchmarks/abuse.py [--receipt-seconds 40] [--harvest 40] [--submission-seconds 25]
                                         [--unpaid-seconds 8] [--attestation-seconds 15] [--attackers 2]

It starts the real server as ``benchmarks/intake.py`` does (``longarm init`` in a fresh temporary directory,
``longarm serve --no-worker``: gunicorn, production settings, SQLite, on a free port of 127.0.0.1) with the
gate's production defaults (any ``LONGARM_GATE_*`` in the environment is passed on and shown under
``settings``), files one honest report to get a real receipt, then runs bounded phases from one anonymous
client. Every attacker request starts a fresh session (no cookies: a per-session limit never applies) and
GETs the form first for its CSRF token, its time-lock token and its challenge address, as a browser would.
Solving attackers fetch an ALTCHA challenge and solve it with the ``altcha`` library's own solver (what the
widget's worker computes): they pay the gate honestly.

1. **Wrong receipts.** (a) ``--attackers`` solving threads POST random wrong receipts for
   ``--receipt-seconds``. (b) The path without JavaScript, abused: one thread fetches ``--harvest`` forms at
   once, sits out the longest wait once, then spends every time-lock token on a wrong receipt. In both, an
   honest reporter opens the real report every ``--honest-interval`` seconds from a fresh session, paying
   the gate the same way. ``receipts.honest_opens_ok`` is the share of honest opens that reached the report
   (target 1.0: nobody is locked out).
2. **Submissions and uploads.** (a) The solving threads POST the questionnaire with one ``--upload-kib`` KiB
   text file each; (b) one thread does the same without paying the gate, for ``--unpaid-seconds``. An honest
   reporter files a report every few seconds meanwhile (``honest_latency_ms``).
3. **Attestation checks.** (a) The solving threads POST wrong codes to ``/attestation/``; (b) one thread
   posts them without paying. ``attestation.audit_rows_per_attacker_request`` is the audit rows written per
   attacker request (target <= 0.01, see ``audit_rows_note``).

Each phase reports the attacker's requests and their outcomes, the server's CPU seconds, the bytes stored
(growth of the database file, checkpointed, and of the stored files) and the audit rows written per
request (the server's totals for the phase divided by all its requests, the honest client's included), and
what the attacker paid (``attacker_paid``): the gate level of each challenge, the solve time (on this
machine, whose CPUs the server shares: more than a dedicated machine would take), the PBKDF2 derivations
tried and the wait the same page asked of a client without JavaScript.

The single JSON object is printed on stdout; progress goes to stderr. The server and the temporary directory
are removed whatever happens. This is a benchmark, not a test: nothing asserts.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import re
import secrets
import shutil
import signal
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import altcha

from intake import (
    HOST,
    Client,
    _exit_on_sigterm,
    _process_group_cpu,
    answer_steps,
    free_port,
    hidden_inputs,
    init_installation,
    percentiles_ms,
    server_environment,
    start_server,
    stop_server,
    wait_until_ready,
)

_CHALLENGE_URL = re.compile(rb'challenge="([^"]+)"')
_WAIT_NOTICE = re.compile(rb"please wait (\d+) seconds? before you press the button")
_RECEIPT = re.compile(rb'<p class="receipt"[^>]*>(.*?)</p>', re.S)
_BOUNDARY = "longarm-abuse-benchmark-boundary"


def log(message: str) -> None:
    print(f"[abuse-bench] {message}", file=sys.stderr, flush=True)


# --- One attempt, paid for ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Payment:
    level: int
    solve_seconds: float
    derivations: int
    wait_seconds: int | None  # what the same page asked of a client without JavaScript


@dataclass(frozen=True)
class Attempt:
    started: float
    finished: float
    ok: bool
    outcome: str
    payment: Payment | None


class Blocked(Exception):
    pass


def _page(client: Client, path: str) -> tuple[dict[str, str], str, int | None]:
    status, page = client.request("GET", path)
    if status != 200:
        raise Blocked(f"GET {path} {status}")
    url = _CHALLENGE_URL.search(page)
    if url is None:
        raise Blocked(f"GET {path} without the gate")
    wait = _WAIT_NOTICE.search(page)
    return hidden_inputs(page), url.group(1).decode().replace("&amp;", "&"), int(wait.group(1)) if wait else 0


def _solve(client: Client, challenge_url: str, wait: int | None) -> tuple[str, Payment]:
    status, body = client.request("GET", challenge_url)
    if status != 200:
        raise Blocked(f"challenge GET {status}")
    challenge = altcha.Challenge.from_dict(json.loads(body))
    started = time.perf_counter()
    solution = altcha.solve_challenge(challenge, timeout=600)
    solved = time.perf_counter() - started
    if solution is None:
        raise Blocked("challenge not solved")
    level = int((challenge.parameters.data or {}).get("level", 0))
    payment = Payment(level=level, solve_seconds=solved, derivations=solution.counter + 1, wait_seconds=wait)
    return altcha.Payload(challenge, solution).to_base64(), payment


def _attempt(work: Callable[[], tuple[bool, str, Payment | None]]) -> Attempt:
    started = time.perf_counter()
    try:
        ok, outcome, payment = work()
    except (OSError, Blocked, ValueError) as error:
        return Attempt(started, time.perf_counter(), False, f"{type(error).__name__}: {error}", None)
    return Attempt(started, time.perf_counter(), ok, outcome, payment)


def open_mailbox(port: int, receipt: str) -> tuple[bool, str, Payment | None]:
    client = Client(port)  # a fresh session every time
    tokens, url, wait = _page(client, "/mailbox/")
    payload, payment = _solve(client, url, wait)
    status, page = client.request(
        "POST",
        "/mailbox/",
        [("csrfmiddlewaretoken", tokens["csrfmiddlewaretoken"]), ("receipt", receipt), ("gate_pow", payload)],
    )
    if status == 302:
        status, page = client.request("GET", "/mailbox/report/")
        opened = status == 200 and b"Your report" in page
        return opened, "opened" if opened else f"GET {status}", payment
    if b"does not open a report" in page:
        return False, "wrong receipt", payment
    if b"Too many wrong" in page:
        return False, "locked out", payment
    if b"anti-abuse" in page:
        return False, "gate refused", payment
    return False, f"POST {status}", payment


def _multipart(fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]]) -> bytes:
    parts: list[bytes] = []
    for name, value in fields:
        parts.append(
            f'--{_BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, filename, content in files:
        parts.append(
            (
                f'--{_BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{_BOUNDARY}--\r\n".encode())
    return b"".join(parts)


def _post_multipart(client: Client, path: str, body: bytes) -> tuple[int, bytes]:
    headers = {
        "Connection": "close",
        "Accept-Language": "en",
        "Content-Type": f"multipart/form-data; boundary={_BOUNDARY}",
        "Cookie": "; ".join(f"{name}={value}" for name, value in client.cookies.items()),
    }
    connection = http.client.HTTPConnection(HOST, client.port, timeout=600)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


_ATTACHED = re.compile(rb'name="attached" value="([0-9a-f]{32})"')


def _to_last_step(
    client: Client, upload: bytes | None
) -> tuple[dict[str, str], str, int | None, str, list[str]]:
    """Answer the questionnaire's steps (the file, if any, at the files step) up to the last one: its hidden
    fields, the gate's challenge URL and wait, the receipt shown there, and the files it lists."""
    status, page = client.request("GET", "/report/")
    if status != 200:
        raise Blocked(f"GET /report/ {status}")
    client.csrf_token = hidden_inputs(page).get("csrfmiddlewaretoken")
    if upload is not None:
        fields = [("csrfmiddlewaretoken", client.csrf_token or "")]
        _post_multipart(client, "/report/more/", _multipart(fields, [("attachments", "a.bin", upload)]))
    error, page = answer_steps(client, fetch_each_step=False)
    if error is not None:
        raise Blocked(error)
    receipt = _RECEIPT.search(page)
    if receipt is None:
        raise Blocked("the last step shows no receipt")
    tokens, url, wait = _page(client, "/report/review/")
    attached = [match.decode() for match in _ATTACHED.findall(page)]
    return tokens, url, wait, re.sub(rb"\D", b"", receipt.group(1)).decode(), attached


def submit_report(port: int, upload: bytes | None, *, pay: bool = True) -> tuple[bool, str, Payment | None]:
    client = Client(port)
    tokens, url, wait, receipt, attached = _to_last_step(client, upload)
    fields = [
        ("csrfmiddlewaretoken", tokens["csrfmiddlewaretoken"]),
        ("submission_token", tokens.get("submission_token", "")),
        ("consent", "review"),
        ("typed_receipt", receipt),
        *(("attached", item) for item in attached),
    ]
    payment = None
    if pay:
        payload, payment = _solve(client, url, wait)
        fields.append(("gate_pow", payload))
    status, page = client.request("POST", "/report/review/", fields)
    if status == 302:
        return True, "submitted", payment
    if b"anti-abuse" in page:
        return False, "refused by the gate", payment
    return False, f"POST {status} not sent", payment


def check_attestation(port: int, *, pay: bool) -> tuple[bool, str, Payment | None]:
    client = Client(port)
    tokens, url, wait = _page(client, "/attestation/")
    form = [
        ("csrfmiddlewaretoken", tokens["csrfmiddlewaretoken"]),
        ("reference", f"LA-A-2026-{secrets.randbelow(10**8):08d}"),
        ("code", secrets.token_hex(10).upper()),
    ]
    payment = None
    if pay:
        payload, payment = _solve(client, url, wait)
        form.append(("gate_pow", payload))
    status, page = client.request("POST", "/attestation/", form)
    if b"Invalid:" in page:
        return True, "invalid (checked)", payment
    if b"anti-abuse" in page:
        return True, "refused by the gate", payment
    if b"Too many wrong codes" in page:
        return True, "throttled", payment
    return False, f"POST {status}", payment


# --- Phases -------------------------------------------------------------------------------------------------


@dataclass
class Phase:
    attacks: list[Attempt] = field(default_factory=list)
    honest: list[Attempt] = field(default_factory=list)
    server_cpu_seconds: float = 0.0
    seconds: float = 0.0
    bytes_stored: int = 0
    audit_rows: int = 0


def run_phase(
    seconds: float,
    attackers: list[Callable[[], list[Attempt]]],
    honest: Callable[[], Attempt] | None,
    honest_interval: float,
    server_group: int,
    data_dir: Path,
) -> Phase:
    """Run each attacker in its own thread until ``seconds`` have passed (an attempt under way then is
    finished and counted), and the honest client, if any, for as long as an attacker runs."""
    phase = Phase()
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    attacking = threading.Event()
    attacking.set()

    def attacker(attack: Callable[[], list[Attempt]]) -> None:
        while time.perf_counter() < deadline:
            results = attack()
            with lock:
                phase.attacks.extend(results)

    def reporter() -> None:
        assert honest is not None
        while attacking.is_set():
            started = time.perf_counter()
            result = honest()
            with lock:
                phase.honest.append(result)
            pause = honest_interval - (time.perf_counter() - started)
            while pause > 0 and attacking.is_set():
                time.sleep(min(0.1, pause))
                pause -= 0.1

    cpu_before, bytes_before = _process_group_cpu(server_group), data_bytes(data_dir)
    rows_before = audit_rows(data_dir / "longarm.sqlite3")
    started = time.perf_counter()
    threads = [threading.Thread(target=attacker, args=(attack,), daemon=True) for attack in attackers]
    watcher = threading.Thread(target=reporter, daemon=True) if honest is not None else None
    for thread in [*threads, *([watcher] if watcher else [])]:
        thread.start()
    for thread in threads:
        thread.join()
    attacking.clear()
    if watcher is not None:
        watcher.join()
    phase.seconds = time.perf_counter() - started
    phase.server_cpu_seconds = _process_group_cpu(server_group) - cpu_before
    phase.bytes_stored = data_bytes(data_dir) - bytes_before
    phase.audit_rows = audit_rows(data_dir / "longarm.sqlite3") - rows_before
    return phase


def harvest_then_spend(port: int, batch: int) -> list[Attempt]:
    """The path without JavaScript, abused: fetch ``batch`` forms (each with its time-lock token) from fresh
    sessions at once, sit out the longest wait once, then spend every token on a wrong receipt."""
    started = time.perf_counter()
    forms: list[tuple[Client, dict[str, str], int]] = []
    for _ in range(batch):
        client = Client(port)
        try:
            tokens, _url, wait = _page(client, "/mailbox/")
        except (OSError, Blocked):
            continue
        forms.append((client, tokens, wait or 0))
    longest = max((wait for _client, _tokens, wait in forms), default=0)
    time.sleep(max(0.0, started + longest + 1 - time.perf_counter()))
    attempts: list[Attempt] = []
    for client, tokens, wait in forms:
        posted = time.perf_counter()
        status, page = client.request(
            "POST",
            "/mailbox/",
            [
                ("csrfmiddlewaretoken", tokens["csrfmiddlewaretoken"]),
                ("receipt", f"{secrets.randbelow(10**20):020d}"),
                ("gate_timelock", tokens["gate_timelock"]),
            ],
        )
        outcome = "wrong receipt" if b"does not open a report" in page else f"POST {status}"
        if b"more second" in page:
            outcome = "too early"
        payment = Payment(level=0, solve_seconds=0.0, derivations=0, wait_seconds=wait)
        attempts.append(Attempt(posted, time.perf_counter(), outcome == "wrong receipt", outcome, payment))
    return attempts


def paid(attempts: list[Attempt]) -> dict[str, Any]:
    payments = [attempt.payment for attempt in attempts if attempt.payment is not None]
    if not payments:
        return {"attempts_paid": 0}
    solves = sorted(payment.solve_seconds for payment in payments)
    return {
        "attempts_paid": len(payments),
        "levels": dict(sorted(Counter(payment.level for payment in payments).items())),
        "solve_seconds": {
            "mean": round(statistics.fmean(solves), 3),
            "p95": round(solves[int(0.95 * (len(solves) - 1))], 3),
            "total": round(sum(solves), 1),
        },
        "pbkdf2_derivations_mean": round(statistics.fmean(payment.derivations for payment in payments), 1),
        "no_javascript_wait_seconds": {
            "first": payments[0].wait_seconds,
            "last": payments[-1].wait_seconds,
            "max": max((payment.wait_seconds or 0) for payment in payments),
        },
    }


def outcomes(attempts: list[Attempt]) -> dict[str, int]:
    return dict(Counter(attempt.outcome for attempt in attempts))


def latency(attempts: list[Attempt]) -> dict[str, float | None]:
    return percentiles_ms([attempt.finished - attempt.started for attempt in attempts])


def data_bytes(data_dir: Path) -> int:
    """Bytes the server keeps: the database file once its write-ahead log is copied in (the log itself is
    reused, not kept), and every stored file (encrypted evidence, pending uploads)."""
    database = data_dir / "longarm.sqlite3"
    with sqlite3.connect(database, timeout=30) as connection:
        connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
    kept = database.stat().st_size
    storage = data_dir / "storage"
    if storage.exists():
        kept += sum(path.stat().st_size for path in storage.rglob("*") if path.is_file())
    return kept


def audit_rows(database: Path) -> int:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        # Chained events, and a reporter's events waiting for their day to end before they join the chain.
        chained = connection.execute("SELECT COUNT(*) FROM audit_auditevent").fetchone()[0]
        waiting = connection.execute("SELECT COUNT(*) FROM audit_reporterevent").fetchone()[0]
        return int(chained) + int(waiting)


def summary(phase: Phase, *, honest_name: str) -> dict[str, Any]:
    requests = len(phase.attacks) + len(phase.honest)
    result: dict[str, Any] = {
        "seconds": round(phase.seconds, 1),
        "attacker_requests": len(phase.attacks),
        "attacker_requests_per_s": round(len(phase.attacks) / phase.seconds, 2),
        "attacker_outcomes": outcomes(phase.attacks),
        "attacker_paid": paid(phase.attacks),
        # The server's totals for the phase divided by all its requests (the honest client's are a handful).
        "server_cpu_seconds_per_request": round(phase.server_cpu_seconds / max(1, requests), 3),
        "bytes_stored_per_request": round(phase.bytes_stored / max(1, requests)),
        "audit_rows_per_request": round(phase.audit_rows / max(1, requests), 4),
    }
    if phase.honest:
        result |= {
            honest_name: len(phase.honest),
            f"{honest_name}_ok": round(sum(attempt.ok for attempt in phase.honest) / len(phase.honest), 3),
            "honest_outcomes": outcomes(phase.honest),
            "honest_latency_ms": latency(phase.honest),
            "honest_paid": paid(phase.honest),
        }
    return result


# --- Putting it together ------------------------------------------------------------------------------------


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0] if __doc__ else None)
    parser.add_argument("--receipt-seconds", type=float, default=40.0, help="phase 1a (default 40)")
    parser.add_argument(
        "--harvest", type=int, default=40, help="time-lock tokens harvested in 1b (default 40)"
    )
    parser.add_argument("--submission-seconds", type=float, default=25.0, help="phase 2a (default 25)")
    parser.add_argument("--unpaid-seconds", type=float, default=8.0, help="phases 2b and 3b (default 8)")
    parser.add_argument("--attestation-seconds", type=float, default=15.0, help="phase 3a (default 15)")
    parser.add_argument("--attackers", type=int, default=2, help="solving attacker threads (default 2)")
    parser.add_argument("--honest-interval", type=float, default=3.0, help="seconds between honest tries")
    parser.add_argument("--upload-kib", type=int, default=256, help="size of the attacker's file (KiB)")
    return parser.parse_args()


def text_upload(kib: int) -> bytes:
    """A text file (an accepted evidence type) of ``kib`` KiB that does not compress."""
    return base64.b64encode(secrets.token_bytes(kib * 768))


def main() -> None:
    arguments = parse_arguments()
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    temporary = Path(tempfile.mkdtemp(prefix="longarm-abuse-bench-"))
    server = None
    log_file = temporary / "server.log"
    report: dict[str, Any] = {"benchmark": "abuse", "host": HOST, "attacker_threads": arguments.attackers}
    try:
        data_dir = temporary / "data"
        data_dir.mkdir(mode=0o700)
        env = server_environment(data_dir)
        log(f"longarm init in {temporary}")
        init_installation(env, temporary / "offline" / "recovery.key")
        port = free_port()
        server = start_server(env, port, None, log_file)
        wait_until_ready(server, port)
        group = server.pid

        log("an honest reporter files a report")
        client = Client(port)
        tokens, url, wait, receipt, _attached = _to_last_step(client, None)
        payload, first_payment = _solve(client, url, wait)
        status, _page = client.request(
            "POST",
            "/report/review/",
            [
                ("csrfmiddlewaretoken", tokens["csrfmiddlewaretoken"]),
                # The consent is chosen on the last step, beside Send.
                ("consent", "review"),
                ("submission_token", tokens.get("submission_token", "")),
                ("typed_receipt", receipt),
                ("gate_pow", payload),
            ],
        )
        if status != 302:
            raise RuntimeError(f"the honest report was not accepted ({status})")
        report["gate_at_rest"] = {
            "level": first_payment.level,
            "solve_seconds": round(first_payment.solve_seconds, 3),
            "pbkdf2_derivations": first_payment.derivations,
            "no_javascript_wait_seconds": first_payment.wait_seconds,
        }

        def honest_open() -> Attempt:
            return _attempt(lambda: open_mailbox(port, receipt))

        def wrong_receipt() -> list[Attempt]:
            return [_attempt(lambda: open_mailbox(port, f"{secrets.randbelow(10**20):020d}"))]

        log(f"phase 1a: wrong receipts, solving, for {arguments.receipt_seconds:g} s; honest opens meanwhile")
        solving = run_phase(
            arguments.receipt_seconds,
            [wrong_receipt] * arguments.attackers,
            honest_open,
            arguments.honest_interval,
            group,
            data_dir,
        )
        log(f"phase 1b: {arguments.harvest} time-lock tokens harvested at once, then spent; honest opens")
        harvest = run_phase(
            1.0,
            [lambda: harvest_then_spend(port, arguments.harvest)],
            honest_open,
            arguments.honest_interval,
            group,
            data_dir,
        )
        honest = solving.honest + harvest.honest
        report["receipts"] = {
            "honest_opens": len(honest),
            "honest_opens_ok": round(sum(attempt.ok for attempt in honest) / max(1, len(honest)), 3),
            "with_proof_of_work": summary(solving, honest_name="honest_opens"),
            "without_javascript_harvesting_tokens": summary(harvest, honest_name="honest_opens"),
        }

        upload = text_upload(arguments.upload_kib)

        def honest_report() -> Attempt:
            return _attempt(lambda: submit_report(port, None))

        log(
            f"phase 2a: submissions with a {arguments.upload_kib} KiB file, solving, "
            f"{arguments.submission_seconds:g} s"
        )
        submissions = run_phase(
            arguments.submission_seconds,
            [lambda: [_attempt(lambda: submit_report(port, upload))]] * arguments.attackers,
            honest_report,
            arguments.honest_interval,
            group,
            data_dir,
        )
        log(f"phase 2b: the same without paying the gate, {arguments.unpaid_seconds:g} s")
        unpaid = run_phase(
            arguments.unpaid_seconds,
            [lambda: [_attempt(lambda: submit_report(port, upload, pay=False))]],
            honest_report,
            arguments.honest_interval,
            group,
            data_dir,
        )
        report["submissions"] = {
            "upload_bytes_per_attacker_request": len(upload),
            "with_proof_of_work": summary(submissions, honest_name="honest_submissions"),
            "without_paying": summary(unpaid, honest_name="honest_submissions"),
        }

        log(f"phase 3a: wrong attestation codes, solving, {arguments.attestation_seconds:g} s")
        checks = run_phase(
            arguments.attestation_seconds,
            [lambda: [_attempt(lambda: check_attestation(port, pay=True))]] * arguments.attackers,
            None,
            arguments.honest_interval,
            group,
            data_dir,
        )
        log(f"phase 3b: the same without paying the gate, {arguments.unpaid_seconds:g} s")
        unpaid_checks = run_phase(
            arguments.unpaid_seconds,
            [lambda: [_attempt(lambda: check_attestation(port, pay=False))]],
            None,
            arguments.honest_interval,
            group,
            data_dir,
        )
        requests = len(checks.attacks) + len(unpaid_checks.attacks)
        rows = checks.audit_rows + unpaid_checks.audit_rows
        report["attestation"] = {
            "audit_rows_per_attacker_request": round(rows / max(1, requests), 4),
            "audit_rows_target": 0.01,
            "audit_rows_note": "a request refused by the gate writes nothing; paid checks are counted per "
            "window (audit.tally) and become one chained event when the window closes",
            "with_proof_of_work": summary(checks, honest_name="honest_checks"),
            "without_paying": summary(unpaid_checks, honest_name="honest_checks"),
        }
    finally:
        if server is not None:
            log("stopping the server")
            stop_server(server)
        server_log = log_file.read_text(encoding="utf-8", errors="replace") if log_file.exists() else ""
        shutil.rmtree(temporary, ignore_errors=True)
    if "Traceback" in server_log:
        log("the server logged an error:")
        sys.stderr.write(server_log[-6000:])
    report["settings"] = {
        name: env.get(name, "(default)")
        for name in (
            "LONGARM_GATE_WORK",
            "LONGARM_GATE_WORK_MAX",
            "LONGARM_GATE_DELAY_SECONDS",
            "LONGARM_GATE_DELAY_MAX_SECONDS",
            "LONGARM_GATE_PRESSURE_STEP",
            "LONGARM_GATE_WINDOW_SECONDS",
        )
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

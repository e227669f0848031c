"""Intake's CPU per submission, request by request, in one process: independent of the machine's load.

Run from the repository root (about half a minute)::

    .venv/bin/python benchmarks/intake_cpu.py [--submissions 30] [--fetch-form-each-time] [--profile out.prof]

``benchmarks/intake.py`` measures throughput against the Argon2id floor, which on a shared machine moves
with everything else that runs. This one answers the question behind it — how much CPU the server spends on a
submission besides its two Argon2id derivations — without depending on anything else running: it makes a
throw-away installation exactly as ``intake.py`` does (``longarm init`` in a temporary directory, production
settings, SQLite or ``--database``), then drives the reporter's path through Django's WSGI handler in this
process (every middleware, the session and vault, the templates; no gunicorn, no sockets), one request after
another, and measures the CPU time (``time.process_time``) of each request and the queries and commits each
one makes. Argon2id derivations are timed on their own and taken out of the "overhead" figures.

The path is the one ``intake.py`` loads the server with: POST the three question steps, GET the last step,
GET a gate challenge (solved here with one PBKDF2 derivation, outside the measured time), POST the last step;
``--fetch-form-each-time`` also GETs each step before posting it.

The JSON on stdout gives, per request (by method and path) and per submission: CPU ms (mean and p50), SQL
queries and transactions committed, and the Argon2id ms inside them. ``--profile FILE`` writes a cProfile of
the measured submissions for ``python -m pstats`` or snakeviz.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import re
import shutil
import statistics
import tempfile
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path
from typing import Any

from intake import (
    QUESTION_STEPS,
    REVIEW_STEP,
    create_database,
    drop_database,
    hidden_inputs,
    init_installation,
    log,
    receipt_cost,
    report_form,
    server_environment,
)

_RECEIPT = re.compile(rb'<p class="receipt"[^>]*>(.*?)</p>', re.S)


class Meter:
    """CPU time, queries and commits of the request being measured, and the Argon2id time inside it."""

    def __init__(self) -> None:
        self.queries = 0
        self.commits = 0
        self.connections = 0
        self.argon2 = 0.0

    def reset(self) -> None:
        self.queries = self.commits = self.connections = 0
        self.argon2 = 0.0


def install_meters(meter: Meter) -> None:
    from django.db.backends.signals import connection_created

    import longarm.crypto.kdf as kdf
    import longarm.crypto.receipts as receipts

    original = kdf.derive_key

    def timed_derive(*args: Any, **kwargs: Any) -> bytes:
        started = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            meter.argon2 += time.process_time() - started

    kdf.derive_key = timed_derive  # type: ignore[assignment]
    receipts.derive_key = timed_derive  # type: ignore[assignment]

    def count_query(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        meter.queries += 1
        return execute(sql, params, many, context)

    def wrap(connection: Any, **_: Any) -> None:
        meter.connections += 1
        if getattr(connection, "_intake_cpu_metered", False):
            return  # the same wrapper reconnecting: metered already
        connection._intake_cpu_metered = True
        connection.execute_wrappers.append(count_query)
        original_commit = connection._commit

        def counted_commit() -> Any:
            meter.commits += 1
            return original_commit()

        connection._commit = counted_commit

    connection_created.connect(wrap, weak=False)


class Browser:
    """A reporter's browser against the WSGI handler: cookies kept, one request at a time."""

    def __init__(self, meter: Meter, stats: dict[str, list[tuple[float, int, int, float]]]) -> None:
        from django.test import Client

        self.client = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="en")
        self.csrf = ""
        self.meter = meter
        self.stats = stats
        self.measuring = False

    def request(self, method: str, path: str, form: list[tuple[str, str]] | None = None) -> Any:
        from django.db import close_old_connections

        self.meter.reset()
        started = time.process_time()
        if method == "GET":
            response = self.client.get(path)
        else:
            body = urllib.parse.urlencode(form or [])
            response = self.client.generic(
                "POST", path, body, content_type="application/x-www-form-urlencoded"
            )
        # As the server does at the end of a request (Django's test client skips it): connections older
        # than CONN_MAX_AGE (all of them, with the default 0) are closed.
        close_old_connections()
        elapsed = time.process_time() - started
        if self.measuring:
            key = f"{method} {re.sub(r'/gate/challenge/.*', '/gate/challenge/…', path)}"
            self.stats[key].append((elapsed, self.meter.queries, self.meter.commits, self.meter.argon2))
        return response


def submit(browser: Browser, *, fetch_each_step: bool) -> None:
    import altcha

    if not browser.client.cookies.get("csrftoken"):
        page = browser.request("GET", "/report/")
        browser.csrf = hidden_inputs(page.content)["csrfmiddlewaretoken"]
    for path in QUESTION_STEPS:
        if fetch_each_step:
            assert browser.request("GET", path).status_code == 200
        response = browser.request("POST", path, [("csrfmiddlewaretoken", browser.csrf), *report_form()])
        assert response.status_code == 302, (path, response.status_code)
    page = browser.request("GET", REVIEW_STEP)
    assert page.status_code == 200
    receipt = _RECEIPT.search(page.content)
    assert receipt is not None
    token = hidden_inputs(page.content)["submission_token"]
    challenge = browser.request("GET", "/gate/challenge/report/")
    parsed = altcha.Challenge.from_dict(json.loads(challenge.content))
    solution = altcha.solve_challenge(parsed)
    gate = altcha.Payload(parsed, solution).to_base64()
    response = browser.request(
        "POST",
        REVIEW_STEP,
        [
            ("csrfmiddlewaretoken", browser.csrf),
            ("submission_token", token),
            ("consent", "review"),
            ("typed_receipt", re.sub(rb"\D", b"", receipt[1]).decode("ascii")),
            ("gate_pow", gate),
        ],
    )
    assert response.status_code == 302, response.status_code
    assert response["Location"].endswith("/report/sent/"), response["Location"]


def summary(samples: list[tuple[float, int, int, float]], per: int) -> dict[str, Any]:
    cpu = [sample[0] * 1000 for sample in samples]
    argon2 = [sample[3] * 1000 for sample in samples]
    return {
        "count_per_submission": round(len(samples) / per, 2),
        "cpu_ms_mean": round(statistics.fmean(cpu), 2),
        "cpu_ms_p50": round(statistics.median(cpu), 2),
        "argon2_ms_mean": round(statistics.fmean(argon2), 2),
        "queries_mean": round(statistics.fmean(sample[1] for sample in samples), 2),
        "commits_mean": round(statistics.fmean(sample[2] for sample in samples), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0] if __doc__ else None)
    parser.add_argument("--submissions", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--fetch-form-each-time", action="store_true")
    parser.add_argument("--database", default="", help="postgres://… server (default: SQLite)")
    parser.add_argument("--profile", default="", help="write a cProfile of the measured submissions here")
    arguments = parser.parse_args()

    temporary = Path(tempfile.mkdtemp(prefix="longarm-intake-cpu-"))
    database_url = ""
    try:
        data_dir = temporary / "data"
        data_dir.mkdir(mode=0o700)
        env = server_environment(data_dir)
        env["LONGARM_GATE_WORK"] = "1"
        env["LONGARM_GATE_WORK_MAX"] = "1"
        cost = receipt_cost(env)
        env["LONGARM_RECEIPT_ARGON2_OPS"] = str(cost.opslimit)
        env["LONGARM_RECEIPT_ARGON2_MEM"] = str(cost.memlimit)
        if arguments.database:
            database_url = create_database(arguments.database)
            env["DATABASE_URL"] = database_url
        init_installation(env, temporary / "offline" / "recovery.key")
        os.environ.clear()
        os.environ.update(env)

        import django

        django.setup()
        meter = Meter()
        install_meters(meter)
        stats: dict[str, list[tuple[float, int, int, float]]] = defaultdict(list)
        browser = Browser(meter, stats)
        log(f"warm-up: {arguments.warmup} submissions")
        for _ in range(arguments.warmup):
            submit(browser, fetch_each_step=arguments.fetch_form_each_time)
        browser.measuring = True
        profiler = cProfile.Profile(time.process_time) if arguments.profile else None
        log(f"measuring {arguments.submissions} submissions")
        if profiler is not None:
            profiler.enable()
        for _ in range(arguments.submissions):
            submit(browser, fetch_each_step=arguments.fetch_form_each_time)
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(arguments.profile)
        every = [sample for samples in stats.values() for sample in samples]
        per = arguments.submissions
        cpu_total = sum(sample[0] for sample in every) * 1000 / per
        argon2_total = sum(sample[3] for sample in every) * 1000 / per
        report = {
            "benchmark": "intake_cpu",
            "mode": "whole visit" if arguments.fetch_form_each_time else "steps posted",
            "database": "postgresql" if database_url else "sqlite",
            "submissions": per,
            "cpu_ms_per_submission": round(cpu_total, 1),
            "argon2_ms_per_submission": round(argon2_total, 1),
            "overhead_ms_per_submission": round(cpu_total - argon2_total, 1),
            # The same from each request's median, less moved by another process taking the CPU's caches.
            "overhead_ms_per_submission_p50": round(
                sum(
                    statistics.median(sample[0] for sample in samples) * len(samples) / per
                    - statistics.fmean(sample[3] for sample in samples) * len(samples) / per
                    for samples in stats.values()
                )
                * 1000,
                1,
            ),
            "queries_per_submission": round(sum(sample[1] for sample in every) / per, 1),
            "commits_per_submission": round(sum(sample[2] for sample in every) / per, 1),
            "requests": {key: summary(samples, per) for key, samples in stats.items()},
        }
        print(json.dumps(report, indent=2))
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
        if database_url:
            drop_database(arguments.database, database_url)


if __name__ == "__main__":
    main()

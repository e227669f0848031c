"""The peer ``intake.py`` measures beside Longarm: the least a Python server can do for the same exchange.

A WSGI application, served by gunicorn as ``longarm serve`` serves Longarm (``longarm.core.gunicorn_app``:
the same settings and application class; run this file with ``--bind`` and ``--workers``), that answers every
request of ``intake.py``'s clients as Longarm would answer it — the pages with the hidden fields and the
receipt the client reads, the 302s after each step, a gate challenge the client can solve — and does nothing
else but the two Argon2id derivations of a submission, at the same cost, when the last step is posted. No
framework, no session, no database, no template, no encryption besides those two derivations.

Its throughput, measured in the same run as Longarm's, is what gunicorn, HTTP with one connection per request
and the load generator (which shares the CPUs) leave of the Argon2id floor on this machine at this time: a
bound for a Python server of this exchange under that load. ``intake.py`` reports it as ``peer`` and
Longarm's share of it as ``ratio_to_peer``.

Configured from the environment (gunicorn passes it on to its workers): ``LONGARM_PEER_ARGON2_OPS`` and
``LONGARM_PEER_ARGON2_MEM``. The gate's challenge is made by the same library and algorithm as Longarm's
(``altcha``, PBKDF2/SHA-256 with Longarm's iterations), with the secret counter at zero as the benchmark sets
Longarm's (``LONGARM_GATE_WORK=1``), so the client's share is the same as against Longarm.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import time
from collections.abc import Callable, Iterable
from typing import Any

import altcha

from longarm.core.gunicorn_app import DEFAULT_THREADS, GunicornApplication, gunicorn_options
from longarm.crypto.kdf import Argon2Cost, derive_key, new_salt
from longarm.crypto.receipts import ARGON2_DERIVATIONS_PER_SUBMISSION, new_receipt

# As longarm.gate.tokens (not imported: that module needs Django's settings).
_POW_ALGORITHM = "PBKDF2/SHA-256"
_POW_ITERATIONS = 1000
_SUBMIT_PATH = "/report/review/"
_SECRET = secrets.token_bytes(32)

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def _page() -> bytes:
    """A step's page as the client reads it: the CSRF token, the submission token and a fresh receipt."""
    digits = new_receipt()
    receipt = " ".join(digits[index : index + 4] for index in range(0, len(digits), 4))
    return (
        "<!doctype html><html><body><form method=post>"
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{secrets.token_urlsafe(32)}">'
        f'<input type="hidden" name="submission_token" value="{secrets.token_urlsafe(32)}">'
        f'<p class="receipt">{receipt}</p></form></body></html>'
    ).encode("ascii")


def _cost() -> Argon2Cost:
    return Argon2Cost(
        int(os.environ.get("LONGARM_PEER_ARGON2_OPS", "2")),
        int(os.environ.get("LONGARM_PEER_ARGON2_MEM", str(64 * 1024 * 1024))),
    )


def _challenge() -> bytes:
    challenge = altcha.create_challenge(
        _POW_ALGORITHM,
        _POW_ITERATIONS,
        counter=0,
        expires_at=int(time.time()) + 600,
        data={"purpose": "report", "level": 0},
        hmac_secret=_SECRET,
        hmac_key_secret=_SECRET,
    )
    return json.dumps(challenge.to_dict()).encode("ascii")


def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "")
    if environ["REQUEST_METHOD"] == "POST":
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        if path == _SUBMIT_PATH:
            receipt, cost = new_receipt().encode("ascii"), _cost()
            for _ in range(ARGON2_DERIVATIONS_PER_SUBMISSION):
                derive_key(receipt, new_salt(), cost)
            location = "/report/sent/"
        else:
            location = _SUBMIT_PATH
        start_response("302 Found", [("Location", location), ("Content-Length", "0")])
        return [b""]
    if path.startswith("/gate/challenge/"):
        body, kind = _challenge(), "application/json"
    else:
        body, kind = _page(), "text/html; charset=utf-8"
    start_response("200 OK", [("Content-Type", kind), ("Content-Length", str(len(body)))])
    return [body]


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the peer as `longarm serve` serves Longarm.")
    parser.add_argument("--bind", required=True)
    parser.add_argument("--workers", type=int, required=True)
    arguments = parser.parse_args()
    options = gunicorn_options(bind=arguments.bind, workers=arguments.workers, threads=DEFAULT_THREADS)
    GunicornApplication(options, lambda: application).run()


if __name__ == "__main__":
    main()

"""Federated linking (issue 19): a private set intersection between two deployments, as the code runs it.

Run from the repository root::

    PYTHONPATH=src .venv/bin/python benchmarks/federation.py --quick  # 10,000 x 10,000; 1,000 x 100,000
    PYTHONPATH=src .venv/bin/python benchmarks/federation.py          # 100,000 x 100,000; 1,000 x 1,000,000

Each scenario runs the asking side (the client) in this process and the answering side (the server) in a
child process, talking through a pipe the exact bytes the HTTP endpoint would carry: the signed JSON request
(blinded elements, base64) and the signed JSON answer (the server's Golomb-compressed set and its response).
So each side's wall time and peak resident memory are its own, and ``bytes_exchanged`` is the two bodies.

The sets are strong match keys of mixed kinds (phone numbers, e-mail addresses, WeChat and QQ IDs, badge
numbers, plates) with ``common`` elements in both. The elements in common are written differently on the two
sides (``+86 139 …`` and ``0086-139…``, upper and lower case, full-width digits …) and go through the linking
normalisers, as they would on two deployments; ``normalise_seconds`` is that step on the variants alone (a
deployment normalises once, when an identifier is added, not per run). Precision and recall compare the
elements the client found with the plaintext intersection of the canonical keys.

Targets (issue 19): the 100,000 x 100,000 run within 60 s on 2 cores, at most 20 MB exchanged, precision and
recall 1.0. The library is single-threaded and the two sides work in turn, so one core works at a time:
``cpu_seconds_both_sides`` is what the run costs on an idle machine, ``wall_seconds`` what it took on this
one.
"""

import argparse
import json
import multiprocessing
import random
import resource
import sys
import time
from multiprocessing.connection import Connection
from typing import Any

from longarm.crypto.psi import client_finish, client_request, server_answer
from longarm.crypto.signing import new_signing_seed, signing_public_key
from longarm.federation.wire import b64, request_build, request_parse, response_build, response_open, unb64
from longarm.linking.keys import match_keys

KINDS = ["phone", "email", "wechat", "qq", "badge", "plate"]


def _canonical(kind: str, n: int) -> str:
    if kind == "phone":
        return f"phone\x00+86139{n:08d}"
    if kind == "email":
        return f"email\x00officer.{n}@example.com"
    if kind == "wechat":
        return f"wechat\x00wxid_agent{n}"
    if kind == "qq":
        return f"qq\x00{10_000_000 + n}"
    if kind == "badge":
        return f"badge\x00{n:08d}"
    return f"plate\x00京A{n:07d}"


def _written(kind: str, n: int, side: int) -> str:
    """Entity ``n`` as a caseworker on ``side`` typed it."""
    forms = {
        "phone": (f"+86 139 {n // 10000:04d} {n % 10000:04d}", f"0086-139{n:08d}"),
        "email": (f"Officer.{n}@Example.COM", f"officer.{n}@example.com "),
        "wechat": (f"WXID_Agent{n}", f"wxid_agent{n}"),
        "qq": (str(10_000_000 + n), "".join(chr(ord(c) + 0xFEE0) for c in str(10_000_000 + n))),
        "badge": (f"{n:08d}", f"No. {n:08d}"),
        "plate": (f"京A·{n:07d}", f"京a{n:07d}"),
    }
    return forms[kind][side]


def _normalised(kind: str, value: str) -> str:
    keys = [key for key in match_keys(kind, value) if key.strength == "strong"]
    return f"{keys[0].scheme}\x00{keys[0].value}"


def sets(
    n_client: int, n_server: int, common: int, seed: int
) -> tuple[list[str], list[str], set[str], float]:
    """The client's and the server's canonical keys, the plaintext intersection, and the seconds spent
    normalising the variants of the shared entities on both sides."""
    rng = random.Random(seed)
    # Entity numbers: the shared ones first, then each side's own (disjoint) range.
    shared = list(range(common))
    client_only = range(common, n_client)
    server_only = range(n_client, n_client + n_server - common)
    started = time.perf_counter()
    client_shared, server_shared = [], []
    for n in shared:
        kind = KINDS[n % len(KINDS)]
        client_shared.append(_normalised(kind, _written(kind, n, 0)))
        server_shared.append(_normalised(kind, _written(kind, n, 1)))
    normalise_seconds = time.perf_counter() - started
    client = client_shared + [_canonical(KINDS[n % len(KINDS)], n) for n in client_only]
    server = server_shared + [_canonical(KINDS[n % len(KINDS)], n) for n in server_only]
    rng.shuffle(client)
    rng.shuffle(server)
    return client, server, set(client) & set(server), normalise_seconds


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _serve(connection: Connection, server_set: list[str], server_seed: bytes, client_key: bytes) -> None:
    """The answering side: verify the signed request, answer it, report its own time and memory."""
    body, signature = connection.recv_bytes(), connection.recv_bytes()
    started, cpu_started = time.perf_counter(), time.process_time()
    request = request_parse(body)
    from longarm.crypto.federation import request_signed_by

    assert request_signed_by(client_key, body, signature)
    setup, response = server_answer(server_set, unb64(request.payload["request"]), reveal_intersection=True)
    answer, answer_signature = response_build(
        signing_seed=server_seed,
        sender=signing_public_key(server_seed),
        nonce=request.nonce,
        status="ok",
        payload={"mode": "intersection", "setup": b64(setup), "response": b64(response)},
    )
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    connection.send_bytes(answer)
    connection.send_bytes(answer_signature)
    connection.send(
        {"seconds": round(seconds, 2), "cpu_seconds": round(cpu_seconds, 2), "peak_rss_mb": _peak_rss_mb()}
    )


def scenario(n_client: int, n_server: int, common: int, seed: int) -> dict[str, Any]:
    client_set, server_set, truth, normalise_seconds = sets(n_client, n_server, common, seed)
    client_seed, server_seed = new_signing_seed(), new_signing_seed()
    ours, theirs = multiprocessing.Pipe()
    child = multiprocessing.get_context("fork").Process(
        target=_serve, args=(theirs, server_set, server_seed, signing_public_key(client_seed))
    )
    child.start()
    del server_set
    started, cpu_started = time.perf_counter(), time.process_time()
    state = client_request(client_set, reveal_intersection=True)
    body, signature, nonce = request_build(
        signing_seed=client_seed,
        sender=signing_public_key(client_seed),
        recipient=signing_public_key(server_seed),
        action="psi",
        payload={"mode": "intersection", "request": b64(state.request)},
        now=int(time.time()),
    )
    request_seconds = time.perf_counter() - started
    request_cpu = time.process_time() - cpu_started
    wall_started = time.perf_counter()
    ours.send_bytes(body)
    ours.send_bytes(signature)
    answer, answer_signature = ours.recv_bytes(), ours.recv_bytes()
    server_report = ours.recv()
    child.join()
    finish_started, finish_cpu_started = time.perf_counter(), time.process_time()
    status, payload = response_open(
        body=answer, signature=answer_signature, public_key=signing_public_key(server_seed), nonce=nonce
    )
    assert status == "ok"
    positions = client_finish(state, unb64(payload["setup"]), unb64(payload["response"]))
    assert isinstance(positions, list)
    finish_seconds = time.perf_counter() - finish_started
    client_cpu = request_cpu + time.process_time() - finish_cpu_started
    total = request_seconds + (finish_started - wall_started) + finish_seconds
    found = {client_set[position] for position in positions}
    true_found = len(found & truth)
    return {
        "client_elements": n_client,
        "server_elements": n_server,
        "common": common,
        "client": {
            "request_seconds": round(request_seconds, 2),
            "finish_seconds": round(finish_seconds, 2),
            "seconds": round(request_seconds + finish_seconds, 2),
            "cpu_seconds": round(client_cpu, 2),
            "peak_rss_mb": _peak_rss_mb(),
        },
        "server": server_report,
        "wall_seconds": round(total, 2),
        # The two sides work in turn, so on an idle machine the wall time is close to the sum of their CPU
        # times; on a busy one (load above the core count) the wall time is mostly waiting for a core.
        "cpu_seconds_both_sides": round(client_cpu + server_report["cpu_seconds"], 2),
        "bytes_sent": len(body) + len(signature),
        "bytes_received": len(answer) + len(answer_signature),
        "bytes_exchanged": len(body) + len(signature) + len(answer) + len(answer_signature),
        "normalise_seconds_for_variants": round(normalise_seconds, 3),
        "found": len(found),
        "precision": round(true_found / len(found), 6) if found else 1.0,
        "recall": round(true_found / len(truth), 6) if truth else 1.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="Small sizes, for a quick check.")
    parser.add_argument("--only", choices=["balanced", "lopsided"], help="Run one scenario.")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    scenarios = {
        "balanced": (10_000, 10_000, 1_000) if options.quick else (100_000, 100_000, 1_000),
        # A large centre and a small NGO: the NGO asks (its 1,000 blinded elements go out; the centre's
        # compressed set comes back).
        "lopsided": (1_000, 100_000, 1_000) if options.quick else (1_000, 1_000_000, 1_000),
    }
    report: dict[str, Any] = {
        "quick": options.quick,
        "targets": {"balanced_seconds": 60, "bytes": 20_000_000},
    }
    for name, (n_client, n_server, common) in scenarios.items():
        if options.only and name != options.only:
            continue
        result = scenario(n_client, n_server, common, options.seed)
        if name == "balanced" and not options.quick:
            result["meets_targets"] = (
                result["wall_seconds"] <= 60
                and result["bytes_exchanged"] <= 20_000_000
                and result["precision"] == result["recall"] == 1.0
            )
        report[name] = result
        sys.stderr.write(f"{name} done\n")
    sys.stdout.write(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()

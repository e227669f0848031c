"""The peer that ``benchmarks/intake.py`` measures beside Longarm answers its clients' whole exchange, in both
of the benchmark's modes, and makes the two Argon2id derivations exactly once per submission."""

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from benchmarks.intake import HOST, Client, free_port, start_peer, stop_server, submit_once, wait_until_ready

from benchmarks import _intake_peer
from longarm.crypto import kdf


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def peer_port(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    monkeypatch.setenv("LONGARM_PEER_ARGON2_OPS", "1")
    monkeypatch.setenv("LONGARM_PEER_ARGON2_MEM", "8192")
    server = make_server(HOST, 0, _intake_peer.application, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("reuse_form", [True, False], ids=["steps posted", "whole visit"])
def test_a_client_of_the_benchmark_completes_submissions_against_the_peer(
    peer_port: int, reuse_form: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    derived: list[kdf.Argon2Cost] = []
    original = kdf.derive_key

    def counted(secret: bytes, salt: bytes, cost: kdf.Argon2Cost) -> bytes:
        derived.append(cost)
        return original(secret, salt, cost)

    monkeypatch.setattr(_intake_peer, "derive_key", counted)
    client = Client(peer_port)
    for _ in range(2):
        cycle = submit_once(client, reuse_form=reuse_form)
        assert cycle.error is None
    assert derived == [kdf.Argon2Cost(1, 8192)] * 4


def test_the_peer_starts_under_gunicorn_as_the_benchmark_starts_it(tmp_path: Path) -> None:
    port = free_port()
    peer = start_peer(kdf.Argon2Cost(1, 8192), port, 1, tmp_path / "peer.log")
    try:
        wait_until_ready(peer, port, "the peer")
        assert submit_once(Client(port), reuse_form=True).error is None
    finally:
        stop_server(peer)
    assert peer.returncode is not None

"""Headers as the real server sends them: `longarm serve` (gunicorn, WhiteNoise with collected, hashed static
files) started in a subprocess on the test database (issue 11, items 12 and 15)."""

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from longarm import cli

# The server runs on the test database (its tables must exist), outside any test's transaction.
pytestmark = pytest.mark.django_db(transaction=True)
HOST = "127.0.0.1"
START_TIMEOUT = 90.0


def database_url() -> str:
    database = connection.settings_dict
    name = (database.get("TEST") or {}).get("NAME") or database["NAME"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{name}"
    user = quote(str(database.get("USER") or ""), safe="")
    password = quote(str(database.get("PASSWORD") or ""), safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    return f"postgres://{credentials}{database.get('HOST') or HOST}:{database.get('PORT') or 5432}/{name}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def get(port: int, path: str) -> http.client.HTTPResponse:
    client = http.client.HTTPConnection(HOST, port, timeout=30)
    client.request("GET", path)
    response = client.getresponse()
    response.read()
    client.close()
    return response


@pytest.fixture(scope="module")
def server_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("server")


@pytest.fixture(scope="module")
def server(django_db_setup: None, server_home: Path) -> Iterator[int]:
    root = server_home
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join(sys.path),
        "HOME": str(root),
        "XDG_RUNTIME_DIR": str(root),
        "DJANGO_SETTINGS_MODULE": "longarm.settings",
        "LONGARM_SECRET_KEY": "only-for-the-header-test-" + "x" * 40,
        "LONGARM_DATA_DIR": str(root / "data"),
        "LONGARM_KEYS_DIR": str(settings.KEYS_DIR),
        "LONGARM_ALLOWED_HOSTS": HOST,
        "DATABASE_URL": database_url(),
        # The test keyring shares the test database's disk.
        "LONGARM_KEYS_ON_DATABASE_DISK": "true",
    }
    command = [sys.executable, "-m", "longarm.cli"]
    subprocess.run([*command, "collectstatic", "--noinput", "-v", "0"], env=env, check=True)  # noqa: S603
    port = free_port()
    log = (root / "serve.log").open("wb")
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and a fixed command
        [*command, "serve", "--no-worker", "--bind", f"{HOST}:{port}", "--workers", "1", "--threads", "2"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so that stopping it reaches gunicorn's worker
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert process.poll() is None, (root / "serve.log").read_text()
            assert time.monotonic() < deadline, "the server did not answer in time"
            try:
                get(port, "/")
                break
            except OSError:
                time.sleep(0.3)
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


def test_the_server_does_not_say_what_software_it_is(server: int) -> None:
    for path in ("/", "/report/", "/console/login/", "/no-such-page/"):
        response = get(server, path)
        assert response.getheader("Server") is None, path
        assert "gunicorn" not in str(response.headers).lower()


def test_every_response_turns_powerful_browser_features_off(server: int) -> None:
    page = get(server, "/report/")
    static = get(server, stylesheet(server))
    for response in (page, static, get(server, "/no-such-page/")):
        policy = response.getheader("Permissions-Policy") or ""
        for feature in ("camera", "microphone", "geolocation", "display-capture", "usb"):
            assert f"{feature}=()" in policy


def stylesheet(port: int) -> str:
    client = http.client.HTTPConnection(HOST, port, timeout=30)
    client.request("GET", "/report/")
    html = client.getresponse().read().decode()
    client.close()
    match = re.search(r'href="(/static/[^"]+\.css)"', html)
    assert match, "the reporter page links no style sheet"
    return match.group(1)


def test_reporter_assets_are_not_kept_by_the_browser(server: int) -> None:
    path = stylesheet(server)
    assert re.search(r"\.[0-9a-f]{12}\.css$", path), "collected static files carry a content hash"
    response = get(server, path)
    assert response.status == 200
    assert response.getheader("Cache-Control") == "no-store"
    assert response.getheader("Access-Control-Allow-Origin") is None


def test_the_csrf_cookie_ends_with_the_browser_session(server: int) -> None:
    cookies = [value for name, value in get(server, "/report/").getheaders() if name.lower() == "set-cookie"]
    csrf = [cookie for cookie in cookies if cookie.startswith(f"{settings.CSRF_COOKIE_NAME}=")]
    assert csrf
    assert "max-age" not in csrf[0].lower()
    assert "expires" not in csrf[0].lower()


def test_gunicorn_opens_no_control_socket(server: int, server_home: Path) -> None:
    assert get(server, "/").status == 200
    assert not list(server_home.rglob("*.ctl"))


def test_the_real_server_counts_requests_for_prometheus(server: int) -> None:
    # `longarm serve` names a multiprocess directory before the metrics load (cli.py): counts from
    # gunicorn's workers reach the scrape.
    for _ in range(3):
        get(server, "/safety/")
    client = http.client.HTTPConnection(HOST, server, timeout=30)
    client.request("GET", "/metrics")
    response = client.getresponse()
    text = response.read().decode()
    client.close()
    assert response.status == 200
    counted = r'longarm_http_requests_total\{method="GET",status="2xx",view="[a-z_]+:[a-z_]+"\} [3-9]'
    assert re.search(counted, text)
    assert get(server, "/healthz").status == 200


def _environment(pid: Path) -> dict[str, str]:
    try:
        raw = (pid / "environ").read_bytes()
    except OSError:  # gone, or another user's
        return {}
    return dict(entry.split("=", 1) for entry in raw.decode(errors="replace").split("\0") if "=" in entry)


@pytest.mark.skipif(not cli._glibc(), reason="the MALLOC_* variables are glibc's")
def test_gunicorn_runs_with_the_allocator_bounded(server: int, server_home: Path) -> None:
    # `longarm serve` starts itself again with glibc's allocator settings (cli.py), which gunicorn's workers
    # inherit: without them a worker's memory crept under load (issue 17).
    assert get(server, "/").status == 200
    ours = [
        environment
        for environment in map(_environment, Path("/proc").glob("[0-9]*"))
        if environment.get("LONGARM_DATA_DIR") == str(server_home / "data")
    ]
    assert len(ours) >= 2, "gunicorn's master and its worker"
    for environment in ours:
        assert {name: environment.get(name) for name in cli.MALLOC_SETTINGS} == cli.MALLOC_SETTINGS

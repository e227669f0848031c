"""Other Longarm deployments for the federation tests: each with its own data directory, SQLite database,
keyring and server (Django's development server on 127.0.0.1), started as separate processes."""

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Deployment:
    name: str
    root: Path
    port: int = field(default_factory=free_port)
    server: subprocess.Popen[bytes] | None = None
    public_key: str = ""

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/federation/"

    def environment(self) -> dict[str, str]:
        environment = {
            name: value
            for name, value in os.environ.items()
            # Its own database (SQLite in its data directory) and its own task backend.
            if name not in {"DATABASE_URL", "LONGARM_TASKS_URL", "LONGARM_STORAGE_URL"}
        }
        environment.update(
            DJANGO_SETTINGS_MODULE="tests.settings",
            LONGARM_DATA_DIR=str(self.root / "data"),
            LONGARM_KEYS_DIR=str(self.root / "keys"),
            LONGARM_ALLOWED_HOSTS="127.0.0.1,localhost",
            LONGARM_FEDERATION_ALLOW_PLAIN_HTTP="true",
            LONGARM_IDENTIFIERS_PER_HOUR="100000",
            LONGARM_IDENTIFIERS_PER_DAY="100000",
            PYTHONPATH=os.pathsep.join([str(REPOSITORY / "src"), str(REPOSITORY)]),
        )
        return environment

    def _run(self, *arguments: str) -> str:
        done = subprocess.run(  # noqa: S603 - our own interpreter and modules
            [sys.executable, *arguments],
            cwd=self.root,
            env=self.environment(),
            capture_output=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            raise AssertionError(f"{self.name}: {arguments[:3]} failed:\n{done.stderr.decode()[-4000:]}")
        return done.stdout.decode()

    def remote(self, command: str, spec: dict[str, Any]) -> dict[str, Any]:
        output = self._run("-m", "tests.federation.remote", command, json.dumps(spec))
        return dict(json.loads(output.strip().splitlines()[-1]))

    def create(self, identifiers: list[tuple[str, str]]) -> None:
        (self.root / "data").mkdir(parents=True)
        self._run("-m", "django", "migrate", "--verbosity", "0")
        self.public_key = self.remote("seed", {"identifiers": identifiers})["public_key"]

    def partner_with(self, other_name: str, other_public_key: str, other_endpoint: str, **terms: Any) -> None:
        self.remote(
            "partner",
            {
                "name": other_name,
                "public_key": other_public_key,
                "endpoint": other_endpoint,
                "kinds": ["badge", "email", "phone", "plate", "qq", "wechat"],
                "mode": "intersection",
                "smallest_set": 5,
                "largest_set": 10000,
                "runs_per_period": 10,
                "period_days": 7,
                "minimum_change": 0,
                **terms,
            },
        )

    def start(self) -> None:
        self.server = subprocess.Popen(  # noqa: S603 - our own interpreter and modules
            [
                sys.executable,
                "-m",
                "django",
                "runserver",
                "--noreload",
                "--nothreading",
                f"127.0.0.1:{self.port}",
            ],
            cwd=self.root,
            env=self.environment(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.3)
        raise AssertionError(f"{self.name}'s server did not start")

    def stop(self) -> None:
        if self.server is not None:
            self.server.terminate()
            self.server.wait(timeout=30)

"""The deployment recipes in deploy/ are checked by the tools that will run them: tor, nginx, systemd; and
every variable they set is one Longarm reads (the README's table, itself checked against the settings)."""

import re
import shutil
import subprocess
from ipaddress import ip_address, ip_network
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.core.test_readme_settings import README, covers, documented_names

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def tool(name: str) -> str:
    path = shutil.which(name) or next(
        (str(p) for p in (Path("/usr/sbin") / name, Path("/usr/bin") / name) if p.exists()), None
    )
    if path is None:
        pytest.skip(f"{name} is not installed (dev/system-packages.sh installs it for the tests)")
    return path


def test_the_torrc_is_valid_for_tor(tmp_path: Path) -> None:
    service_dir = tmp_path / "onion"
    torrc = (DEPLOY / "tor" / "torrc").read_text()
    torrc = torrc.replace("/var/lib/tor/longarm", str(service_dir)).replace("proxy:8080", "127.0.0.1:8080")
    (tmp_path / "torrc").write_text(torrc + f"\nDataDirectory {tmp_path / 'data'}\n")
    result = subprocess.run(  # noqa: S603 - a fixed tool on our own file
        [tool("tor"), "--verify-config", "-f", str(tmp_path / "torrc")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SocksPort 0" in torrc


def test_the_nginx_configuration_is_valid_and_logs_no_access(tmp_path: Path) -> None:
    conf = (DEPLOY / "nginx" / "longarm.conf").read_text()
    assert re.search(r"^\s*access_log off;", conf, re.M)
    assert 'X-Forwarded-For ""' in conf
    # The test has no host "web" and no certificate: what nginx -t needs is put in their place.
    (tmp_path / "tls").mkdir()
    subprocess.run(  # noqa: S603 - a fixed tool and arguments
        [
            tool("openssl"),
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
            "-subj", "/CN=report.example.org",
            "-keyout", str(tmp_path / "tls" / "privkey.pem"), "-out", str(tmp_path / "tls" / "fullchain.pem"),
        ],
        capture_output=True, check=True,
    )  # fmt: skip
    conf = conf.replace("server web:8000;", "server 127.0.0.1:8000;").replace(
        "/etc/nginx/tls", str(tmp_path / "tls")
    )
    (tmp_path / "nginx.conf").write_text(conf)
    result = subprocess.run(  # noqa: S603 - a fixed tool on our own file
        [tool("nginx"), "-t", "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_the_systemd_units_verify(tmp_path: Path) -> None:
    units = sorted((DEPLOY / "systemd").glob("longarm-*.[st]*"))
    assert {unit.name for unit in units} >= {"longarm-web.service", "longarm-worker.service"}
    copied = []
    for unit in units:
        # systemd-analyze checks that ExecStart's program exists: point it at one that does.
        text = unit.read_text().replace("/opt/longarm/.venv/bin/longarm", shutil.which("true") or "/bin/true")
        text = text.replace(
            "EnvironmentFile=/etc/longarm/longarm.env",
            f"EnvironmentFile={DEPLOY / 'systemd' / 'longarm.env'}",
        )
        (tmp_path / unit.name).write_text(text)
        copied.append(str(tmp_path / unit.name))
    result = subprocess.run(  # noqa: S603 - a fixed tool on our own files
        [tool("systemd-analyze"), "verify", "--man=no", *copied], capture_output=True, text=True, check=False
    )
    # systemd-analyze exits 0 even for an unknown key: every line it says about our files is a problem.
    problems = [line for line in result.stderr.splitlines() if str(tmp_path) in line]
    assert result.returncode == 0, result.stderr
    assert problems == []


def recipe_variables() -> set[str]:
    names: set[str] = set()
    for path in DEPLOY.rglob("*"):
        if path.is_file():
            names |= set(re.findall(r"\b(LONGARM_[A-Z0-9_]+|DATABASE_URL(?:_FILE)?)\b", path.read_text()))
    return names


def test_every_variable_the_recipes_set_is_one_longarm_reads() -> None:
    documented = documented_names(README.read_text(encoding="utf-8"))
    names = recipe_variables()
    assert "LONGARM_KEYS_DIR" in names
    unknown = sorted(
        name for name in names if not any(covers(row, name.removesuffix("_FILE")) for row in documented)
    )
    assert unknown == []


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_the_image_healthcheck_is_answered_with_the_compose_monitoring_addresses() -> None:
    # The Containerfile's HEALTHCHECK asks /healthz from inside the container, that is from loopback.
    assert "127.0.0.1:8000/healthz" in (DEPLOY / "Containerfile").read_text(encoding="utf-8")
    for name in ("web", "worker"):
        allowed = compose()["services"][name]["environment"]["LONGARM_METRICS_ALLOWED"]
        networks = [ip_network(part.strip()) for part in allowed.split(",")]
        assert any(ip_address("127.0.0.1") in network for network in networks), name


def test_the_compose_init_can_write_the_keyring_and_keeps_the_recovery_key_out_of_both_volumes() -> None:
    init = compose()["services"]["init"]
    command = init["command"]
    destination = command[command.index("--recovery-key-out") + 1]
    mounts = {volume.split(":")[1]: volume for volume in init["volumes"]}
    assert not mounts["/srv/longarm/keys"].endswith(":ro")
    assert not destination.startswith(("/srv/longarm/data", "/srv/longarm/keys"))
    assert destination in mounts  # a host directory, to take offline
    assert "run --rm init" in (DEPLOY / "compose.yaml").read_text(encoding="utf-8")


def test_an_smtp_password_comes_with_a_user_name_without_which_it_is_never_used() -> None:
    lines = (DEPLOY / "systemd" / "longarm.env").read_text(encoding="utf-8").splitlines()
    names = {line.split("=", 1)[0] for line in lines if "=" in line and not line.startswith("#")}
    if names & {"LONGARM_EMAIL_PASSWORD", "LONGARM_EMAIL_PASSWORD_FILE"}:
        assert names & {"LONGARM_EMAIL_USER", "LONGARM_EMAIL_USER_FILE"}

"""dev/system-packages.sh on a fresh machine: installing what is missing succeeds (faked apt-get)."""

import os
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "dev" / "system-packages.sh"

FAKE_DPKG_QUERY = """#!/bin/sh
# Installed once the fake apt-get has run.
[ -f "$STATE/installed" ] && printf 'install ok installed'
exit 0
"""
FAKE_APT_GET = """#!/bin/sh
case "$1" in install) touch "$STATE/installed" ;; esac
exit 0
"""
FAKE_ID = """#!/bin/sh
echo "${FAKE_UID}"
"""


def _fake_bin(tmp_path: Path) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in (("dpkg-query", FAKE_DPKG_QUERY), ("apt-get", FAKE_APT_GET), ("id", FAKE_ID)):
        path = bin_dir / name
        path.write_text(body)
        path.chmod(0o755)
    return bin_dir


def _ensure(tmp_path: Path, uid: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": f"{_fake_bin(tmp_path)}:{os.environ['PATH']}",
        "STATE": str(tmp_path),
        "FAKE_UID": uid,
    }
    return subprocess.run(  # noqa: S603 - a fixed script under test
        ["/bin/bash", "-c", f". {SCRIPT}; ensure_system_packages test"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_root_on_a_fresh_machine_installs_and_succeeds(tmp_path: Path) -> None:
    result = _ensure(tmp_path, "0")
    assert (tmp_path / "installed").exists()
    assert result.returncode == 0, result.stderr
    assert "Longarm needs these" not in result.stderr


def test_without_root_it_prints_the_command_and_fails(tmp_path: Path) -> None:
    result = _ensure(tmp_path, "1000")
    assert result.returncode == 1
    assert "apt-get install --no-install-recommends" in result.stderr
    assert not (tmp_path / "installed").exists()

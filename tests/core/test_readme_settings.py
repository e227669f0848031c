"""The README's configuration table names exactly the environment variables Longarm reads (issue 11, item 16).

Names are collected twice: from the source (every call of an ``env_*`` reader in ``src/longarm``, so that a
name read only under some condition still counts) and by importing the settings in a subprocess that records
each name asked of the environment, under two configurations. A name built with an f-string
(``f"LONGARM_RETENTION_DAYS_REPORT_{status.upper()}"``) matches a documented ``…_<STATUS>`` row.
"""

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "src" / "longarm"
README = ROOT / "README.md"
_PLACEHOLDER = re.compile(r"<[A-Z_]+>")
_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


def documented_names(readme: str) -> set[str]:
    """Every name in the first column of the table under "## Configuration".

    A cell may name several variables sharing a prefix (`` `LONGARM_X_OPS` / `_MEM` ``): each later part
    replaces as many trailing ``_WORD`` segments of the first name as it has. ``<STATUS>`` stays a
    placeholder.
    """
    section = readme.split("\n## Configuration", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        cell = line.split("|")[1]
        parts = re.findall(r"`([^`]+)`", cell)
        first = parts[0]
        names.add(first)
        for part in parts[1:]:
            assert part.startswith("_"), f"{part!r} in {line!r} is neither a name nor a `_SUFFIX`"
            segments = part.count("_")
            names.add("_".join(first.split("_")[:-segments]) + part)
    return names


def test_shared_prefix_rows_are_read_as_several_names() -> None:
    table = (
        "\n## Configuration\n\n| variable | default | meaning |\n|---|---|---|\n"
        "| `LONGARM_X_ZIP_MAX_BYTES` / `_ENTRIES` | 1 / 2 | x |\n"
        "| `LONGARM_DP_EPSILON_BUDGET` / `_DELTA_BUDGET` | 1 / 2 | y |\n"
        "| `LONGARM_DAYS_<STATUS>` | 0 | z |\n\n## Next\n| `NOT_THIS` | | |\n"
    )
    assert documented_names(table) == {
        "LONGARM_X_ZIP_MAX_BYTES",
        "LONGARM_X_ZIP_MAX_ENTRIES",
        "LONGARM_DP_EPSILON_BUDGET",
        "LONGARM_DP_DELTA_BUDGET",
        "LONGARM_DAYS_<STATUS>",
    }


def names_in_source() -> set[str]:
    """The first argument of every ``env_*(…)`` call; f-strings become ``PREFIX_<>`` patterns."""
    names: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id.startswith("env_")
                and node.args
            ):
                continue
            argument = node.args[0]
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                names.add(argument.value)
            elif isinstance(argument, ast.JoinedStr):
                parts = argument.values
                names.add("".join(str(p.value) if isinstance(p, ast.Constant) else "<>" for p in parts))
            else:
                raise AssertionError(f"{path}:{node.lineno}: an env_* call whose name cannot be read")
    return names


_RECORD = """
import json, sys
import longarm.env as env
asked = []
original = env._raw
def recording(name):
    asked.append(name)
    return original(name)
env._raw = recording
import longarm.settings
json.dump(asked, sys.stdout)
"""


def names_asked(**environment: str) -> set[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join(sys.path),
        "LONGARM_DATA_DIR": str(settings.TEST_ROOT / "elsewhere"),
        **environment,
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", _RECORD], env=env, capture_output=True, text=True, check=True
    )
    return set(json.loads(result.stdout))


def covers(documented: str, read: str) -> bool:
    """Whether the README name (maybe with ``<STATUS>``) stands for the read name (maybe with ``<>``)."""
    if documented == read:
        return True
    pattern = "^" + "[A-Z0-9_]+".join(re.escape(part) for part in _PLACEHOLDER.split(documented)) + "$"
    return bool(re.match(pattern, read.replace("<>", "X"))) and (
        "<>" in read or _PLACEHOLDER.search(documented) is not None
    )


def test_every_setting_read_is_documented_and_every_documented_setting_is_read() -> None:
    documented = documented_names(README.read_text(encoding="utf-8"))
    in_source = names_in_source()
    asked = names_asked() | names_asked(LONGARM_HTTPS="true", LONGARM_TASKS_URL="redis://127.0.0.1:1/0")
    assert all(_NAME.match(name) for name in asked)
    read = in_source | asked
    undocumented = sorted(name for name in read if not any(covers(row, name) for row in documented))
    unread = sorted(row for row in documented if not any(covers(row, name) for name in read))
    assert undocumented == [], f"read by Longarm but missing from the README table: {undocumented}"
    assert unread == [], f"in the README table but read nowhere: {unread}"


def test_no_module_reads_the_environment_around_the_typed_readers() -> None:
    # STYLE.md: "No os.environ outside settings". cli.py and wsgi.py only choose the settings module.
    allowed = {SOURCE / "env.py", SOURCE / "cli.py", SOURCE / "wsgi.py"}
    offenders = [
        str(path.relative_to(ROOT))
        for path in SOURCE.rglob("*.py")
        if path not in allowed and re.search(r"os\.environ|getenv\(", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []

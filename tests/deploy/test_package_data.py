"""An installed Longarm (``pip install .``, as deploy/Containerfile does) has every file its code reads: the
package data named in pyproject.toml covers every file under src/longarm that is not Python."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "longarm"


def test_every_file_besides_python_is_package_data() -> None:
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"][
        "longarm"
    ]
    shipped = {path for pattern in patterns for path in PACKAGE.glob(pattern) if path.is_file()}
    files = {
        path
        for path in PACKAGE.rglob("*")
        if path.is_file() and path.suffix not in {".py", ".pyc"} and "__pycache__" not in path.parts
    }

    assert sorted(str(path.relative_to(PACKAGE)) for path in files - shipped) == []

"""Production settings with the Redis task queue pass Django's system checks: `longarm init`, `serve` and
`worker` run them, and refused to start on Redis while django-rq's app was missing (benchmarks/faults.py)."""

import os
import subprocess
import sys
from pathlib import Path

_CHECK = (
    "import django; django.setup(); from django.core import checks; "
    "errors = [str(m) for m in checks.run_checks() if m.is_serious() and not m.is_silenced()]; "
    "print('\\n'.join(errors)); "
    "raise SystemExit(1 if errors else 0)"
)


def test_the_production_settings_on_redis_pass_the_system_checks(tmp_path: Path) -> None:
    env = {
        **{
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("LONGARM_", "DATABASE_"))
        },
        "DJANGO_SETTINGS_MODULE": "longarm.settings",
        "LONGARM_DATA_DIR": str(tmp_path),
        "LONGARM_SECRET_KEY": "x" * 50,
        "LONGARM_TASKS_URL": "redis://127.0.0.1:6379/15",
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", _CHECK], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr

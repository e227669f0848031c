import json
import os
import subprocess
import sys
from typing import Any

from django.conf import settings


def production_settings(**environment: str) -> dict[str, Any]:
    """Names and values of ``longarm.settings`` as a server started with ``environment`` would have them."""
    script = (
        "import json, sys\n"
        "from django.conf import settings as s\n"
        "values = {k: getattr(s, k) for k in dir(s) if k.isupper()}\n"
        "plain = (str, int, float, bool, list, tuple, dict, type(None))\n"
        "json.dump({k: v for k, v in values.items() if isinstance(v, plain)}, sys.stdout, default=str)\n"
    )
    loaded: dict[str, Any] = json.loads(run_with_production_settings(script, **environment))
    return loaded


def run_with_production_settings(script: str, **environment: str) -> str:
    """What ``script`` prints, run by our interpreter with ``longarm.settings`` (not the test settings) and
    ``environment``, as a server started with it would read them."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join(sys.path),
        "DJANGO_SETTINGS_MODULE": "longarm.settings",
        "LONGARM_SECRET_KEY": "only-for-reading-settings-" + "x" * 40,
        "LONGARM_DATA_DIR": str(settings.TEST_ROOT / "elsewhere"),
        **environment,
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    return result.stdout

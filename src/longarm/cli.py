"""The `longarm` console script: Django's management commands with Longarm's settings.

`longarm evidence verify PACKAGE.zip --public-key KEY` is the exception: it checks an evidence package on any
machine, with no Longarm database, settings or data directory, so it runs before Django is set up at all.
"""

import atexit
import os
import shutil
import sys
import tempfile


def main() -> None:
    # Whatever a command writes (the database, evidence ciphertext, exported packages, keys) is its owner's
    # alone, whatever umask the shell or service manager passed on; the worker `serve` starts inherits it.
    os.umask(0o077)
    if sys.argv[1:3] == ["evidence", "verify"]:
        from longarm.evidence.verify import run

        sys.exit(run(sys.argv[3:], sys.stdout))
    if sys.argv[1:2] == ["serve"] and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # prometheus-client picks its multiprocess mode when first imported, so the directory that gunicorn's
        # workers and the task worker share for /metrics is named before Django (and the metrics) load.
        directory = tempfile.mkdtemp(prefix="longarm-metrics-")
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "longarm.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    from longarm.crypto.errors import KeyringError

    try:
        execute_from_command_line(sys.argv)
    except (ImproperlyConfigured, KeyringError) as error:
        # A bad setting or keyring is the operator's to fix: one line saying how, never a traceback.
        sys.stderr.write(f"longarm: {error}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()

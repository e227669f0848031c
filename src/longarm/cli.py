"""The `longarm` console script: Django's management commands with Longarm's settings."""

import os
import sys


def main() -> None:
    # Whatever a command writes (the database, evidence ciphertext, exported packages, keys) is its owner's
    # alone, whatever umask the shell or service manager passed on; the worker `serve` starts inherits it.
    os.umask(0o077)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "longarm.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

"""`longarm messages`: bring every translation catalogue up to date with the code, then compile them.

Run it after adding or changing any user-facing string (templates, ``gettext_lazy`` in Python, taxonomy
labels); it needs GNU gettext (``apt-get install gettext``). It

1. regenerates ``taxonomy/labels.py`` from the vocabulary data files, so that xgettext sees every label;
2. runs ``makemessages`` for every language in ``settings.LANGUAGES`` except English (the source language),
   without line numbers (diffs stay small) and without obsolete entries;
3. compiles the ``.mo`` files, which are committed so that a fresh clone needs no gettext tools.

New strings then appear untranslated (or marked fuzzy) in ``src/longarm/locale/<lang>/LC_MESSAGES/django.po``;
``tests/i18n/test_catalogues.py`` fails until every reporter-facing one is translated in every language.
"""

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.translation import to_locale

from longarm.taxonomy import generate_labels

PACKAGE_DIR = Path(__file__).resolve().parents[3]


class Command(BaseCommand):
    help = "Regenerate taxonomy labels, update every .po catalogue from the code and compile the .mo files."
    # It reads source files only; a half-finished URLconf elsewhere must not stop it.
    requires_system_checks = ()

    def handle(self, *args: Any, **options: Any) -> None:
        generate_labels.main()
        locales = [to_locale(code) for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
        # makemessages walks the current directory: the package, so that references read "intake/…".
        previous = Path.cwd()
        os.chdir(PACKAGE_DIR)
        try:
            call_command(
                "makemessages",
                locale=locales,
                add_location="file",
                no_wrap=True,
                no_obsolete=True,
                ignore_patterns=["locale/*", "*/migrations/*"],
                verbosity=options["verbosity"],
            )
            call_command("compilemessages", locale=locales, verbosity=options["verbosity"])
        finally:
            os.chdir(previous)

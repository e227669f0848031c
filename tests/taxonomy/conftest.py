import os
import shutil
from collections.abc import Callable
from pathlib import Path

import django
import pytest
from django.conf import settings

from longarm.taxonomy.vocabularies import DATA_DIR

# The taxonomy tests need Django only for gettext. Under the project's settings (pytest-django sets
# DJANGO_SETTINGS_MODULE) nothing is configured here; run alone with `-p no:django`, a minimal
# configuration is enough.
if not settings.configured and "DJANGO_SETTINGS_MODULE" not in os.environ:
    settings.configure(
        USE_I18N=True,
        LANGUAGE_CODE="en",
        INSTALLED_APPS=["longarm.taxonomy"],
    )
    django.setup()


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped data files, to break in one place."""
    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy)
    return copy


@pytest.fixture
def edit() -> Callable[[Path, str, str], None]:
    """Replace text in a data file exactly once, so a test cannot pass because its edit silently missed."""

    def replace(path: Path, old: str, new: str) -> None:
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path.name}"
        path.write_text(text.replace(old, new), encoding="utf-8")

    return replace

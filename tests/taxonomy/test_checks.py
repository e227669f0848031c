from pathlib import Path

import pytest

from longarm.taxonomy import generate_labels, vocabularies
from longarm.taxonomy.checks import check_vocabularies


def test_the_system_check_passes_on_the_shipped_data() -> None:
    assert check_vocabularies() == []


def test_the_system_check_reports_a_broken_data_file_as_an_error(
    data_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (data_copy / "tactics.toml").write_text('name = "tactics"\n', encoding="utf-8")
    monkeypatch.setattr(vocabularies, "DATA_DIR", data_copy)

    messages = check_vocabularies()

    assert [message.id for message in messages] == ["taxonomy.E001"]
    assert messages[0].msg.startswith("tactics.toml: version is missing")


def test_the_system_check_warns_while_labels_are_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = tmp_path / "labels.py"
    stale.write_text("LABELS = ()\n", encoding="utf-8")
    monkeypatch.setattr(generate_labels, "LABELS_PATH", stale)

    assert [message.id for message in check_vocabularies()] == ["taxonomy.W001"]


def test_the_app_registers_the_check() -> None:
    from django.core.checks import registry

    registered: set[object] = set(registry.registry.registered_checks)

    assert check_vocabularies in registered

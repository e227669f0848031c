import ast
from collections.abc import Callable
from pathlib import Path

import pytest

from longarm.taxonomy import generate_labels, labels
from longarm.taxonomy.generate_labels import LABELS_PATH, labels_up_to_date, render_labels
from longarm.taxonomy.vocabularies import Term, vocabulary, vocabulary_names


def gettext_noop_arguments(source: str) -> list[str]:
    calls = [
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "gettext_noop"
    ]
    arguments = [call.args[0].value for call in calls if isinstance(call.args[0], ast.Constant)]
    return [argument for argument in arguments if isinstance(argument, str)]


def texts(term: Term) -> list[str]:
    own = [text for text in (term.label, term.own_staff_label, term.help) if text]
    return own + [text for child in term.children for text in texts(child)]


def test_labels_module_is_up_to_date_with_the_data_files() -> None:
    assert LABELS_PATH.read_text(encoding="utf-8") == render_labels(), (
        "labels.py is stale: run `python -m longarm.taxonomy.generate_labels`"
    )
    assert labels_up_to_date()


def test_every_label_and_help_text_of_every_file_is_marked_for_translation() -> None:
    expected = [
        text for name in vocabulary_names() for term in vocabulary(name).terms for text in texts(term)
    ]

    marked = gettext_noop_arguments(LABELS_PATH.read_text(encoding="utf-8"))

    assert sorted(marked) == sorted(expected)
    assert "Japan" in marked
    assert "Tokyo" in marked
    assert "Please tell us in your own words." in marked


def test_labels_module_imports_and_holds_the_english_strings() -> None:
    assert "Someone told me to go back to my home country" in labels.LABELS


def test_a_changed_label_changes_the_generated_module(
    data_copy: Path, edit: Callable[[Path, str, str], None]
) -> None:
    edit(data_copy / "communities.toml", 'label = "Hongkonger"', 'label = "Person from Hong Kong"')

    rendered = render_labels(data_copy)

    assert 'gettext_noop("Person from Hong Kong"),' in rendered
    assert 'gettext_noop("Hongkonger"),' not in rendered
    assert rendered != render_labels()


def test_quotes_and_backslashes_in_labels_survive_as_python_strings(
    data_copy: Path, edit: Callable[[Path, str, str], None]
) -> None:
    edit(
        data_copy / "communities.toml",
        'label = "Christian"',
        'label = "Christian \\"house\\" church \\\\ other"',
    )

    assert 'Christian "house" church \\ other' in gettext_noop_arguments(render_labels(data_copy))


def test_running_the_generator_writes_the_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "labels.py"
    monkeypatch.setattr(generate_labels, "LABELS_PATH", target)

    generate_labels.main()

    assert target.read_text(encoding="utf-8") == render_labels()
    assert generate_labels.labels_up_to_date()
    target.write_text("LABELS = ()\n", encoding="utf-8")
    assert not generate_labels.labels_up_to_date()

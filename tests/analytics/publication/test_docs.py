from pathlib import Path

from longarm.analytics.publication.opendata import FIELDS
from longarm.taxonomy.vocabularies import vocabulary

DOC = Path(__file__).resolve().parents[3] / "docs" / "open-data.md"


def test_the_open_data_schema_documents_every_field() -> None:
    text = DOC.read_text(encoding="utf-8")

    missing = [name for name in FIELDS if f"| `{name}` |" not in text]

    assert not missing


def test_the_documented_mapping_matches_the_taxonomy_for_every_tactic() -> None:
    lines = {
        line.split("|")[1].strip(): line
        for line in DOC.read_text(encoding="utf-8").splitlines()
        if line.startswith("| `")
    }

    for term in vocabulary("tactics").terms:
        line = lines[f"`{term.code}`"]
        for source in ("freedom_house", "oxus_uhrp"):
            for value in term.mappings.get(source, ()):
                assert f"`{value}`" in line, (term.code, value)

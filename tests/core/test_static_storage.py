"""The static files' storage gives the manifest's URLs, looked up once per name (core.static_storage)."""

import json
from pathlib import Path

import pytest
from django.test import override_settings

from longarm.core.static_storage import StaticFilesStorage


@pytest.fixture
def storage(tmp_path: Path) -> StaticFilesStorage:
    manifest = {"version": "1.1", "paths": {"longarm/site.css": "longarm/site.0123abcd.css"}, "hash": "x"}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    return StaticFilesStorage(location=str(tmp_path), base_url="/static/")


def test_a_name_gets_its_hashed_url_from_the_manifest_once(
    storage: StaticFilesStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    looked_up: list[str] = []
    lookup = storage.stored_name

    def counted(name: str) -> str:
        looked_up.append(name)
        return str(lookup(name))

    monkeypatch.setattr(storage, "stored_name", counted)

    urls = [storage.url("longarm/site.css") for _ in range(3)]

    assert urls == ["/static/longarm/site.0123abcd.css"] * 3
    assert looked_up == ["longarm/site.css"]


def test_debug_and_forced_urls_are_not_kept(storage: StaticFilesStorage) -> None:
    with override_settings(DEBUG=True):
        assert storage.url("longarm/site.css") == "/static/longarm/site.css"
    assert storage.url("longarm/site.css") == "/static/longarm/site.0123abcd.css"
    assert storage.url("longarm/site.css", force=True) == "/static/longarm/site.0123abcd.css"


def test_a_name_missing_from_the_manifest_is_refused_every_time(storage: StaticFilesStorage) -> None:
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("longarm/missing.js")

import struct
from array import array
from pathlib import Path
from types import MappingProxyType

import pytest
from django.test import override_settings
from django.utils import translation

from longarm.taxonomy.exceptions import UnknownCodeError
from longarm.taxonomy.vocabularies import (
    DATA_DIR,
    REQUIRED_VOCABULARIES,
    load_vocabulary_file,
    validate_all,
    vocabulary,
    vocabulary_names,
)


def write_mo(path: Path, catalogue: dict[str, str]) -> None:
    """Write a GNU gettext catalogue, as msgfmt would, so the test needs no external tool."""
    entries = sorted({"": "Content-Type: text/plain; charset=UTF-8\n", **catalogue}.items())
    ids = strs = b""
    offsets = []
    for msgid, msgstr in entries:
        encoded_id, encoded_str = msgid.encode(), msgstr.encode()
        offsets.append((len(ids), len(encoded_id), len(strs), len(encoded_str)))
        ids += encoded_id + b"\0"
        strs += encoded_str + b"\0"
    count = len(entries)
    key_start = 7 * 4 + 16 * count
    value_start = key_start + len(ids)
    key_table: list[int] = []
    value_table: list[int] = []
    for id_offset, id_length, str_offset, str_length in offsets:
        key_table += [id_length, id_offset + key_start]
        value_table += [str_length, str_offset + value_start]
    header = struct.pack("Iiiiiii", 0x950412DE, 0, count, 7 * 4, 7 * 4 + count * 8, 0, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        header + array("i", key_table).tobytes() + array("i", value_table).tobytes() + ids + strs
    )


def test_the_shipped_data_files_pass_validation() -> None:
    validate_all()


def test_every_required_vocabulary_has_a_data_file() -> None:
    assert set(vocabulary_names()) >= REQUIRED_VOCABULARIES


@pytest.mark.parametrize("name", sorted(REQUIRED_VOCABULARIES))
def test_every_vocabulary_has_a_year_dot_release_version_and_its_own_name(name: str) -> None:
    loaded = vocabulary(name)

    assert loaded.name == name
    year, release = loaded.version.split(".")
    assert int(year) >= 2026
    assert int(release) >= 1


def test_a_vocabulary_is_read_from_disk_only_once() -> None:
    assert vocabulary("tactics") is vocabulary("tactics")


def test_an_unknown_vocabulary_name_raises_value_error_listing_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"No vocabulary named 'tactic'; the vocabularies are: .*tactics"):
        vocabulary("tactic")


@pytest.mark.parametrize("name", ["../tactics", "data/tactics", "tactics.toml", ""])
def test_a_path_or_file_name_is_not_accepted_as_a_vocabulary_name(name: str) -> None:
    with pytest.raises(ValueError, match="No vocabulary named"):
        vocabulary(name)


def test_an_unknown_code_raises_a_key_error_naming_the_code_and_the_vocabulary() -> None:
    with pytest.raises(KeyError) as raised:
        vocabulary("channels").get("carrier_pigeon")

    assert isinstance(raised.value, UnknownCodeError)
    assert str(raised.value) == "'carrier_pigeon' is not a code of vocabulary 'channels' (version 2026.1)"


def test_label_of_an_unknown_code_raises_the_same_clear_error() -> None:
    with pytest.raises(KeyError, match="'nobody' is not a code of vocabulary 'actors'"):
        vocabulary("actors").label("nobody")


def test_codes_are_the_codes_of_the_terms_in_file_order_for_choices() -> None:
    communities = vocabulary("communities")

    assert [code for code, _ in communities.choices()] == [term.code for term in communities.terms]
    assert communities.codes() == {term.code for term in communities.terms}
    assert communities.choices()[0] == ("uyghur", "Uyghur")


def test_label_and_help_text_return_the_english_source_when_no_catalogue_applies() -> None:
    actors = vocabulary("actors")

    with translation.override("en"):
        assert actors.label("psb_local") == "Police from my home region (public security bureau)"
        assert actors.help_text("psb_local") == "Including domestic security officers (guobao)."
        assert actors.help_text("embassy_consulate") == ""


def test_choices_and_labels_follow_the_language_active_when_they_are_called(tmp_path: Path) -> None:
    reporter_tactics = vocabulary("reporter_tactics")
    english = reporter_tactics.get("told_to_return").label
    german = "Jemand hat mir gesagt, ich soll in mein Heimatland zurückkehren"
    write_mo(tmp_path / "de" / "LC_MESSAGES" / "django.mo", {english: german})

    with override_settings(LOCALE_PATHS=[tmp_path]):
        with translation.override("de"):
            german_choices = dict(reporter_tactics.choices())
            german_label = reporter_tactics.label("told_to_return")
        with translation.override("en"):
            english_choices = dict(reporter_tactics.choices())

    assert german_choices["told_to_return"] == german
    assert german_label == german
    assert english_choices["told_to_return"] == english


def test_terms_cannot_be_changed_after_loading() -> None:
    term = vocabulary("reporter_tactics").get("relatives_threatened")

    assert isinstance(term.attributes, MappingProxyType)
    assert isinstance(term.attributes["tactics"], tuple)
    with pytest.raises(TypeError):
        term.attributes["urgency"] = "normal"  # type: ignore[index]


def test_load_vocabulary_file_reads_any_path_and_keeps_other_keys_as_attributes(tmp_path: Path) -> None:
    path = tmp_path / "colours.toml"
    path.write_text(
        'name = "colours"\nversion = "2026.2"\n\n'
        '[[term]]\ncode = "dark_red"\nlabel = "Dark red"\nhelp = "Like blood."\n'
        'uk = ["red"]\nshade = 3\ntags = ["warm", "strong"]\n',
        encoding="utf-8",
    )

    colours = load_vocabulary_file(path)

    assert colours.version == "2026.2"
    dark_red = colours.get("dark_red")
    assert dark_red.help == "Like blood."
    assert dict(dark_red.mappings) == {"uk": ("red",)}
    assert dict(dark_red.attributes) == {"shade": 3, "tags": ("warm", "strong")}
    assert dark_red.children == ()


def test_the_data_directory_ships_only_toml_vocabularies() -> None:
    assert {path.suffix for path in DATA_DIR.iterdir()} == {".toml"}

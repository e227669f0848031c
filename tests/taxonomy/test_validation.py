from collections.abc import Callable
from pathlib import Path

import pytest

from longarm.taxonomy.exceptions import TaxonomyError
from longarm.taxonomy.vocabularies import load_vocabulary_file, validate_directory

Edit = Callable[[Path, str, str], None]


def test_an_unchanged_copy_of_the_data_validates(data_copy: Path) -> None:
    vocabularies = validate_directory(data_copy)

    assert vocabularies["tactics"].get("threat_direct").label == "Direct threats"


def test_a_duplicate_code_is_reported_with_its_file_and_code(data_copy: Path) -> None:
    with (data_copy / "communities.toml").open("a", encoding="utf-8") as file:
        file.write('\n[[term]]\ncode = "tibetan"\nlabel = "Tibetan, again"\n')

    with pytest.raises(TaxonomyError) as raised:
        validate_directory(data_copy)

    assert str(raised.value) == "communities.toml: term 'tibetan': duplicate code"
    assert (raised.value.file, raised.value.code) == ("communities.toml", "tibetan")


def test_a_reporter_tactic_pointing_at_a_missing_tactic_is_reported(data_copy: Path, edit: Edit) -> None:
    edit(
        data_copy / "reporter_tactics.toml",
        'tactics = ["coerced_return"]\nurgency = "high"',
        'tactics = ["coerced_returns"]\nurgency = "high"',
    )

    with pytest.raises(TaxonomyError) as raised:
        validate_directory(data_copy)

    assert str(raised.value) == (
        "reporter_tactics.toml: term 'told_to_return': "
        "tactics refers to 'coerced_returns', which is not a code in tactics.toml"
    )


def test_removing_a_tactic_that_reporter_tactics_use_is_reported(data_copy: Path, edit: Edit) -> None:
    edit(data_copy / "tactics.toml", 'code = "diplomatic_intimidation"', 'code = "diplomatic_pressure"')

    with pytest.raises(TaxonomyError, match=r"term 'embassy_summons': .*'diplomatic_intimidation'"):
        validate_directory(data_copy)


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        pytest.param(
            "reporter_tactics.toml",
            'urgency = "critical"\n\n[[term]]\ncode = "asked_to_inform"',
            'urgency = "urgent"\n\n[[term]]\ncode = "asked_to_inform"',
            "reporter_tactics.toml: term 'child_involved': urgency must be one of "
            "normal, high, critical, not 'urgent'",
            id="invalid urgency",
        ),
        pytest.param(
            "reporter_tactics.toml",
            'tactics = []\nurgency = "normal"',
            "tactics = []",
            "reporter_tactics.toml: term 'other': urgency must be one of normal, high, critical, not None",
            id="missing urgency",
        ),
        pytest.param(
            "reporter_tactics.toml",
            "tactics = []\n",
            "",
            "reporter_tactics.toml: term 'other': tactics must be a list of strings",
            id="missing tactics",
        ),
        pytest.param(
            "channels.toml",
            'code = "video_call"',
            'code = "Video-Call"',
            "channels.toml: term 'Video-Call': a code must be snake_case ASCII (like threat_direct)",
            id="code not snake case",
        ),
        pytest.param(
            "communities.toml",
            'code = "tibetan"\nlabel = "Tibetan"',
            'code = "tibetan"',
            "communities.toml: term 'tibetan': label is missing or not a string",
            id="missing label",
        ),
        pytest.param(
            "communities.toml",
            'label = "Tibetan"',
            'label = " Tibetan"',
            "communities.toml: term 'tibetan': label has leading or trailing white space",
            id="label with spaces",
        ),
        pytest.param(
            "demands.toml",
            'label = "Give information about other people"',
            'label = "Give 100% of information"',
            "demands.toml: term 'inform': label contains '%'; write 'percent'",
            id="percent sign in label",
        ),
        pytest.param(
            "communities.toml",
            '[[term]]\ncode = "uyghur"',
            '[[term]]\ncodes = "uyghur"',
            "communities.toml: [[term]] #1 has no code (a string)",
            id="missing code",
        ),
        pytest.param(
            "harms.toml",
            'label = "Killed"\nsubject = "target"',
            'label = "Killed"\nsubject = "victim"',
            "harms.toml: term 'killed': subject must be one of relative, target, not 'victim'",
            id="invalid harm subject",
        ),
        pytest.param(
            "tactics.toml",
            'safeguard_defenders = ["overseas_police_service_stations"]',
            "",
            "tactics.toml: term 'police_station_contact': a tactic needs at least one mapping",
            id="tactic without mapping",
        ),
        pytest.param(
            "tactics.toml",
            'trpa = ["interpol_abuse"]',
            'trpa = ["INTERPOL abuse"]',
            "tactics.toml: term 'legal_process_abuse': trpa value 'INTERPOL abuse' is not snake_case",
            id="mapping value not snake case",
        ),
        pytest.param(
            "tactics.toml",
            'oxus_uhrp = ["stage_2"]',
            'oxus_uhrp = ["stage_2", "stage_3"]',
            "tactics.toml: term 'host_detention': oxus_uhrp may name one stage only",
            id="two oxus stages",
        ),
        pytest.param(
            "tactics.toml",
            'help = "Beaten, pushed or otherwise physically attacked."\nfh_physical = true',
            'help = "Beaten, pushed or otherwise physically attacked."\nfh_physical = "yes"',
            "tactics.toml: term 'assault': fh_physical must be true or false",
            id="fh_physical not boolean",
        ),
        pytest.param(
            "host_countries.toml",
            'code = "JP-47"',
            'code = "JP-46"',
            "host_countries.toml: term 'JP-46': duplicate code",
            id="duplicate region code",
        ),
        pytest.param(
            "host_countries.toml",
            'code = "US-WY"',
            'code = "CA-WY"',
            "host_countries.toml: term 'CA-WY': a region code must be its country's code, a hyphen and "
            "1-3 capitals or digits (optionally twice), like US-13",
            id="region code of another country",
        ),
        pytest.param(
            "host_countries.toml",
            'code = "FR"',
            'code = "FRA"',
            "host_countries.toml: term 'FRA': a country code must be ISO 3166-1 alpha-2",
            id="country code not alpha-2",
        ),
        pytest.param(
            "actors.toml",
            'name = "actors"',
            'name = "actor"',
            "actors.toml: name 'actor' must equal the file name without .toml",
            id="name differs from file",
        ),
        pytest.param(
            "actors.toml",
            'version = "2026.1"',
            'version = "1"',
            "actors.toml: version '1' must look like 2026.1 (year.release)",
            id="bad version",
        ),
        pytest.param(
            "actors.toml",
            'version = "2026.1"',
            'version = "2026.1"\nowner = "me"',
            "actors.toml: unknown top-level keys: owner",
            id="unknown top-level key",
        ),
        pytest.param(
            "actors.toml",
            'code = "unknown"\nlabel = "I don\'t know"',
            'code = "unknown"\nlabel = "I don\'t know"\n\n[[term.region]]\ncode = "X"\nlabel = "X"',
            "actors.toml: term 'unknown': [[term.region]] is only allowed for countries in an iso_3166 file",
            id="regions outside host countries",
        ),
        pytest.param(
            "legal_provisions_us.toml",
            'source = "https://uscode.house.gov/view.xhtml?req=granuleid:USC-prelim-title18-section1201&num=0&edition=prelim"\n',
            "",
            "legal_provisions_us.toml: term 'usc_18_1201': source is missing or not a string",
            id="provision without a source",
        ),
        pytest.param(
            "legal_provisions_gb.toml",
            'source = "https://www.legislation.gov.uk/ukpga/1988/27/section/1"',
            'source = "http://www.legislation.gov.uk/ukpga/1988/27/section/1"',
            "legal_provisions_gb.toml: term 'mca_1988_s1': source 'http://www.legislation.gov.uk/ukpga/1988/27/"
            "section/1' is not an https URL",
            id="provision with a plain http source",
        ),
        pytest.param(
            "actors.toml",
            'label = "Embassy or consulate staff"',
            'label = "Embassy or consulate staff',
            "actors.toml: is not valid TOML",
            id="invalid toml",
        ),
    ],
)
def test_a_broken_entry_is_reported_with_its_file_and_code(
    data_copy: Path, edit: Edit, file: str, old: str, new: str, message: str
) -> None:
    edit(data_copy / file, old, new)

    with pytest.raises(TaxonomyError) as raised:
        validate_directory(data_copy)

    assert str(raised.value).startswith(message)


def test_a_missing_required_vocabulary_is_reported(data_copy: Path) -> None:
    (data_copy / "harms.toml").unlink()

    with pytest.raises(TaxonomyError, match=r"required vocabularies are missing: harms\.toml"):
        validate_directory(data_copy)


def test_loading_a_file_that_does_not_exist_is_a_taxonomy_error(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyError, match=r"^absent\.toml: cannot be read"):
        load_vocabulary_file(tmp_path / "absent.toml")


def test_a_file_without_terms_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "empty.toml"
    path.write_text('name = "empty"\nversion = "2026.1"\n', encoding="utf-8")

    with pytest.raises(TaxonomyError, match=r"^empty\.toml: has no \[\[term\]\] entries$"):
        load_vocabulary_file(path)

import re

import pytest
from django.template import Context, Template
from django.utils import translation

from longarm.taxonomy.vocabularies import (
    all_region_choices,
    host_place,
    host_region_choices,
    region_choices,
    vocabulary,
)

REQUIRED_COUNTRIES = [
    "JP",
    "GB",
    "US",
    "TR",
    "DE",
    "CA",
    "AU",
    "NL",
    "FR",
    "SE",
    "NO",
    "BE",
    "CH",
    "KZ",
    "KG",
    "UZ",
    "AE",
    "SA",
    "EG",
    "TH",
    "MY",
    "IN",
    "NP",
    "TW",
    "KR",
    "NZ",
    "IE",
    "IT",
    "ES",
    "other",
]


def test_every_required_host_country_is_offered_and_other_comes_last() -> None:
    codes = [term.code for term in vocabulary("host_countries").terms]

    assert set(REQUIRED_COUNTRIES) <= set(codes)
    assert codes[-1] == "other"


@pytest.mark.parametrize(
    ("country", "count"),
    [("JP", 47), ("US", 51), ("GB", 12), ("TR", 7), ("DE", 16), ("CA", 13), ("AU", 8)],
)
def test_countries_with_large_diasporas_have_their_coarse_regions(country: str, count: int) -> None:
    assert len(region_choices(country)) == count


def test_japan_has_its_47_prefectures_under_iso_codes() -> None:
    choices = region_choices("JP")

    assert [code for code, _ in choices] == [f"JP-{number:02d}" for number in range(1, 48)]
    assert ("JP-13", "Tokyo") in choices
    assert ("JP-47", "Okinawa") in choices


def test_the_united_states_has_fifty_states_and_the_district_of_columbia() -> None:
    codes = {code for code, _ in region_choices("US")}

    assert "US-DC" in codes
    assert all(re.fullmatch(r"US-[A-Z]{2}", code) for code in codes)


def test_great_britain_has_englands_nine_regions_and_the_three_other_nations() -> None:
    regions = vocabulary("host_countries").get("GB").children
    english = [region for region in regions if region.code.startswith("GB-ENG-")]

    assert len(english) == 9
    assert {region.code for region in regions} - {region.code for region in english} == {
        "GB-SCT",
        "GB-WLS",
        "GB-NIR",
    }
    assert sorted(str(region.attributes["gss"]) for region in english) == [
        f"E1200000{n}" for n in range(1, 10)
    ]


def test_countries_without_regions_have_no_region_choices() -> None:
    assert region_choices("FR") == []
    assert region_choices("other") == []


def test_region_codes_are_unique_and_start_with_their_country_code() -> None:
    seen: set[str] = set()
    for country in vocabulary("host_countries").terms:
        for region in country.children:
            assert region.code.startswith(f"{country.code}-")
            assert region.code not in seen
            seen.add(region.code)


def test_region_choices_for_an_unknown_country_raise_a_clear_key_error() -> None:
    with pytest.raises(KeyError, match="'XX' is not a code of vocabulary 'host_countries'"):
        region_choices("XX")


def test_all_region_choices_name_country_and_region_for_one_plain_select() -> None:
    with translation.override("en"):
        choices = all_region_choices()

    assert ("JP-13", "Japan — Tokyo") in choices
    assert ("GB-ENG-LDN", "United Kingdom — London") in choices
    assert ("US-DC", "United States — District of Columbia") in choices
    assert ("FR", "France") in choices
    assert choices[-1] == ("other", "Another country")
    values = [value for value, _ in choices]
    assert len(values) == len(set(values))
    # A country with regions is chosen through its regions, never on its own.
    assert "JP" not in values


def test_every_value_of_all_region_choices_splits_back_into_country_and_region() -> None:
    for value, _ in all_region_choices():
        country, region = host_place(value)
        assert region in {"", value}
        assert country in vocabulary("host_countries").codes()


@pytest.mark.parametrize(
    ("value", "place"),
    [
        ("JP-13", ("JP", "JP-13")),
        ("GB-ENG-LDN", ("GB", "GB-ENG-LDN")),
        ("FR", ("FR", "")),
        ("other", ("other", "")),
    ],
)
def test_host_place_splits_a_value_into_country_and_region(value: str, place: tuple[str, str]) -> None:
    assert host_place(value) == place


@pytest.mark.parametrize("value", ["JP-48", "FR-75", "XX", "", "jp-13"])
def test_host_place_refuses_values_that_are_no_place(value: str) -> None:
    with pytest.raises(KeyError, match="is neither a host country nor a region of one"):
        host_place(value)


def test_a_chosen_country_offers_only_its_own_regions() -> None:
    assert host_region_choices("AU") == region_choices("AU")
    assert host_region_choices("FR") == []
    # A tampered country offers nothing rather than failing.
    assert host_region_choices("XX") == []


def test_without_a_country_every_region_is_grouped_under_its_country_and_named_once() -> None:
    with translation.override("ug"):
        groups = host_region_choices()
        japan = translation.gettext("Japan")
    assert next(label for label, _regions in groups) == japan
    assert len(groups) == 7
    regions = [region for _label, regions in groups for region in regions]
    assert len(regions) == 154
    assert all(japan not in label for _code, label in regions)
    assert ("JP-13", "توكيو") in regions


@pytest.mark.parametrize("language", ["ja", "zh-hans", "zh-hant", "ug", "bo", "mn"])
def test_region_names_are_written_in_the_script_of_a_non_latin_language(language: str) -> None:
    with translation.override(language):
        names = [label for _code, label in region_choices("JP") + region_choices("US")]
    # Each name has letters of the language's own script (an abbreviation such as "D.C." may follow in Latin).
    latin = [name for name in names if not any(letter.isalpha() and ord(letter) > 0x24F for letter in name)]
    assert not latin, f"{language}: {latin[:5]}"


def test_the_region_filter_names_the_region_without_repeating_the_country() -> None:
    html = Template('{% load longarm_taxonomy %}{{ "JP"|term:"host_countries" }} — {{ "JP-13"|region }}')
    with translation.override("en"):
        assert html.render(Context()) == "Japan — Tokyo"
    with translation.override("ja"):
        assert html.render(Context()) == "日本 — 東京都"

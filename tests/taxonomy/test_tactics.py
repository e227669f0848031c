import pytest

from longarm.taxonomy.vocabularies import MAPPING_KEYS, is_fh_physical, oxus_stage, vocabulary

# The 19 codes of shared/domain/tnr-taxonomy-and-law.md §1a, in its order.
DOMAIN_TACTICS = [
    "threat_direct",
    "proxy_coercion_family",
    "informant_recruitment",
    "surveillance_physical",
    "digital_attack",
    "online_harassment_smear",
    "diplomatic_intimidation",
    "mobility_document_control",
    "coerced_return",
    "legal_process_abuse",
    "economic_pressure",
    "institutional_pressure",
    "coerced_propaganda",
    "police_station_contact",
    "assault",
    "host_detention",
    "deport_extradite_render",
    "abduction",
    "assassination",
]
FH_PHYSICAL = {"assault", "host_detention", "deport_extradite_render", "abduction", "assassination"}


def test_the_tactics_are_exactly_the_nineteen_codes_of_the_domain_table() -> None:
    assert [term.code for term in vocabulary("tactics").terms] == DOMAIN_TACTICS


@pytest.mark.parametrize("code", DOMAIN_TACTICS)
def test_every_tactic_has_a_label_a_definition_and_a_mapping_to_a_published_source(code: str) -> None:
    term = vocabulary("tactics").get(code)

    assert term.label
    assert term.help
    assert term.mappings
    assert set(term.mappings) <= MAPPING_KEYS
    assert all(values for values in term.mappings.values())


@pytest.mark.parametrize(
    ("code", "source", "value"),
    [
        ("threat_direct", "freedom_house", "threats_from_a_distance"),
        ("threat_direct", "oxus_uhrp", "stage_1"),
        ("proxy_coercion_family", "freedom_house", "coercion_by_proxy"),
        ("proxy_coercion_family", "trpa", "coercion_by_proxy"),
        ("proxy_coercion_family", "fbi", "threats_to_or_detention_of_family"),
        ("informant_recruitment", "trpa", "surveillance"),
        ("online_harassment_smear", "uk", "disinformation"),
        ("diplomatic_intimidation", "trpa", "intimidation_by_diplomatic_personnel"),
        ("mobility_document_control", "freedom_house", "mobility_controls"),
        ("coerced_return", "uk", "forced_return"),
        ("coerced_return", "fbi", "coerced_repatriation"),
        ("legal_process_abuse", "oxus_uhrp", "stage_1"),
        ("legal_process_abuse", "trpa", "interpol_abuse"),
        ("host_detention", "oxus_uhrp", "stage_2"),
        ("deport_extradite_render", "oxus_uhrp", "stage_3"),
        ("deport_extradite_render", "freedom_house", "rendition"),
        ("abduction", "fbi", "attempted_kidnapping"),
        ("assassination", "trpa", "extrajudicial_killings"),
    ],
)
def test_tactics_map_to_the_source_terms_the_domain_table_gives(code: str, source: str, value: str) -> None:
    assert value in vocabulary("tactics").get(code).mappings[source]


def test_exactly_the_five_physical_tactics_count_for_freedom_house() -> None:
    flagged = {
        term.code for term in vocabulary("tactics").terms if term.attributes.get("fh_physical") is True
    }

    assert flagged == FH_PHYSICAL


def test_an_incident_is_fh_physical_when_any_of_its_tactics_is() -> None:
    assert is_fh_physical(["threat_direct", "abduction"])
    assert not is_fh_physical(["threat_direct", "proxy_coercion_family", "digital_attack"])
    assert not is_fh_physical([])


@pytest.mark.parametrize(
    ("tactics", "stage"),
    [
        (["threat_direct"], 1),
        (["proxy_coercion_family", "legal_process_abuse"], 1),
        (["threat_direct", "host_detention"], 2),
        (["host_detention", "deport_extradite_render", "threat_direct"], 3),
        (["surveillance_physical", "digital_attack"], None),
        ([], None),
    ],
)
def test_the_oxus_stage_of_an_incident_is_the_highest_stage_among_its_tactics(
    tactics: list[str], stage: int | None
) -> None:
    assert oxus_stage(tactics) == stage


def test_derived_flags_refuse_an_unknown_tactic() -> None:
    with pytest.raises(KeyError, match="'kidnap' is not a code of vocabulary 'tactics'"):
        is_fh_physical(["kidnap"])

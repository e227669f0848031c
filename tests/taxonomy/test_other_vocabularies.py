import pytest

from longarm.taxonomy.vocabularies import HARM_SUBJECTS, vocabulary


def codes(name: str) -> list[str]:
    return [term.code for term in vocabulary(name).terms]


def test_actors_are_the_domain_actor_types_plus_i_dont_know() -> None:
    assert codes("actors") == [
        "psb_local",
        "mss",
        "ufwd",
        "embassy_consulate",
        "hk_nsd",
        "local_cadre",
        "proxy_relative",
        "proxy_informant",
        "proxy_hired",
        "overseas_station_assoc",
        "host_official",
        "unknown_online",
        "unknown",
    ]
    assert (
        vocabulary("actors").get("psb_local").label == "Police from my home region (public security bureau)"
    )
    assert vocabulary("actors").get("unknown").label == "I don't know"


def test_attribution_confidence_has_the_three_domain_levels() -> None:
    assert codes("attribution") == ["self_identified", "inferred", "confirmed"]


def test_channels_keep_every_domain_code_and_add_video_call_and_embassy_letter() -> None:
    domain = {
        "wechat",
        "other_messaging",
        "phone_call",
        "sms",
        "email",
        "social_media",
        "in_person_host",
        "embassy_visit",
        "via_relative",
        "via_employer",
        "via_school",
        "via_community_org",
        "letter_or_post",
        "during_travel",
    }

    assert set(codes("channels")) == domain | {"video_call", "embassy_letter"}


def test_communities_are_the_domain_communities() -> None:
    assert codes("communities") == [
        "uyghur",
        "kazakh_other_turkic",
        "tibetan",
        "southern_mongolian",
        "hongkonger",
        "han_dissident",
        "falun_gong",
        "christian",
        "other",
    ]


def test_activities_are_the_domain_activities() -> None:
    assert len(codes("activities")) == 13
    assert {"cultural_language_promotion", "former_official_or_fugitive", "none_apolitical"} <= set(
        codes("activities")
    )


def test_demands_are_the_six_values_of_the_incident_record() -> None:
    assert codes("demands") == [
        "stop_activity",
        "inform",
        "return",
        "propaganda",
        "provide_personal_data",
        "withdraw_from_event",
    ]


@pytest.mark.parametrize(
    ("subject", "count", "example"),
    [("target", 13, "document_or_status_loss"), ("relative", 6, "child_schooling_denied")],
)
def test_harms_say_whether_the_target_or_a_relative_suffered_them(
    subject: str, count: int, example: str
) -> None:
    harms = [term for term in vocabulary("harms").terms if term.attributes["subject"] == subject]

    assert len(harms) == count
    assert example in {term.code for term in harms}
    assert subject in HARM_SUBJECTS


def test_origin_regions_cover_the_communities_homelands_and_an_unknown() -> None:
    required = {
        "xinjiang",
        "tibet_ar",
        "tibetan_areas_qinghai",
        "tibetan_areas_sichuan",
        "tibetan_areas_gansu",
        "tibetan_areas_yunnan",
        "inner_mongolia",
        "hong_kong",
        "macau",
        "other_mainland",
        "unknown",
    }

    assert required <= set(codes("origin_regions"))
    assert codes("origin_regions")[-1] == "unknown"
    assert vocabulary("origin_regions").get("tibet_ar").attributes["iso_3166_2"] == "CN-XZ"

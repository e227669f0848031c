import pytest

from longarm.taxonomy.vocabularies import analytic_tactics_for, urgency_for, vocabulary

# The questionnaire's "What happened?" options, with the urgency triage must give each.
EXPECTED = {
    "relatives_threatened": "critical",
    "relatives_visited_or_detained": "critical",
    "asked_to_inform": "high",
    "asked_to_stop_activity": "high",
    "told_to_return": "critical",
    "relatives_travel_blocked": "high",
    "embassy_summons": "high",
    "school_or_employer_pressured": "high",
    "money_offered": "high",
    "online_harassment": "normal",
    "events_watched": "normal",
    "other": "normal",
}


def test_the_questionnaire_offers_exactly_the_agreed_options() -> None:
    assert [term.code for term in vocabulary("reporter_tactics").terms] == list(EXPECTED)


@pytest.mark.parametrize(("code", "urgency"), EXPECTED.items())
def test_each_option_carries_its_urgency(code: str, urgency: str) -> None:
    assert vocabulary("reporter_tactics").get(code).attributes["urgency"] == urgency


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("relatives_threatened", "threatened my family"),
        ("relatives_visited_or_detained", "visited, questioned or detained"),
        ("asked_to_inform", "spy"),
        ("asked_to_stop_activity", "stop protests, posts or events"),
        ("told_to_return", "go back to my home country"),
        ("relatives_travel_blocked", "passports"),
        ("embassy_summons", "embassy or consulate"),
        ("school_or_employer_pressured", "school or employer"),
        ("money_offered", "money"),
        ("online_harassment", "online"),
        ("events_watched", "events"),
        ("other", "Something else"),
    ],
)
def test_each_option_is_worded_for_the_reporter(code: str, words: str) -> None:
    assert words in vocabulary("reporter_tactics").get(code).label


@pytest.mark.parametrize("code", [code for code in EXPECTED if code != "other"])
def test_every_option_but_other_suggests_at_least_one_analytic_tactic(code: str) -> None:
    assert analytic_tactics_for([code])


def test_analytic_tactics_are_the_union_over_the_ticked_options() -> None:
    assert analytic_tactics_for(["told_to_return", "relatives_travel_blocked", "other"]) == {
        "coerced_return",
        "mobility_document_control",
        "proxy_coercion_family",
    }
    assert analytic_tactics_for([]) == frozenset()


@pytest.mark.parametrize(
    ("ticked", "urgency"),
    [
        ([], "normal"),
        (["other"], "normal"),
        (["online_harassment", "events_watched"], "normal"),
        (["events_watched", "money_offered"], "high"),
        (["online_harassment", "told_to_return", "embassy_summons"], "critical"),
        (["relatives_visited_or_detained"], "critical"),
        (["relatives_threatened"], "critical"),
    ],
)
def test_urgency_is_the_highest_among_the_ticked_options(ticked: list[str], urgency: str) -> None:
    assert urgency_for(ticked) == urgency


def test_urgency_for_accepts_any_iterable_once() -> None:
    assert urgency_for(code for code in ["events_watched", "told_to_return"]) == "critical"


def test_urgency_for_an_unknown_option_raises_a_clear_key_error() -> None:
    with pytest.raises(KeyError, match="'told_to_leave' is not a code of vocabulary 'reporter_tactics'"):
        urgency_for(["told_to_leave"])

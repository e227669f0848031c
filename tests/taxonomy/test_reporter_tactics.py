import pytest

from longarm.taxonomy.vocabularies import analytic_tactics_for, urgency_for, urgency_reasons, vocabulary

# The questionnaire's "What happened?" options, with the urgency triage must give each.
# Critical only for detention, a threat of violence, a return about to happen or forced, and a child.
EXPECTED = {
    "threatened_with_violence": "critical",
    "relatives_threatened": "high",
    "relative_detained": "critical",
    "relatives_visited_or_detained": "high",
    "child_involved": "critical",
    "asked_to_inform": "high",
    "asked_to_stop_activity": "high",
    "told_to_return": "high",
    "return_imminent": "critical",
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
        ("threatened_with_violence", "hurt, kidnap or kill"),
        ("relatives_threatened", "threatened my family"),
        ("relative_detained", "detained or took away"),
        ("relatives_visited_or_detained", "visited or questioned"),
        ("child_involved", "A child"),
        ("asked_to_inform", "spy"),
        ("asked_to_stop_activity", "stop protests, posts or events"),
        ("told_to_return", "go back to my home country"),
        ("return_imminent", "travel back soon"),
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
        (["online_harassment", "return_imminent", "embassy_summons"], "critical"),
        (["online_harassment", "told_to_return", "embassy_summons"], "high"),
        (["relatives_visited_or_detained"], "high"),
        (["relative_detained"], "critical"),
        (["relatives_threatened"], "high"),
        (["threatened_with_violence"], "critical"),
        (["child_involved", "money_offered"], "critical"),
    ],
)
def test_urgency_is_the_highest_among_the_ticked_options(ticked: list[str], urgency: str) -> None:
    assert urgency_for(ticked) == urgency


def test_urgency_for_accepts_any_iterable_once() -> None:
    assert urgency_for(code for code in ["events_watched", "return_imminent"]) == "critical"


def test_urgency_for_an_unknown_option_raises_a_clear_key_error() -> None:
    with pytest.raises(KeyError, match="'told_to_leave' is not a code of vocabulary 'reporter_tactics'"):
        urgency_for(["told_to_leave"])


def test_the_rule_that_fired_is_the_ticked_answers_of_the_highest_urgency_in_questionnaire_order() -> None:
    assert urgency_reasons(["money_offered", "return_imminent", "relative_detained"]) == (
        "relative_detained",
        "return_imminent",
    )
    assert urgency_reasons(["money_offered", "online_harassment"]) == ("money_offered",)
    assert urgency_reasons(["online_harassment"]) == ()
    assert urgency_reasons([]) == ()

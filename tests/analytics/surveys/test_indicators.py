import pytest

from longarm.analytics.surveys.indicators import CODED_FIELDS, INDICATORS, derive_answers, indicator
from longarm.taxonomy.vocabularies import vocabulary


@pytest.mark.parametrize("item", INDICATORS, ids=lambda item: item.code)
def test_every_indicator_reads_real_codes_of_coded_fields(item: object) -> None:
    assert item in INDICATORS
    definition = indicator(getattr(item, "code", ""))
    assert definition.any_of
    for field, codes in definition.any_of.items():
        assert field in CODED_FIELDS
        assert codes
        assert codes <= vocabulary(CODED_FIELDS[field]).codes()


def test_codes_are_unique() -> None:
    codes = [item.code for item in INDICATORS]
    assert len(codes) == len(set(codes))


def test_answers_are_yes_when_any_listed_code_was_chosen() -> None:
    coded = {"tactic_codes": ["relatives_travel_blocked"], "actor_codes": ["mss"], "channel_codes": []}

    answers = derive_answers(
        ["contacted_by_police", "relatives_targeted", "told_to_return", "contacted_via_wechat"], coded
    )

    assert answers == {
        "contacted_by_police": True,
        "relatives_targeted": True,
        "told_to_return": False,
        "contacted_via_wechat": False,
    }


def test_no_coded_answers_mean_no_everywhere() -> None:
    assert derive_answers(["contacted_by_police", "asked_to_inform"], {}) == {
        "contacted_by_police": False,
        "asked_to_inform": False,
    }


def test_an_unknown_indicator_is_refused() -> None:
    with pytest.raises(KeyError):
        derive_answers(["not_an_indicator"], {})

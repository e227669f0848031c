import pytest

from longarm.linking.normalise import normalise


@pytest.mark.parametrize(
    "typed",
    [
        "+86 138 0013 8000",
        "+86-138-0013-8000",
        "0086 138 0013 8000",
        "＋８６ １３８ ００１３ ８０００",
        "+86 (138) 0013.8000",
    ],
)
def test_phone_numbers_typed_differently_reach_the_same_e164_form(typed: str) -> None:
    assert normalise("phone", typed) == "+8613800138000"


def test_a_phone_number_without_country_code_still_matches_itself() -> None:
    assert normalise("phone", "138 0013 8000") == normalise("phone", "138-0013-8000") == "13800138000"


def test_ids_are_case_folded_and_lose_spaces_and_hyphens() -> None:
    assert normalise("wechat", " WXID_Example ") == "wxid_example"
    assert normalise("badge", "12-34 56") == "123456"
    assert normalise("plate", "粤B·12345") == normalise("plate", "粤b·12345")


def test_full_width_letters_become_ascii() -> None:
    assert normalise("email", "ＷＡＮＧ@Example.com") == "wang@example.com"


def test_different_kinds_keep_different_values_apart() -> None:
    assert normalise("email", "a.b@example.com") != normalise("email", "ab@example.com")

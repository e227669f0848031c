import pytest

from longarm.linking.normalisers.badge import badge_form
from longarm.linking.normalisers.plate import plate_form
from tests.linking._meet import meet


@pytest.mark.parametrize(
    "typed",
    [
        "012345",
        "警号：012345",
        "警號 ０１２３４５",
        "No. 012345",
        "No.012-345",
        "#012345",
        "ID: 012 345",
        "警员编号012345",
    ],
)
def test_badge_numbers_lose_labels_spaces_and_width(typed: str) -> None:
    assert badge_form(typed) == "012345"


@pytest.mark.parametrize(("a", "b"), [("012345", "12345"), ("012345", "012346"), ("012345", "012354")])
def test_badge_numbers_keep_every_digit_and_leading_zero(a: str, b: str) -> None:
    assert not meet("badge", a, b)


@pytest.mark.parametrize(
    "typed",
    [
        "粤B12345",
        "粤B·12345",
        "粤 B 12345",
        "粤b12345",
        "粵B12345",
        "粤Ｂ１２３４５",
        "粤B-12345",
        "车牌：粤B・12345",
    ],
)
def test_plates_meet_across_width_case_separators_and_traditional_province(typed: str) -> None:
    assert plate_form(typed) == "粤B12345"


def test_serial_letters_o_and_i_are_the_digits_they_look_like() -> None:
    assert plate_form("新A1O2I3") == "新A10213"
    assert plate_form("京O12345") == "京O12345"


def test_new_energy_plates_and_police_suffixes_keep_their_characters() -> None:
    assert plate_form("粤B D12345") == "粤BD12345"
    assert plate_form("新A·1234警") == "新A1234警"


@pytest.mark.parametrize(
    ("a", "b"),
    [("粤B12345", "湘B12345"), ("粤B12345", "粤A12345"), ("粤B12345", "粤B12346"), ("粤B12345", "粤BD12345")],
)
def test_plates_differing_in_province_letter_or_serial_stay_apart(a: str, b: str) -> None:
    assert not meet("plate", a, b)

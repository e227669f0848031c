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


@pytest.mark.parametrize(
    "typed",
    [
        "警号为031452的民警",
        "警号〇三一四五二",
        "警号零三一四五二",
        "（警号：031452）",
        "警号031452。",
        "王警官，警号031452，说是喀什地区公安局的",
        "\u200f031452\u200f",
        "2023年10月5日，警号031452的民警来我家",
        "his badge number was 031452",
        "警号\u200b031452",
        "“031452”",
        "警号：031452（自称新疆公安厅）",
    ],
)
def test_a_badge_number_is_taken_out_of_the_sentence_around_it(typed: str) -> None:
    assert badge_form(typed) == "031452"


@pytest.mark.parametrize(
    "typed",
    [
        "新A·54321 白色丰田越野车",
        "车牌号：新A·54321（黑色大众帕萨特）",
        "车牌 新A54321，车上三个人",
        "【新A·54321】",
        "新A·54321。",
        "ماشىنا نومۇرى \u200f新A·54321",
        "plate number 新A·54321 (white Toyota Land Cruiser)",
        "新A·54321 2019款 白色",
        "新\u200bA54321",
    ],
)
def test_a_plate_is_taken_out_of_a_description_of_the_car(typed: str) -> None:
    assert plate_form(typed) == "新A54321"


def test_a_plate_in_text_keeps_its_police_suffix_and_six_character_serial_apart() -> None:
    assert plate_form("新A·1234警 停在楼下") == "新A1234警"
    assert plate_form("车牌新AD12345，绿牌") == "新AD12345"
    assert not meet("plate", "新A·12345 白色", "新A·123456 白色")

import pytest

from longarm.linking.keys import match_keys
from longarm.linking.normalisers.phone import phone_forms
from tests.linking._meet import meet


@pytest.mark.parametrize(
    "typed",
    [
        "+86 138 0013 8000",
        "+86-138-0013-8000",
        "0086 138 0013 8000",
        "＋８６ １３８ ００１３ ８０００",
        "+86 (138) 0013.8000",
        "(+86) 13800138000",
        "tel: +86 138/0013/8000",
        "手机：+86 138 0013 8000",
    ],
)
def test_phone_numbers_typed_differently_reach_the_same_e164_form(typed: str) -> None:
    assert phone_forms(typed) == ["+8613800138000"]


@pytest.mark.parametrize("region", ["JP", "GB", "DE", "jp", None])
def test_a_chinese_mobile_without_country_code_is_read_as_chinese_from_abroad(region: str | None) -> None:
    assert phone_forms("138 0013 8000", region=region) == ["+8613800138000"]


def test_the_host_countrys_international_prefix_is_understood() -> None:
    assert phone_forms("010 86 138 0013 8000", region="JP") == ["+8613800138000"]
    assert phone_forms("011 86 138 0013 8000", region="US") == ["+8613800138000"]


def test_a_local_number_is_read_in_the_host_country() -> None:
    assert meet("phone", "07911 123456", "+44 7911 123456", region_a="GB")
    assert meet("phone", "+44 (0)20 7946 0000", "020 7946 0000", region_b="GB")


def test_a_number_valid_in_both_the_host_country_and_china_keeps_both_readings() -> None:
    # 15012345678 is a Chinese mobile and also a US long-distance number (1 501 234 5678); typed without
    # grouping in the US, the US reading fits the reporter's country and China's is the weak one.
    assert _strengths("15012345678", "US") == {"+15012345678": "strong", "+8615012345678": "weak"}
    assert meet("phone", "15012345678", "+86 150 1234 5678", region_a="US")
    assert meet("phone", "15012345678", "+1 501 234 5678", region_a="US")


def test_a_number_grouped_like_a_chinese_mobile_is_read_as_one_first() -> None:
    assert _strengths("150 1234 5678", "US") == {"+8615012345678": "strong", "+15012345678": "weak"}
    assert _strengths("150-1234-5678", "US") == {"+8615012345678": "strong", "+15012345678": "weak"}
    assert _strengths("1-501-234-5678", "US") == {"+15012345678": "strong", "+8615012345678": "weak"}


def test_a_japanese_mobile_also_reads_as_a_xinjiang_landline() -> None:
    # 090 is a Japanese mobile prefix and 0901 the area code of Tacheng (塔城), Xinjiang.
    assert phone_forms("090-1234-5678", region="JP") == ["+819012345678", "+869012345678"]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("+86 138 0013 8000", "+86 138 0013 8001"),
        ("+86 138 0013 8000", "+86 139 0013 8000"),
        ("+86 138 0013 8000", "+81 138 0013 8000"),
        ("138 0013 8000", "138 0031 8000"),
    ],
)
def test_numbers_one_digit_or_country_apart_never_meet(a: str, b: str) -> None:
    assert not meet("phone", a, b)


def test_an_invalid_number_still_matches_itself_typed_the_same_way() -> None:
    assert phone_forms("12-34-5") == ["12345"]
    assert meet("phone", "12 34 5", "12-34-5")


def test_phone_keys_are_strong_and_blank_numbers_give_none() -> None:
    assert {key.strength for key in match_keys("phone", "+86 138 0013 8000")} == {"strong"}
    assert match_keys("phone", " - ( ) ") == []


def test_the_first_key_of_a_chinese_mobile_is_its_e164_form() -> None:
    assert match_keys("phone", "0086-138-0013-8000")[0].value == "+8613800138000"
    assert match_keys("phone", "138 0013 8000", region="JP")[0].value == "+8613800138000"


def test_a_north_american_number_is_not_taken_for_a_chinese_landline_without_its_trunk_zero() -> None:
    assert phone_forms("415-555-2671", region="US") == ["+14155552671"]
    assert phone_forms("415-555-2671") == ["4155552671"]


def test_chinese_landlines_with_trunk_zero_and_86_without_plus_are_chinese() -> None:
    assert phone_forms("(010) 1234 5678", region="GB") == ["+861012345678"]
    assert phone_forms("86 138 0013 8000", region="JP") == ["+8613800138000"]


@pytest.mark.parametrize(
    "typed", ["+86 138 0013 8000 ext. 12", "+86 138 0013 8000 x12", "+86 138 0013 8000 转12"]
)
def test_an_extension_is_not_part_of_the_number(typed: str) -> None:
    assert phone_forms(typed) == ["+8613800138000"]


def test_several_numbers_in_one_field_each_give_their_key() -> None:
    assert phone_forms("138 0013 8000 / 139 0013 8000") == ["+8613800138000", "+8613900138000"]
    assert phone_forms("+86 138 0013 8000; +81 90-1234-5678") == ["+8613800138000", "+819012345678"]


def _strengths(value: str, region: str | None) -> dict[str, str]:
    return {key.value: key.strength for key in match_keys("phone", value, region=region)}


def test_the_second_reading_of_a_number_valid_in_two_plans_is_only_weak() -> None:
    # A Japanese 090 mobile is also a Tacheng (0901) landline; a London 020 number also a Guangzhou one.
    assert _strengths("090-1622-4517", "JP") == {"+819016224517": "strong", "+869016224517": "weak"}
    assert _strengths("020 8331 6420", "GB") == {"+442083316420": "strong", "+862083316420": "weak"}
    # Written in China (or with no country known) the Chinese reading is the strong one.
    assert _strengths("020 8331 6420", "CN") == {"+862083316420": "strong"}
    assert _strengths("020 8331 6420", None) == {"+862083316420": "strong"}


def test_a_number_valid_only_in_china_stays_strong_for_a_reporter_abroad() -> None:
    assert _strengths("139-9101-2345", "JP") == {"+8613991012345": "strong"}


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("852-9178-2316", "+85291782316"),
        ("(852) 9178 2316", "+85291782316"),
        ("（852）2873 4410", "+85228734410"),
        ("44 20 8331 6420", "+442083316420"),
        ("447912483106", "+447912483106"),
        ("81-80-3321-9057", "+818033219057"),
    ],
)
def test_a_country_code_without_plus_is_read_as_one(typed: str, e164: str) -> None:
    assert _strengths(typed, None) == {e164: "strong"}


def test_a_short_group_after_the_last_dash_is_an_extension() -> None:
    assert phone_forms("010-65529988-123") == ["+861065529988"]


@pytest.mark.parametrize(
    ("typed", "region"),
    [
        ("2023年5月12日 21:30 139 9101 2345 来电", "CN"),
        ("On 12/05/2023 at 9:30pm the number +86 139 9101 2345 called my mother", "GB"),
        ("Called 3 times (14:05, 14:20, 15:45) from 139-9101-2345", "GB"),
        ("ئۇ 2023-يىلى 11-ئاينىڭ 3-كۈنى \u200f+86 139 9101 2345\u200f دىن تېلېفون قىلدى", "TR"),
        ("一三九九一零一二三四五", "CN"),
        ("电话：幺三九九幺零幺二三四五", None),
    ],
)
def test_a_number_is_found_in_a_sentence_with_dates_times_and_chinese_numerals(
    typed: str, region: str | None
) -> None:
    assert phone_forms(typed, region=region) == ["+8613991012345"]


def test_an_unallocated_chinese_landline_still_meets_itself_with_its_country_code() -> None:
    assert meet("phone", "0791-2483106", "+86 791 2483106", region_a="CN", region_b="CN")


@pytest.mark.parametrize(
    "typed",
    ["13991012345点", "139-9101-2345-王警官", "2023.5.12 打来 139 9101 2345", "12:30 13991012345"],
)
def test_date_and_time_removal_never_eats_the_digits_of_the_number(typed: str) -> None:
    assert phone_forms(typed) == ["+8613991012345"]

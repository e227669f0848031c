"""LINE IDs (issue 12): user IDs of 4-20 lower-case letters, digits, ".", "_" and "-", looked up without
regard to case; official accounts "@" + 3-18 of the same. Typed variants meet; different accounts never do."""

import pytest

from longarm.linking.keys import STRONG_KINDS, MatchKey, match_keys
from longarm.linking.normalisers.line import is_line_id, line_form
from tests.linking._meet import meet


@pytest.mark.parametrize(
    "typed",
    [
        "taro.k_1234",
        "TARO.K_1234",
        "Taro.K_1234",
        "  taro.k_1234\u3000",
        "\u200btaro.k_1234",
        "ｔａｒｏ．ｋ＿１２３４",
        "ID: taro.k_1234",
        "ID：taro.k_1234",
        "LINE ID: taro.k_1234",
        "LINE ID：taro.k_1234",
        "ＬＩＮＥ ＩＤ：ｔａｒｏ．ｋ＿１２３４",
        "ライン ID：taro.k_1234",
        "ラインID taro.k_1234",
        "LINEのIDはtaro.k_1234です。",
        "我的LINE ID是taro.k_1234，請加我",
        "賴：taro.k_1234",
        "LINE帳號：taro.k_1234",
        "「taro.k_1234」",
        "taro.k_1234.",
        "taro.k_1234（佐藤）",
        "Add me on LINE: taro.k_1234. Thanks",
        "taro。k_1234",
        "https://line.me/ti/p/~taro.k_1234",
        "line.me/ti/p/~Taro.K_1234",
        "~taro.k_1234",
    ],
)
def test_a_user_id_meets_across_case_width_labels_sentences_and_links(typed: str) -> None:
    assert line_form(typed) == "taro.k_1234"
    assert meet("line", typed, "taro.k_1234")


@pytest.mark.parametrize(
    "typed",
    [
        "@shop-tokyo",
        "@SHOP-TOKYO",
        "＠ｓｈｏｐ－ｔｏｋｙｏ",
        "ID：@shop-tokyo",
        "公式アカウント LINE ID：@shop-tokyo",
        "https://line.me/R/ti/p/@shop-tokyo",
        "https://line.me/R/ti/p/%40shop-tokyo",
        "@shopーtokyo",
    ],
)
def test_an_official_account_keeps_its_at_sign(typed: str) -> None:
    assert line_form(typed) == "@shop-tokyo"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("taro.k_1234", "taro_k_1234"),  # "." and "_" are two accounts
        ("taro-1234", "taro1234"),  # so is a dropped separator
        ("taro_1234", "taro_1235"),
        ("taro_1234", "taro_12345"),
        ("@shop-tokyo", "shop-tokyo"),  # an official account is not the user of the same name
        ("https://line.me/ti/p/~taro_1234", "https://line.me/R/ti/p/@taro_1234"),
    ],
)
def test_distinct_ids_stay_apart(a: str, b: str) -> None:
    assert line_form(a) != line_form(b)
    assert not meet("line", a, b)


def test_a_line_id_is_a_strong_key_of_its_own_scheme() -> None:
    assert "line" in STRONG_KINDS
    assert match_keys("line", "LINE ID: Taro_1234") == [
        MatchKey(scheme="line", value="taro_1234", strength="strong")
    ]
    # The same characters as a WeChat ID are another account on another service.
    wechat = {(key.scheme, key.value) for key in match_keys("wechat", "taro_1234")}
    line = {(key.scheme, key.value) for key in match_keys("line", "taro_1234")}
    assert not wechat & line


def test_the_id_shape_follows_line_s_length_rules() -> None:
    for shaped in ("abcd", "a" * 20, "@abc", "@" + "a" * 18, "a.b_c-d"):
        assert is_line_id(shaped), shaped
    for unshaped in ("abc", "a" * 21, "@ab", "@" + "a" * 19, "taro 1234", "taro@1234", "たろう"):
        assert not is_line_id(unshaped), unshaped


def test_an_invitation_link_without_an_id_links_only_with_itself() -> None:
    # lin.ee short links and QR tokens are random and case-sensitive: "AbC" and "abc" are two links.
    assert line_form("https://lin.ee/AbCd123") == "lin.ee/AbCd123"
    assert line_form("LIN.EE/AbCd123") == "lin.ee/AbCd123"
    assert not meet("line", "https://lin.ee/AbCd123", "https://lin.ee/abcd123")


@pytest.mark.parametrize("typed", ["知らない", "不知道", "LINEはやってない", "  ", "ID：", "？"])
def test_words_instead_of_an_id_give_no_key(typed: str) -> None:
    assert match_keys("line", typed) == []


def test_an_id_too_short_for_line_still_links_with_itself_only() -> None:
    assert line_form("abc") == "abc"
    assert meet("line", "ABC", "abc")
    assert not meet("line", "abc", "abcd")

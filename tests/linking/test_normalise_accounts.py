import pytest

from longarm.linking.keys import match_keys
from longarm.linking.normalisers.accounts import email_form, qq_form, wechat_form
from tests.linking._meet import meet


@pytest.mark.parametrize(
    "typed",
    [
        "wxid_Zhang-88",
        "WXID_ZHANG-88",
        " wxid_zhang-88 ",
        "ｗｘｉｄ＿ｚｈａｎｇ－８８",
        "微信号：wxid_zhang-88",
        "@wxid_zhang-88",
    ],
)
def test_wechat_ids_meet_across_case_width_spaces_and_labels(typed: str) -> None:
    assert wechat_form(typed) == "wxid_zhang-88"


@pytest.mark.parametrize(
    ("a", "b"),
    [("zhang-wei88", "zhangwei88"), ("zhang_wei88", "zhang-wei88"), ("zhangwei88", "zhangwei89")],
)
def test_wechat_ids_differing_in_a_hyphen_underscore_or_digit_stay_apart(a: str, b: str) -> None:
    assert not meet("wechat", a, b)


@pytest.mark.parametrize(
    "typed", ["12345678", "QQ: 12345678", "QQ号：1234 5678", "１２３４５６７８", "1234-5678"]
)
def test_qq_numbers_keep_only_their_digits(typed: str) -> None:
    assert qq_form(typed) == "12345678"


def test_qq_numbers_one_digit_apart_stay_apart() -> None:
    assert not meet("qq", "12345678", "12345679")
    assert not meet("qq", "12345678", "123456780")


@pytest.mark.parametrize(
    "typed",
    [
        "Wang.Li@163.com",
        "wang.li@163.COM",
        " WANG.LI@163.com ",
        "ＷＡＮＧ．ＬＩ＠１６３．ｃｏｍ",
        "mailto:wang.li@163.com",
        "<wang.li@163.com>",
        "Wang Li <wang.li@163.com>",
        "王力 ＜wang.li@163.com＞",
    ],
)
def test_email_addresses_meet_across_case_width_and_wrapping(typed: str) -> None:
    assert email_form(typed) == "wang.li@163.com"


@pytest.mark.parametrize(
    "typed",
    [
        "zhang.wei@gmail.com",
        "ZhangWei@gmail.com",
        "zhang.wei+police@gmail.com",
        "z.h.a.n.g.wei@googlemail.com",
    ],
)
def test_gmail_ignores_dots_and_plus_tags(typed: str) -> None:
    assert email_form(typed) == "zhangwei@gmail.com"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("wang.li@163.com", "wangli@163.com"),
        ("wang+x@163.com", "wang@163.com"),
        ("wang.li@163.com", "wang.li@126.com"),
        ("wang.li@163.com", "wang.lj@163.com"),
    ],
)
def test_dots_and_tags_count_outside_gmail_and_other_domains_stay_apart(a: str, b: str) -> None:
    assert not meet("email", a, b)


def test_an_ideographic_full_stop_in_the_domain_is_a_dot() -> None:
    assert email_form("wang@163。com") == "wang@163.com"


def test_a_qq_mail_address_links_with_its_qq_number() -> None:
    email_keys = {(key.scheme, key.value) for key in match_keys("email", "12345678@QQ.com")}
    qq_keys = {(key.scheme, key.value) for key in match_keys("qq", "QQ 12345678")}
    assert email_keys & qq_keys == {("qq", "12345678")}
    assert all(key.strength == "strong" for key in match_keys("email", "12345678@qq.com"))
    assert [key.scheme for key in match_keys("email", "wang@qq.com")] == ["email"]

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


@pytest.mark.parametrize(
    "typed",
    [
        "VX：tarim_river9",
        "V信 tarim_river9",
        "薇信号：tarim_river9",
        "加我vx tarim_river9 详聊",
        "他的微信号是tarim_river9，让我加他",
        "【tarim_river9】",
        "“tarim_river9”。",
        "tarim\u200b_river9",
        "\u200ftarim_river9\u200f",
        "ئۈندىدار: \u200etarim_river9",
        "微信号tarim_river9（王警官）",
        "微信:tarim_river9 警号012345",
        "WeChat ID — tarim_river9",
    ],
)
def test_a_wechat_id_is_taken_out_of_labels_slang_sentences_and_invisible_marks(typed: str) -> None:
    assert wechat_form(typed) == "tarim_river9"


def test_a_phone_number_given_as_the_wechat_id_is_that_phone_number() -> None:
    keys = {(key.scheme, key.value, key.strength) for key in match_keys("wechat", "微信同号 139-1234-5678")}
    assert keys == {("wechat", "+8613912345678", "strong"), ("phone", "+8613912345678", "strong")}
    assert meet("wechat", "VX +86 139 1234 5678", "13912345678")
    assert not meet("wechat", "13912345678", "13912345679")


@pytest.mark.parametrize(
    "typed",
    [
        "扣扣 31415926",
        "企鹅号：31415926",
        "Q号31415926",
        "加我QQ31415926",
        "QQ 三一四一五九二六",
        "【QQ】31415926。",
        "他的QQ号码是31415926，昵称天山雪",
        "\u200fQQ: 31415926\u200f",
        "QQ：31415926（2019年加的）",
        "QQ/微信同号 31415926",
    ],
)
def test_a_qq_number_is_taken_out_of_slang_labels_sentences_and_chinese_numerals(typed: str) -> None:
    assert qq_form(typed) == "31415926"


@pytest.mark.parametrize(
    "typed",
    [
        "li.ming [at] 163 [dot] com",
        "li.ming(at)163.com",
        "li.ming AT 163 DOT com",
        "li.ming#163.com",
        "li[dot]ming[at]163[dot]com",
        "li dot ming at 163 dot com",
        "li.ming（at）163.com",
        "li.ming-at-163.com",
        "li.ming @ 163 . com",
        "“li.ming@163.com”。",
        "li.ming@163.com（工作邮箱）",
        "邮箱 li.ming#163.com（#换成@）",
        "他给我发邮件用的是li.ming@163.com，说是单位的",
        "\u200fli.ming@163.com\u200f",
    ],
)
def test_obfuscated_and_embedded_addresses_are_read_back(typed: str) -> None:
    assert email_form(typed) == "li.ming@163.com"


def test_plus_tags_are_dropped_only_where_the_provider_ignores_them() -> None:
    assert email_form("tenzin.d+news@outlook.com") == "tenzin.d@outlook.com"
    assert email_form("tenzin.d+news@163.com") == "tenzin.d+news@163.com"
    assert not meet("email", "tenzin.d@outlook.com", "tenzind@outlook.com")


def test_english_words_around_a_wechat_id_are_not_taken_for_it() -> None:
    assert wechat_form("wechat: please add zhangwei") == "zhangwei"
    assert wechat_form("He asked me to add his WeChat, account name tianshan_wang, please") == "tianshan_wang"

import pytest

from longarm.linking.keys import MAX_LENGTH, STRONG_KINDS, MatchKey, match_keys


def test_every_strong_kind_gives_strong_keys_under_its_own_scheme() -> None:
    examples = {
        "phone": "+86 138 0013 8000",
        "wechat": "wxid_abc123",
        "qq": "12345678",
        "line": "taro_1234",
        "email": "wang@163.com",
        "badge": "012345",
        "plate": "粤B12345",
    }
    assert set(examples) == STRONG_KINDS
    for kind, value in examples.items():
        assert match_keys(kind, value) == [
            MatchKey(scheme=kind, value=match_keys(kind, value)[0].value, strength="strong")
        ]


def test_equal_values_of_different_kinds_never_share_a_key() -> None:
    badge = {(key.scheme, key.value) for key in match_keys("badge", "12345678")}
    qq = {(key.scheme, key.value) for key in match_keys("qq", "12345678")}
    assert not badge & qq


def test_an_unknown_kind_still_matches_itself_weakly() -> None:
    assert match_keys("other", " A-b ") == [MatchKey(scheme="other", value="ab", strength="weak")]
    assert match_keys("other", " - ") == []


def test_the_first_key_is_the_folded_identifier() -> None:
    assert match_keys("wechat", " WXID_ABC123 ")[0].value == "wxid_abc123"
    assert match_keys("name", "張偉")[0].value == "张伟"
    assert match_keys("name", "--") == []


def test_only_the_first_characters_of_a_pasted_text_are_matched_on() -> None:
    pasted = "疏附县公安局" + "国保" * 50_000
    assert match_keys("organisation", pasted) == match_keys("organisation", pasted[:MAX_LENGTH])
    assert match_keys("wechat", "a" * 10_000) == [
        MatchKey(scheme="wechat", value="a" * MAX_LENGTH, strength="strong")
    ]


def test_any_text_of_any_script_gives_keys_without_failing() -> None:
    import random

    rng = random.Random(0)
    code_points = [*range(32, 127), *range(0x4E00, 0x4E80), *range(0x600, 0x700), *range(0xFF00, 0xFF60)]
    alphabet = [chr(code) for code in [*code_points, *range(0x300, 0x370), 0x3002, 0xFEFB, 0x200D, 0x1F600]]
    kinds = ["phone", "wechat", "qq", "line", "email", "badge", "plate", "name", "organisation"]
    for _ in range(1500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        for kind in kinds:
            for key in match_keys(kind, text, region=rng.choice([None, "JP", "GB", "CN", "xx"])):
                assert key.value
                assert key.scheme.isascii()
                key.value.encode("utf-8")


@pytest.mark.parametrize(
    ("kind", "typed"),
    [
        ("wechat", "不知道"),
        ("wechat", "他没有微信"),
        ("qq", "不记得了"),
        ("line", "知らない"),
        ("line", "LINEはやってない"),
        ("badge", "没看清"),
        ("plate", "白色丰田"),
        ("email", "不知道"),
        ("phone", "2023年5月12日"),
    ],
)
def test_a_strong_field_holding_words_instead_of_an_identifier_gives_no_key(kind: str, typed: str) -> None:
    # Two reports that both answer "don't know" must not be linked as if they named the same account.
    assert match_keys(kind, typed) == []


@pytest.mark.parametrize(
    ("kind", "typed", "region"),
    [
        ("phone", "+86 139 9101 2345", None),
        ("phone", "090-1622-4517", "JP"),
        ("wechat", "kashgar_li88", None),
        ("qq", "2837465910", None),
        ("line", "taro.k_1234", None),
        ("line", "@shop-tokyo", None),
        ("email", "aygul.t@163.com", None),
        ("badge", "086721", None),
        ("plate", "新A·3C521", None),
    ],
)
def test_no_one_character_change_of_a_strong_identifier_shares_a_strong_key(
    kind: str, typed: str, region: str | None
) -> None:
    # Strong identifiers get no fuzzy key: every single-character substitution stays unlinked.
    def strong(value: str) -> set[tuple[str, str]]:
        return {(k.scheme, k.value) for k in match_keys(kind, value, region=region) if k.strength == "strong"}

    original = strong(typed)
    assert original
    for position, char in enumerate(typed):
        if char.isdigit():
            replacements = "0123456789"
        elif char.isascii() and char.isalpha():
            replacements = "abcxyzABCXYZ"
        else:
            continue
        for other in replacements:
            if other.casefold() == char.casefold():
                continue
            changed = typed[:position] + other + typed[position + 1 :]
            if kind == "plate" and {char.upper(), other.upper()} in ({"O", "0"}, {"I", "1"}):
                continue
            assert not original & strong(changed), changed

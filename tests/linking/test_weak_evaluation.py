"""Names and agencies on the hand-written evaluation set (tests/linking/data/variants/names.toml and
agencies.toml, written by someone who did not write these normalisers), and the romanisations behind it."""

import pytest
from benchmarks.linking import evaluation_quality, load_evaluation_set

from longarm.linking.keys import match_keys
from tests.linking._meet import meet


def test_weak_links_reach_the_targets_on_the_evaluation_set() -> None:
    pairs = [pair for pair in load_evaluation_set() if pair.family in ("names", "agencies")]
    assert len(pairs) > 400
    weak = evaluation_quality(pairs)["by_strength"]["weak"]
    assert weak["recall"] >= 0.85, weak
    assert weak["precision"] >= 0.95, weak


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Chang Hsiao-ming", "張曉明"),
        ("Chang Hsiao-ming", "Zhang Xiaoming"),
        ("Ch'en Wen", "陈文"),
        ("Chan Tai-man", "陳大文"),
        ("Chow Kwok-wai", "周國偉"),
        ("Cheung Kwok-wing", "张国荣"),
    ],
)
def test_wade_giles_and_hong_kong_spellings_meet_the_characters(a: str, b: str) -> None:
    assert meet("name", a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Илһам Тохти", "Ilham Tohti"),
        ("伊力哈木·土赫提", "Ilham Tohti"),
        ("阿不都拉", "Abdulla"),
        ("Abudula Tuerxun", "Abdulla Tursun"),
        ("丹增", "Tenzing"),
        ("བསྟན་འཛིན", "Tenzin"),
        ("bstan 'dzin sgrol ma", "Tenzin Dolma"),
        ("Баатар", "巴特尔"),
        ("Чжан Вэй", "Zhang Wei"),
        ("Ли Цзяньго", "李建国"),
    ],
)
def test_names_meet_across_scripts_and_transcriptions(a: str, b: str) -> None:
    assert meet("name", a, b)


def test_a_polyphone_in_a_transcribed_name_is_read_as_in_names() -> None:
    assert ("name:pinyin", "abudula") in {(key.scheme, key.value) for key in match_keys("name", "阿不都拉")}


@pytest.mark.parametrize(
    ("a", "b"), [("王警官", "Officer Wang"), ("李所长", "Station Chief Li"), ("老王", "王")]
)
def test_titles_and_forms_of_address_are_not_part_of_the_name(a: str, b: str) -> None:
    assert meet("name", a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Chang Chih-wei", "Chang Chih-hui"),
        ("Cheung Chi-keung", "Cheung Chi-kin"),
        ("Li Ming", "Liu Ming"),
        ("Ilham Tohti", "Ilham Tursun"),
        ("Tenzin Gyatso", "Tenzin Delek"),
    ],
)
def test_names_that_differ_in_a_syllable_stay_apart(a: str, b: str) -> None:
    assert not meet("name", a, b)


def test_chinese_names_get_no_sound_key() -> None:
    assert not {key.scheme for key in match_keys("name", "张晓明")} & {"name:sound"}
    assert not {key.scheme for key in match_keys("name", "Zhang Xiaoming")} & {"name:sound"}

import pytest

from longarm.linking.keys import match_keys
from longarm.linking.normalisers.uyghur import UEY_TO_ULY, fold_latin, uey_to_uly
from tests.linking._meet import meet

ZHANG_WEI = [
    "Zhang Wei",
    "Wei Zhang",
    "张伟",
    "張偉",
    "zhang-wei",
    "ZHANG Wei",
    "Wei ZHANG",
    "ZhangWei",
    "Zhāng Wěi",
    "張 偉",
]


@pytest.mark.parametrize("a", ZHANG_WEI)
@pytest.mark.parametrize("b", ZHANG_WEI)
def test_every_spelling_of_zhang_wei_meets_every_other(a: str, b: str) -> None:
    assert meet("name", a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("张伟", "王伟"),
        ("张伟", "张卫东"),
        ("Zhang Wei", "Zhang Wen"),
        ("Zhang Wei", "Wang Wei"),
        ("张伟", "Zhang Min"),
        ("Ilham Tohti", "Ilham Tursun"),
    ],
)
def test_names_with_another_surname_or_given_name_stay_apart(a: str, b: str) -> None:
    assert not meet("name", a, b)


def test_traditional_and_simplified_characters_share_the_han_key() -> None:
    han = {key.value for key in match_keys("name", "劉曉明") if key.scheme == "name:han"}
    assert han == {"刘晓明"}


def test_homophones_share_only_the_pinyin_key() -> None:
    shared = {(key.scheme, key.value) for key in match_keys("name", "张伟")} & {
        (key.scheme, key.value) for key in match_keys("name", "章伟")
    }
    assert shared == {("name:pinyin", "zhangwei")}


@pytest.mark.parametrize(
    ("han", "latin"),
    [
        ("单田芳", "Shan Tianfang"),
        ("曾伟", "Zeng Wei"),
        ("欧阳修", "Ouyang Xiu"),
        ("欧阳修", "Xiu Ou-Yang"),
        ("仇明", "Qiu Ming"),
    ],
)
def test_surnames_are_read_with_their_surname_reading(han: str, latin: str) -> None:
    assert meet("name", han, latin)


@pytest.mark.parametrize(
    "latin", ["Lü Xiaoming", "Lv Xiaoming", "Lyu Xiaoming", "LU Xiaoming", "Xiaoming Lyu"]
)
def test_u_umlaut_meets_its_passport_and_keyboard_spellings(latin: str) -> None:
    assert meet("name", "吕晓明", latin)


def test_a_given_name_character_with_two_readings_meets_both_spellings() -> None:
    assert meet("name", "张乐", "Zhang Le")
    assert meet("name", "张乐", "Zhang Yue")


def test_uyghur_arabic_script_meets_uyghur_latin_in_either_order() -> None:
    for latin in ["Ilham Toxti", "Ilham Tohti", "Tohti Ilham", "ILHAM TOHTI", "İlham Tohti"]:
        assert meet("name", "ئىلھام توختى", latin), latin


def test_uyghur_vowels_with_hamza_and_the_rounded_vowels_transliterate() -> None:
    assert uey_to_uly("ئۆمەر") == "ömer"
    assert uey_to_uly("ئۈرۈمچى") == "ürümchi"
    assert uey_to_uly("ئېلى") == "éli"
    assert uey_to_uly("سائەت") == "saet"
    assert uey_to_uly("ئابدۇۋەلى") == "abduweli"
    assert uey_to_uly("ڭ") == "ng"
    assert uey_to_uly("ژ") == "zh"


def test_uyghur_presentation_forms_and_keyboard_lookalikes_are_read() -> None:
    # Arabic presentation forms, as pasted from old PDFs, are the same letters after NFKC.
    pasted = (
        "\N{ARABIC LETTER SEEN INITIAL FORM}\N{ARABIC LETTER ALEF FINAL FORM}"
        "\N{ARABIC LETTER LAM INITIAL FORM}\N{ARABIC LETTER ALEF FINAL FORM}"
        "\N{ARABIC LETTER MEEM ISOLATED FORM}"
    )
    assert meet("name", pasted, "Salam")
    assert uey_to_uly("کېرىم") == "kérim"
    assert uey_to_uly("كەرىمه") == "kerime"


def test_the_uyghur_table_has_all_32_letters_and_the_hamza_carrier() -> None:
    assert len(UEY_TO_ULY) == 33
    assert sorted(value for value in UEY_TO_ULY.values() if len(value) == 2) == ["ch", "gh", "ng", "sh", "zh"]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Ömer", "Omer"),
        ("Şöhret", "Shohret"),
        ("Qurban", "Kurban"),
        ("Ghulja", "Gulja"),
        ("Abduweli", "Abduveli"),
        ("Muhemmet", "Muhemet"),
        ("Mehmet", "Mähmät"),
        ("Mehmet", "Măhmăt"),
    ],
)
def test_common_latin_spellings_of_uyghur_names_fold_together(a: str, b: str) -> None:
    assert fold_latin(a) == fold_latin(b)


def test_a_dotted_transliterated_name_in_characters_meets_its_pinyin_in_either_order() -> None:
    assert meet("name", "买买提·艾力", "Maimaiti Aili")
    assert meet("name", "买买提·艾力", "Aili Maimaiti")


def test_name_keys_are_weak_and_have_name_schemes() -> None:
    keys = match_keys("name", "張偉 Zhang Wei ئىلھام")
    assert keys
    assert {key.strength for key in keys} == {"weak"}
    assert {key.scheme for key in keys} == {"name:han", "name:pinyin", "name:uly", "name:sound"}
    assert match_keys("name", " · - ") == []

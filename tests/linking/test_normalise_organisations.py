import pytest

from longarm.linking.keys import match_keys
from longarm.linking.normalisers.organisations import organisation_forms
from tests.linking._meet import meet

SHUFU_PSB = [
    "疏附县公安局",
    "疏附縣公安局",
    "喀什地区疏附县公安局",
    "Shufu County Public Security Bureau",
    "Shufu County PSB",
    "Public Security Bureau of Shufu County",
    "shufu county psb",
]


@pytest.mark.parametrize("a", SHUFU_PSB)
@pytest.mark.parametrize("b", SHUFU_PSB)
def test_a_county_psb_meets_in_chinese_english_and_abbreviated(a: str, b: str) -> None:
    assert meet("organisation", a, b)


@pytest.mark.parametrize(
    "typed",
    [
        "疏附县公安局国保大队",
        "疏附县国保",
        "疏附县公安局国内安全保卫大队",
        "Shufu County PSB Domestic Security Protection Brigade",
        "Domestic Security Protection, Shufu County Public Security Bureau",
        "Shufu County Guobao",
    ],
)
def test_the_domestic_security_unit_is_the_organisation_named(typed: str) -> None:
    forms = organisation_forms(typed)
    assert ("organisation", "shufu|county|guobao") in forms
    # Besides the unit, only its own bureau (the weak same-parent key).
    assert all(value.endswith(("|county|guobao", "|county|psb")) for _, value in forms)


def test_places_pypinyin_misreads_also_meet_their_real_reading() -> None:
    assert meet("organisation", "伽师县公安局", "Jiashi County PSB")
    assert meet("organisation", "策勒县公安局", "Cele County Public Security Bureau")
    assert not meet("organisation", "伽师县公安局", "Shufu County PSB")


def test_a_name_without_level_meets_each_level_but_levels_do_not_meet_each_other() -> None:
    assert meet("organisation", "Hotan PSB", "和田县公安局")
    assert meet("organisation", "Hotan PSB", "和田市公安局")
    assert not meet("organisation", "和田县公安局", "和田市公安局")


def test_english_exonyms_meet_the_pinyin_of_the_chinese_place() -> None:
    assert meet("organisation", "Kashgar City Public Security Bureau", "喀什市公安局")
    assert meet("organisation", "Urumqi Municipal PSB", "乌鲁木齐市公安局")


def test_ethnic_designations_in_place_names_do_not_count() -> None:
    assert meet(
        "organisation",
        "新疆维吾尔自治区公安厅",
        "Xinjiang Uyghur Autonomous Region Public Security Department",
    )
    assert meet("organisation", "新疆维吾尔自治区公安厅", "Xinjiang Region PSB")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("疏附县公安局", "疏勒县公安局"),
        ("疏附县公安局", "疏附县派出所"),
        ("疏附县国保", "疏勒县公安局"),
        ("Shufu County PSB", "Shule County PSB"),
        ("国保", "疏附县国保"),
        ("United Front Work Department", "Ministry of State Security"),
    ],
)
def test_other_places_and_other_agencies_stay_apart(a: str, b: str) -> None:
    assert not meet("organisation", a, b)


def test_national_bodies_meet_by_their_abbreviations() -> None:
    assert meet("organisation", "中央统战部", "UFWD")
    assert meet("organisation", "公安部", "Ministry of Public Security")
    assert meet("organisation", "國保", "Domestic Security Protection")


def test_an_unrecognised_organisation_still_matches_itself() -> None:
    assert organisation_forms("Acme Trading Ltd.") == [("organisation:text", "acmetradingltd")]
    assert meet("organisation", "Acme Trading Ltd.", "ACME trading ltd")
    assert {key.strength for key in match_keys("organisation", "疏附县公安局")} == {"weak"}


@pytest.mark.parametrize(
    "typed",
    [
        "Kona Sheher County PSB",
        "Konasheher nahiyisi jamaet xewpsizlik idarisi",
        "قەشقەر ۋىلايىتى كونا شەھەر ناھىيىسى جامائەت خەۋپسىزلىك ئىدارىسى",
    ],
)
def test_uyghur_place_names_and_uyghur_agency_names_meet_the_chinese_name(typed: str) -> None:
    assert meet("organisation", typed, "疏附县公安局")


def test_a_uyghur_police_station_is_not_the_bureau() -> None:
    assert meet("organisation", "Peyziwat nahiyisi saqchixana", "伽师县派出所")
    assert not meet("organisation", "Peyziwat nahiyisi saqchixana", "伽师县公安局")


def test_a_unit_meets_its_own_bureau_weakly_and_no_other() -> None:
    assert meet("organisation", "疏附县公安局国保大队", "疏附县公安局")
    assert meet(
        "organisation", "Domestic Security Protection Brigade, Kashgar Prefecture PSB", "喀什地区公安局"
    )
    assert not meet("organisation", "乌鲁木齐市公安局国保支队", "喀什地区公安局")
    assert not meet("organisation", "乌鲁木齐市公安局", "乌鲁木齐市国家安全局")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("锡林郭勒盟公安局", "Xilingol League Public Security Bureau"),
        ("锡林郭勒盟公安局", "锡盟公安局"),
        ("Шилийн гол аймгийн цагдаа", "Xilingol League police"),
        ("内蒙公安厅", "Nei Mongol Autonomous Region Public Security Department"),
        ("新疆维吾尔自治区公安厅", "XUAR Public Security Department"),
        ("西藏公安厅", "TAR Public Security Department"),
        ("Xizang Public Security Department", "Tibet Public Security Department"),
        ("乌鲁木齐市公安局", "乌市公安局"),
        ("麦盖提县公安局", "Makit Nahiyilik Jama'et Xewpsizlik Idarisi"),
        ("吐鲁番市公安局托克逊县公安局", "Toksun County PSB"),
        ("国安部", "Ministry of State Security"),
        ("江苏省国家安全厅", "JSSD"),
        ("中国学生学者联合会", "CSSA"),
        ("防范办", "610 Office"),
    ],
)
def test_leagues_regions_uyghur_level_words_and_abbreviations_meet(a: str, b: str) -> None:
    assert meet("organisation", a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("中国驻日本大使馆", "Embassy of China in Tokyo"),
        ("Çin Büyükelçiliği Ankara", "Chinese Embassy in Turkey"),
        ("Посольство Китая в Астане", "Chinese Embassy in Kazakhstan"),
        ("中国驻大阪总领事馆", "Consulate-General of China in Osaka"),
        ("خىتاينىڭ تۈركىيەدىكى باش ئەلچىخانىسى", "Chinese Embassy in Turkey"),
    ],
)
def test_embassies_meet_by_country_or_capital_and_consulates_by_city(a: str, b: str) -> None:
    assert meet("organisation", a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("中国驻日本大使馆", "中国驻大阪总领事馆"),
        ("Chinese Embassy in Tokyo", "Chinese Embassy in Seoul"),
        ("锡盟公安局", "阿盟公安局"),
        ("国安处", "国安部"),
        ("内蒙古自治区公安厅", "Монгол Улсын Цагдаагийн ерөнхий газар"),
    ],
)
def test_near_miss_agencies_stay_apart(a: str, b: str) -> None:
    assert not meet("organisation", a, b)

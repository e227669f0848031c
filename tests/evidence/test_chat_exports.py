"""Chat exports (issue 12): WhatsApp and LINE text exports and WeChat HTML exports are told apart by their
content, become readable text copies, and the phone numbers and IDs in them are offered to the caseworker,
who adds those that matter to the case with a button (POST, CSRF, audit) — never silently. The offers live
only in the copy's encrypted record. The exports in ``chats/`` are written like the apps write them, in
English, Turkish with Uyghur messages, Chinese and Japanese."""

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from longarm.audit.models import AuditEvent
from longarm.cases.models import Identifier
from longarm.cases.services import case_open
from longarm.evidence.models import EvidenceBlob, EvidenceItem
from longarm.evidence.records import DERIVATIVE_RECORD_BYTES, RECORD_BYTES
from longarm.evidence.sanitise.chats import line_ids_in, offers_in, recognise
from tests.cases.helpers import private_key
from tests.conftest import Cast
from tests.evidence.helpers import fetch, record_of, staff_client, submit_with_files
from tests.evidence.test_clean_copies import clean_copy

CHATS = Path(__file__).parent / "chats"
Processing = Callable[[], AbstractContextManager[None]]

# file: (app recognised, identifiers offered, text the copy must read)
EXPORTS = {
    "whatsapp-ios-en.txt": (
        "whatsapp",
        {("phone", "+8613800138000"), ("phone", "+905321234567")},
        "Your mother is waiting for your call.",
    ),
    "whatsapp-android-tr-uyghur.txt": (
        "whatsapp",
        {("phone", "+905321234567"), ("phone", "+8613991001234")},
        "ساقچىخانىدىن يەنە تېلېفون كەلدى",
    ),
    "whatsapp-android-zh.txt": ("whatsapp", {("phone", "+8613800138000")}, "你明天来派出所一趟"),
    "line-ja.txt": ("line", {("phone", "+819012345678")}, "大使館から電話がありました"),
    "line-en.txt": ("line", {("phone", "+886912345678")}, "They asked about my brother again"),
    # LINE IDs where the export names them: a labelled ID (also typed in full-width), profile links of a
    # user and of an official account; "LINEは2024年から…" is a sentence, not an ID.
    "line-ja-ids.txt": (
        "line",
        {
            ("phone", "+81354123300"),
            ("line", "sato_consul2024"),
            ("line", "kimura.k88"),
            ("line", "@jpn-ug.assoc"),
        },
        "お父様の件でお話があります",
    ),
    "line-zh-hant-ids.txt": (
        "line",
        {
            ("phone", "+886912345678"),
            ("wechat", "wangjun_0912"),
            ("line", "chen.tw_1688"),
            ("line", "@tibet-hometown"),
        },
        "你媽媽託我找你",
    ),
    "wechat-zh.html": (
        "wechat",
        {
            ("phone", "+8613800138000"),
            ("wechat", "police_li2024"),
            ("wechat", "wxid_q1w2e3r4t5y6"),
            ("qq", "20481234"),
        },
        "2024-01-05 10:15:30 李警官\n你好，我是派出所的。请加我微信号：police_li2024\n",
    ),
}


@pytest.mark.parametrize("name", list(EXPORTS))
def test_each_export_is_recognised_read_and_its_identifiers_offered(name: str, tmp_path: Path) -> None:
    app, offered, text = EXPORTS[name]
    result, _, copy = clean_copy((CHATS / name).read_bytes(), tmp_path)
    assert result.content_type == "text/plain; charset=utf-8"
    assert result.metadata["chat_export"] == app
    assert {(offer["kind"], offer["value"]) for offer in result.offers} == offered
    assert text in copy.decode()
    # Offers are not capture metadata: they live only in the copy's record.
    assert "identifiers" not in result.metadata


def test_a_wechat_page_becomes_plain_lines_with_nothing_that_runs_or_fetches(tmp_path: Path) -> None:
    _, _, copy = clean_copy((CHATS / "wechat-zh.html").read_bytes(), tmp_path)
    text = copy.decode()
    for trace in ("<", "document.cookie", "127.0.0.1", "file:///", ".msg {"):
        assert trace not in text
    assert "  " not in text
    assert "\n\n" not in text


def test_plain_notes_are_no_chat_export_and_numbers_without_a_country_need_one() -> None:
    assert recognise("Meeting notes\nThey came on Tuesday.\n", html=False) is None
    assert recognise("<p>Hello</p>", html=True) is None
    line = recognise("[LINE] 與王小明的聊天記錄\n儲存日期：2024/01/05 22:10\n", html=False)
    assert line is not None
    assert (line.app, line.region) == ("line", "TW")


def test_a_note_offers_only_international_numbers(tmp_path: Path) -> None:
    result, _, _ = clean_copy(b"He called from 138 0013 8000 and from +44 20 7946 0958.\n", tmp_path)
    assert {(offer["kind"], offer["value"]) for offer in result.offers} == {("phone", "+442079460958")}


def test_line_ids_are_offered_only_where_the_text_names_them_as_line_ids() -> None:
    text = (
        "WeChat ID: wang_li2024\nTelegram ID: tg_watcher\nID: chen.tw_1688\n"
        "Line 3: the border crossing\nLINEは2024年から使っています\n"
        "賴ID是 lai.lai99\nライン：yamada-88\n"
    )
    assert line_ids_in(text, in_line_export=False) == ["lai.lai99", "yamada-88"]
    # A plain "ID:" is a LINE ID in a LINE export, never one named after another messenger.
    assert line_ids_in(text, in_line_export=True) == ["lai.lai99", "yamada-88", "chen.tw_1688"]
    assert line_ids_in("LINE ID: abc / LINE ID: " + "a" * 21, in_line_export=True) == []


def test_an_id_already_offered_for_another_messenger_is_not_offered_again_as_line() -> None:
    offers = offers_in("微信号：Wang_Li2024\nID：wang_li2024\n", region=None, app="line")
    assert [(offer["kind"], offer["value"]) for offer in offers] == [("wechat", "Wang_Li2024")]


@pytest.fixture
def chat(cast: Cast, processing: Processing) -> EvidenceItem:
    with processing():
        submit_with_files(Client(), {"chat.txt": (CHATS / "whatsapp-ios-en.txt").read_bytes()})
    return EvidenceItem.objects.get()


def _page(client: Client, item: EvidenceItem) -> str:
    return client.get(reverse("cases:report", args=[item.report.public_id])).content.decode()


def _add(item: EvidenceItem, index: int) -> str:
    return reverse("evidence:offer_add", args=[item.public_id, index])


@pytest.mark.django_db
def test_the_offers_live_only_in_the_copy_s_encrypted_record(chat: EvidenceItem) -> None:
    record = record_of(chat, "derivative")
    assert set(record.offers) == {("phone", "+8613800138000"), ("phone", "+905321234567")}
    blob = chat.blobs.get(variant="derivative")
    assert len(bytes(blob.record_ciphertext)) > DERIVATIVE_RECORD_BYTES > RECORD_BYTES
    for row in (*EvidenceBlob.objects.values_list(), *EvidenceItem.objects.values_list()):
        assert "8613800138000" not in repr(row)
        assert "138 0013 8000" not in repr(row)
    # Every copy's record has one length, with offers or without.
    with_none = EvidenceBlob.objects.exclude(pk=blob.pk).filter(variant="derivative")
    assert not with_none.exists() or {len(bytes(b.record_ciphertext)) for b in with_none} == {
        len(bytes(blob.record_ciphertext))
    }


@pytest.mark.django_db
def test_a_caseworker_sees_the_offers_and_adds_one_to_the_case_with_a_button(
    cast: Cast, chat: EvidenceItem
) -> None:
    client = staff_client(cast.caseworker)
    page = _page(client, chat)
    assert "+8613800138000" in page
    assert _add(chat, 0) not in page, "no button before the report is in a case"
    assert client.post(_add(chat, 0)).status_code == 302
    assert not Identifier.objects.exists()

    case = case_open(actor=cast.caseworker, private_key=private_key(cast.caseworker), report=chat.report)
    page = _page(client, chat)
    offers = record_of(chat, "derivative").offers
    index = offers.index(("phone", "+905321234567"))
    assert _add(chat, index) in page
    assert not Identifier.objects.exists(), "showing adds nothing"

    response = client.post(_add(chat, index))
    assert response.status_code == 302
    assert response["Location"].endswith(f"#evidence-{chat.public_id}")
    identifier = Identifier.objects.get()
    assert identifier.case == case
    assert identifier.kind == "phone"
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"identifier.create:phone", "evidence.offer.added"} <= actions
    assert fetch(client, chat, "derivative").startswith(b"[05/01/2024")
    # A second press adds nothing: the case already holds it (compared by blind index, not in clear).
    client.post(_add(chat, index))
    assert Identifier.objects.count() == 1


@pytest.mark.django_db
def test_a_line_id_found_in_an_export_is_added_as_a_line_identifier(
    cast: Cast, processing: Processing
) -> None:
    with processing():
        submit_with_files(Client(), {"line.txt": (CHATS / "line-zh-hant-ids.txt").read_bytes()})
    item = EvidenceItem.objects.get()
    case_open(actor=cast.caseworker, private_key=private_key(cast.caseworker), report=item.report)
    client = staff_client(cast.caseworker)
    page = _page(client, item)
    assert "chen.tw_1688" in page
    assert "LINE ID" in page
    assert not Identifier.objects.exists(), "showing adds nothing"
    index = record_of(item, "derivative").offers.index(("line", "chen.tw_1688"))
    assert client.post(_add(item, index)).status_code == 302
    identifier = Identifier.objects.get()
    assert identifier.kind == "line"
    assert "identifier.create:line" in set(AuditEvent.objects.values_list("action", flat=True))
    for row in (*EvidenceBlob.objects.values_list(), *EvidenceItem.objects.values_list()):
        assert "chen.tw_1688" not in repr(row)


@pytest.mark.django_db
def test_adding_an_offer_needs_csrf_a_real_offer_and_the_item(cast: Cast, chat: EvidenceItem) -> None:
    case_open(actor=cast.caseworker, private_key=private_key(cast.caseworker), report=chat.report)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(cast.caseworker)
    session = staff_client(cast.caseworker)
    strict.cookies = session.cookies
    assert strict.post(_add(chat, 0)).status_code == 403
    assert session.post(_add(chat, 99)).status_code == 404
    assert staff_client(cast.other_caseworker).post(_add(chat, 0)).status_code == 404
    assert session.get(_add(chat, 0)).status_code == 405
    assert not Identifier.objects.exists()


@pytest.mark.django_db
def test_a_csv_reaches_caseworkers_and_exports_only_with_its_formulas_neutralised(
    cast: Cast, processing: Processing
) -> None:
    # CSV evidence is read by no export but the evidence package, which carries the stored copies: the
    # caseworker's copy is the neutralised one; the original stays byte for byte, for investigators only.
    original = (
        b'date,from,message\n2024-05-01,Li,"=HYPERLINK(""http://127.0.0.1/x"",""open"")"\n2024-05-02,Me,ok\n'
    )
    with processing():
        submit_with_files(Client(), {"chat.csv": original})
    item = EvidenceItem.objects.get()
    copy = fetch(staff_client(cast.caseworker), item, "derivative").decode()
    assert "'=HYPERLINK" in copy
    assert record_of(item, "derivative").content_type == "text/csv; charset=utf-8"
    assert (
        staff_client(cast.caseworker)
        .get(reverse("evidence:staff_file", args=[item.public_id, "original"]))
        .status_code
        == 403
    )

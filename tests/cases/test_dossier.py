import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from longarm.audit.models import AuditEvent
from longarm.cases.coding.services import identifier_add
from longarm.cases.dossier import services as dossier_services
from longarm.cases.dossier.evidence import EvidenceEntry, _with_duplicates, evidence_for_case
from longarm.cases.keys import has_case_key
from longarm.cases.models import Case, CaseKeyKind, DossierRequest, IdentifierKind, PersonRole, Referral
from longarm.cases.services import case_grant
from longarm.cases.templatetags.longarm_referrals import paragraphs
from longarm.intake.models import Report
from longarm.intake.selectors import report_for_staff, staff_data_key
from tests.cases.referral_helpers import (
    add_incident,
    add_person,
    give_case_identity_key,
    open_case,
    private_key,
)
from tests.conftest import Cast, log_in

pytestmark = pytest.mark.django_db

JAPANESE = "警察から母に電話がありました"
CHINESE = "警察给我母亲打电话"
UYGHUR = "ساقچى ئانامغا تېلېفون قىلدى"
SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def _referral(cast: Cast, case: Case) -> Referral:
    staff = Client()
    log_in(staff, cast.investigator)
    staff.post(
        reverse("cases:referral_new", args=[case.public_id, "criminal"]),
        {
            "jurisdiction": "jp",
            "provisions": ["jp:penal_code_222"],
            "agency": "Tokyo Metropolitan Police",
            "reference_number": "REF-555",
        },
    )
    return Referral.objects.get()


def _case(cast: Cast, **answers: Any) -> Case:
    case = open_case(cast, **answers)
    add_incident(case, cast.caseworker, description=JAPANESE, tactics=["proxy_coercion_family"])
    add_incident(case, cast.caseworker, description=CHINESE, tactics=["threat_direct"])
    add_incident(case, cast.caseworker, description=UYGHUR, tactics=["threat_direct"])
    add_person(
        case,
        cast.caseworker,
        role=PersonRole.PERPETRATOR,
        label="Officer 1",
        details={"name": "王警官", "agency": "公安局"},
    )
    give_case_identity_key(case, cast, cast.other_caseworker)
    case_grant(
        actor=cast.caseworker,
        private_key=private_key(cast.caseworker),
        case=case,
        grantee=cast.other_caseworker,
    )
    add_person(case, cast.other_caseworker, role=PersonRole.RELATIVE, label="Relative A", name="Bayar Ana")
    return case


def _download(cast: Cast, case: Case, referral: Referral, **choice: object) -> bytes:
    staff = Client()
    log_in(staff, cast.investigator)
    url = reverse("cases:dossier", args=[case.public_id, referral.public_id])
    form = staff.get(url).content.decode()
    assert "Officer 1" in form
    data = {
        "language": "en",
        "include_referral": "on",
        "include_identifiers": "",
        "incidents": [str(pk) for pk in case.incidents.values_list("pk", flat=True)],
        "persons": [str(pk) for pk in case.persons.values_list("pk", flat=True)],
        **choice,
    }
    response = staff.post(url, data)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    return response.content


def _text(pdf: bytes, tmp_path: Path) -> str:
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "poppler-utils is installed by .ci/run"
    path = tmp_path / "dossier.pdf"
    path.write_bytes(pdf)
    return subprocess.run(  # noqa: S603 - a fixed tool on a file the test wrote
        [pdftotext, "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _fonts(pdf: bytes, tmp_path: Path) -> set[str]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    names = set()
    with pikepdf.open(path) as document:
        for page in document.pages:
            for font in page.Resources.get("/Font", {}).values():
                # "ABCDEF+Noto-Sans-CJK-JP": the subset tag, then the font's name.
                names.add(str(font.BaseFont).lstrip("/").split("+", 1)[-1])
    return names


def test_the_pdf_renders_japanese_chinese_and_uyghur_in_the_intended_fonts(
    cast: Cast, tmp_path: Path
) -> None:
    case = _case(cast)
    pdf = _download(cast, case, _referral(cast, case))
    text = _text(pdf, tmp_path)
    assert JAPANESE in text
    assert CHINESE in text
    for word in UYGHUR.split():
        assert word in text
    assert "REF-555" in text
    assert "刑法第222条" in text
    fonts = _fonts(pdf, tmp_path)
    assert {"Noto-Sans-CJK-JP", "Noto-Sans-CJK-SC", "Noto-Naskh-Arabic", "Noto-Sans"} <= fonts
    assert fonts <= {
        "Noto-Sans-CJK-JP",
        "Noto-Sans-CJK-SC",
        "Noto-Naskh-Arabic",
        "Noto-Sans",
        "Noto-Sans-Bold",
    }


def test_names_appear_only_for_an_investigator_holding_the_identity_key(cast: Cast, tmp_path: Path) -> None:
    case = _case(cast)
    referral = _referral(cast, case)
    without_key = _text(_download(cast, case, referral), tmp_path)
    assert "Relative A" in without_key
    assert "王警官" in without_key  # a perpetrator's name is case content, not identity
    assert "Bayar Ana" not in without_key
    give_case_identity_key(case, cast, cast.investigator)
    assert "Bayar Ana" in _text(_download(cast, case, referral), tmp_path)


def test_only_what_was_ticked_is_included_and_the_download_is_audited(cast: Cast, tmp_path: Path) -> None:
    case = _case(cast)
    referral = _referral(cast, case)
    text = _text(_download(cast, case, referral, incidents=[], persons=[], include_referral=""), tmp_path)
    assert CHINESE not in text
    assert "Officer 1" not in text
    assert "REF-555" not in text
    assert AuditEvent.objects.filter(
        action=f"dossier.download:{referral.public_id}", actor=cast.investigator
    ).exists()


def test_evidence_is_listed_with_hashes(cast: Cast, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    case = _case(cast)
    referral = _referral(cast, case)
    entry = EvidenceEntry(
        public_id="0b5c7f52-8f7a-4c55-9f1e-3f9b0b7a1d2e",
        sha256=SHA256,
        size=48213,
        kind="image/png",
        received_on="",
    )
    monkeypatch.setattr(dossier_services, "evidence_for_case", lambda case, **keys: [entry])
    monkeypatch.setattr("longarm.cases.dossier.views.evidence_for_case", lambda case, **keys: [entry])
    text = _text(_download(cast, case, referral, evidence=[entry.public_id]), tmp_path)
    assert SHA256[:32] in text.replace("\n", "")
    assert "48213" in text


def test_evidence_items_of_the_case_reports_are_found_with_the_hash_from_their_records(cast: Cast) -> None:
    from longarm.evidence.models import EvidenceItem
    from longarm.evidence.records import FileRecord, item_record_context, seal_record

    if EvidenceItem._meta.db_table not in connection.introspection.table_names():
        pytest.skip("the evidence app has no migration yet")
    case = open_case(cast, consent="referral")
    report = Report.objects.get()
    investigator_key = private_key(cast.investigator)
    _, sealed = report_for_staff(user=cast.investigator, public_id=report.public_id)
    data_key = staff_data_key(sealed=sealed, private_key=investigator_key)
    item_id = uuid.uuid4()
    EvidenceItem.objects.create(
        public_id=item_id,
        report=report,
        added_by_kind="reporter",
        received_on=timezone.now().date(),
        name_ciphertext=b"x",
        record_ciphertext=seal_record(
            data_key,
            FileRecord(sha256=SHA256, size=10, content_type="image/png"),
            context=item_record_context(report.public_id, item_id),
        ),
        kind="image",
    )
    found = evidence_for_case(case, user=cast.investigator, private_key=investigator_key)
    assert [(entry.sha256, entry.size, entry.kind) for entry in found] == [(SHA256, 10, "image/png")]
    # Nothing of it shows to someone who does not hold the report's key.
    outsider = cast.other_caseworker
    assert evidence_for_case(case, user=outsider, private_key=private_key(outsider)) == []
    # Nor of a report whose reporter let caseworkers read it but did not consent to a referral.
    Report.objects.update(consent="review")
    assert evidence_for_case(case, user=cast.investigator, private_key=investigator_key) == []


def test_nothing_a_reporter_sent_goes_into_a_dossier_without_their_consent_to_a_referral(
    cast: Cast, tmp_path: Path
) -> None:
    from longarm.cases.services import case_add_report
    from tests.cases.helpers import new_report

    case = _case(cast, consent="review")
    private = new_report(consent="review", what_happened="Only for the caseworkers: my cousin informs.")
    shared = new_report(consent="referral", what_happened="They phoned my mother from the police station.")
    caseworker_key = private_key(cast.caseworker)
    for report in (private, shared):
        case_add_report(actor=cast.caseworker, private_key=caseworker_key, case=case, report=report)
    case_grant(
        actor=cast.caseworker, private_key=private_key(cast.caseworker), case=case, grantee=cast.investigator
    )
    referral = _referral(cast, case)
    text = _text(_download(cast, case, referral, include_reporter_words="on"), tmp_path).replace("\n", " ")
    assert "They phoned my mother from the police station." in text
    assert "my cousin informs" not in text
    assert "Police from my home town called my mother" not in text  # the first report's words: "review"
    staff = Client()
    log_in(staff, cast.investigator)
    page = staff.get(reverse("cases:dossier", args=[case.public_id, referral.public_id])).content.decode()
    assert "did not consent to a referral" in page
    assert private.reference in page
    assert shared.reference not in page


@pytest.mark.parametrize("role", ["caseworker", "custodian", "analyst", "operator", "admin"])
def test_only_investigators_download_dossiers(cast: Cast, role: str) -> None:
    case = _case(cast)
    referral = _referral(cast, case)
    staff = Client()
    log_in(staff, getattr(cast, role))
    url = reverse("cases:dossier", args=[case.public_id, referral.public_id])
    assert staff.get(url).status_code == 403
    assert staff.post(url, {"include_referral": "on"}).status_code == 403


def test_the_dossier_is_in_the_language_chosen_on_the_form_not_the_consoles(
    cast: Cast, tmp_path: Path
) -> None:
    case = _case(cast)
    referral = _referral(cast, case)
    japanese = _text(_download(cast, case, referral, language="ja"), tmp_path)
    assert "起きたこと" in japanese  # "What happened"
    assert "What happened" not in japanese
    english = _text(_download(cast, case, referral, language="en"), tmp_path)
    assert "What happened" in english


def test_a_dossier_language_without_a_complete_catalogue_is_refused(cast: Cast) -> None:
    case = _case(cast)
    referral = _referral(cast, case)
    staff = Client()
    log_in(staff, cast.investigator)
    url = reverse("cases:dossier", args=[case.public_id, referral.public_id])
    response = staff.post(url, {"language": "bo", "include_referral": "on"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


def test_identifiers_are_listed_with_the_cases_they_link_to(cast: Cast, tmp_path: Path) -> None:
    case = _case(cast)
    other = open_case(cast)
    for target in (case, other):
        identifier_add(
            actor=cast.caseworker,
            private_key=private_key(cast.caseworker),
            case=target,
            kind=IdentifierKind.PHONE,
            value="+86 139 1234 5678",
        )
    referral = _referral(cast, case)
    text = _text(_download(cast, case, referral, include_identifiers="on"), tmp_path)
    assert "+86 139 1234 5678" in text
    assert "strong match" in text
    assert other.reference in text
    without = _text(_download(cast, case, referral), tmp_path)
    assert "+86 139 1234 5678" not in without


def test_the_reporters_words_and_a_translation_are_included_only_when_chosen(
    cast: Cast, tmp_path: Path
) -> None:
    case = _case(cast, consent="referral")
    referral = _referral(cast, case)
    words = "Police from my home town called my mother"
    assert words not in _text(_download(cast, case, referral), tmp_path).replace("\n", " ")
    text = _text(
        _download(cast, case, referral, include_reporter_words="on", translation="地元の警察が母に電話した"),
        tmp_path,
    ).replace("\n", " ")
    assert words in text
    assert "Translation by the caseworker" in text
    assert "地元の警察が母に電話した" in text


def test_identical_evidence_files_are_flagged_and_named(
    cast: Cast, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = _case(cast)
    referral = _referral(cast, case)
    entries = _with_duplicates(
        [
            EvidenceEntry(str(uuid.uuid4()), SHA256, 10, "image/jpeg", "2026-11-02", name="call-log.jpg"),
            EvidenceEntry(str(uuid.uuid4()), SHA256, 10, "image/jpeg", "2026-11-03", name="IMG_0042.jpg"),
            EvidenceEntry(
                str(uuid.uuid4()), "0" * 64, 12, "audio/mp4", "2026-11-03", captured="2026:10:30 21:14:03"
            ),
        ]
    )
    assert [len(entry.same_as) for entry in entries] == [1, 1, 0]
    monkeypatch.setattr(dossier_services, "evidence_for_case", lambda case, **keys: entries)
    monkeypatch.setattr("longarm.cases.dossier.views.evidence_for_case", lambda case, **keys: entries)
    pdf = _download(cast, case, referral, evidence=[entry.public_id for entry in entries])
    text = " ".join(_text(pdf, tmp_path).split())
    assert "call-log.jpg" in text
    assert "IMG_0042.jpg" in text
    assert "2026:10:30 21:14:03" in text
    assert text.count("Identical to 1 other file in this list") == 2


def test_each_paragraph_takes_its_own_direction() -> None:
    found = paragraphs("警察给我母亲打电话。\nساقچى ئانامغا تېلېفون قىلدى.\n\n2026: the call")
    assert [(item.dir, item.lang) for item in found] == [("ltr", ""), ("rtl", "ug"), ("ltr", "")]


def test_a_caseworker_asks_an_investigator_who_gets_the_case_and_the_request(
    cast: Cast, make_staff: Any
) -> None:
    case = _case(cast)
    referral = _referral(cast, case)
    newcomer = make_staff("ivan", "investigator")
    caseworker = Client()
    log_in(caseworker, cast.caseworker)
    detail = caseworker.get(
        reverse("cases:referral", args=[case.public_id, referral.public_id])
    ).content.decode()
    assert "Only investigators download dossiers" in detail
    response = caseworker.post(
        reverse("cases:dossier_request", args=[case.public_id, referral.public_id]),
        {"investigator": newcomer.pk},
    )
    assert response.status_code == 302
    assert has_case_key(case=case, kind=CaseKeyKind.DATA, staff=newcomer)
    assert AuditEvent.objects.filter(action=f"dossier.request:{referral.public_id}").exists()
    investigator = Client()
    log_in(investigator, newcomer)
    inbox = investigator.get(reverse("cases:inbox")).content.decode()
    assert "Dossiers asked of you" in inbox
    assert reverse("cases:dossier", args=[case.public_id, referral.public_id]) in inbox
    investigator.post(reverse("cases:dossier", args=[case.public_id, referral.public_id]), {"language": "en"})
    assert DossierRequest.objects.get().fulfilled_on is not None
    assert "Dossiers asked of you" not in investigator.get(reverse("cases:inbox")).content.decode()


def test_a_dossier_cannot_be_asked_of_someone_who_is_not_an_investigator(cast: Cast) -> None:
    case = _case(cast)
    referral = _referral(cast, case)
    caseworker = Client()
    log_in(caseworker, cast.caseworker)
    caseworker.post(
        reverse("cases:dossier_request", args=[case.public_id, referral.public_id]),
        {"investigator": cast.analyst.pk},
    )
    assert not DossierRequest.objects.exists()

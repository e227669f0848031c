from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from longarm.accounts.models import StaffUser
from longarm.audit.models import AuditEvent
from longarm.cases.models import (
    Case,
    CaseStatus,
    PersonRole,
    Referral,
    ReferralEvent,
    ReferralKind,
    ReferralStatus,
)
from longarm.cases.referrals.provisions import (
    jurisdiction_choices,
    provision,
    provision_value,
    provisions_for_tactics,
)
from longarm.cases.referrals.services import ReferralInput, referral_change_status, referral_create
from longarm.taxonomy.vocabularies import LEGAL_PROVISION_JURISDICTIONS, vocabulary
from tests.cases.referral_helpers import add_person, give_case_identity_key, open_case, private_key
from tests.conftest import Cast, log_in

pytestmark = pytest.mark.django_db


def _staff(user: StaffUser) -> Client:
    client = Client()
    log_in(client, user)
    return client


def test_every_jurisdiction_has_provisions_that_cover_known_tactics() -> None:
    tactics = vocabulary("tactics").codes()
    for jurisdiction in LEGAL_PROVISION_JURISDICTIONS:
        terms = vocabulary(f"legal_provisions_{jurisdiction}").terms
        assert terms
        for term in terms:
            covered = term.attributes["tactics"]
            assert isinstance(covered, tuple)
            assert set(covered) <= tactics
            assert term.attributes["citation"]


def test_every_provision_has_a_citation_and_an_https_link_to_the_official_text() -> None:
    for jurisdiction in LEGAL_PROVISION_JURISDICTIONS:
        for term in vocabulary(f"legal_provisions_{jurisdiction}").terms:
            citation, source = term.attributes["citation"], term.attributes["source"]
            assert isinstance(citation, str), term.code
            assert citation.strip(), term.code
            assert isinstance(source, str), term.code
            assert source.startswith("https://"), term.code


def test_uncertain_provisions_are_marked_as_the_domain_file_marks_them() -> None:
    assert provision("jp:stalker_regulation_act").unverified
    # The domain file left the section open; legislation.gov.uk gives it as s.181.
    assert not provision("gb:osa_2023_threatening_communications").unverified
    assert not provision("jp:penal_code_222").unverified
    assert provision("gb:nsa_2023_s3").caution
    # Article numbers or scope not checked against the official text when the files were written.
    for value in ("kr:criminal_act_98", "nl:sr_98d", "ca:fisoia_s20_3", "tr:tck_328", "au:state_stalking"):
        assert provision(value).unverified, value
    for value in ("de:stgb_241", "tr:tck_123a", "fr:code_penal_222_17", "au:criminal_code_92_2_92_3"):
        assert not provision(value).unverified, value


def test_a_provision_that_warns_of_coerced_informants_is_marked_caution() -> None:
    warned = 0
    for jurisdiction in LEGAL_PROVISION_JURISDICTIONS:
        for term in vocabulary(f"legal_provisions_{jurisdiction}").terms:
            if "coerced informants" in term.help:
                warned += 1
                assert provision(provision_value(jurisdiction, term.code)).caution, term.code
    assert warned >= 8


@pytest.mark.parametrize("jurisdiction", LEGAL_PROVISION_JURISDICTIONS)
def test_every_jurisdiction_is_named_and_covers_the_common_tactics(jurisdiction: str) -> None:
    assert jurisdiction in dict(jurisdiction_choices())
    for tactic in ("threat_direct", "surveillance_physical", "digital_attack", "informant_recruitment"):
        assert provisions_for_tactics(jurisdiction, {tactic}), tactic


def test_jurisdiction_names_are_translated_for_the_console() -> None:
    with translation.override("ja"):
        names = dict(jurisdiction_choices())
    assert names["kr"] == "韓国"
    assert names["ca"] == "カナダ（連邦）"


def test_provisions_are_suggested_by_the_tactics_they_cover() -> None:
    assert "jp:penal_code_222" in provisions_for_tactics("jp", {"proxy_coercion_family"})
    assert "us:usc_18_1030" in provisions_for_tactics("us", {"digital_attack"})
    assert "us:usc_18_1030" not in provisions_for_tactics("us", {"assault"})


def test_a_criminal_referral_keeps_its_reference_number_encrypted(cast: Cast) -> None:
    case = open_case(cast)
    staff = _staff(cast.caseworker)
    response = staff.post(
        reverse("cases:referral_new", args=[case.public_id, "criminal"]),
        {
            "jurisdiction": "jp",
            "provisions": ["jp:penal_code_222", "jp:penal_code_223"],
            "agency": "Tokyo Metropolitan Police, Public Security Bureau",
            "reference_number": "TMPD-2025-REF-7781",
            "sent_on": "2025-04-02",
            "note": "Sent with the call recordings.",
        },
    )
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert referral.kind == ReferralKind.CRIMINAL
    assert referral.status == ReferralStatus.SENT
    assert referral.provisions == ["jp:penal_code_222", "jp:penal_code_223"]
    assert b"TMPD-2025-REF-7781" not in bytes(referral.details_ciphertext)
    page = staff.get(response["Location"]).content.decode()
    assert "TMPD-2025-REF-7781" in page
    assert "刑法第222条" in page
    # The citation links the official text of the statute, for the caseworker to check before relying on it.
    assert 'href="https://elaws.e-gov.go.jp/document?lawid=140AC0000000045" rel="noreferrer noopener"' in page
    assert AuditEvent.objects.filter(
        action="referral.create:criminal", object_id=str(referral.public_id)
    ).exists()
    assert AuditEvent.objects.filter(action="referral.read", object_id=str(referral.public_id)).exists()


def test_provisions_of_another_jurisdiction_are_refused(cast: Cast) -> None:
    case = open_case(cast)
    response = _staff(cast.caseworker).post(
        reverse("cases:referral_new", args=[case.public_id, "criminal"]),
        {"jurisdiction": "gb", "provisions": ["jp:penal_code_222"], "agency": "Metropolitan Police"},
    )
    assert response.status_code == 200
    assert "Choose only provisions of the jurisdiction" in response.content.decode()
    assert not Referral.objects.exists()


def test_only_the_chosen_jurisdictions_provisions_are_offered(cast: Cast) -> None:
    case = open_case(cast)
    staff = _staff(cast.caseworker)
    url = reverse("cases:referral_new", args=[case.public_id, "criminal"])
    japan = staff.get(url).content.decode()
    assert "刑法第222条" in japan
    assert "National Security Act" not in japan
    britain = staff.get(f"{url}?jurisdiction=gb").content.decode()
    assert "National Security Act 2023" in britain
    assert "刑法" not in britain
    assert "18 U.S.C." not in britain


def test_choosing_another_jurisdiction_keeps_what_was_typed_and_records_nothing(cast: Cast) -> None:
    case = open_case(cast)
    response = _staff(cast.caseworker).post(
        reverse("cases:referral_new", args=[case.public_id, "criminal"]),
        {"jurisdiction": "us", "agency": "FBI Field Office", "choose_jurisdiction": "1"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "18 U.S.C." in page
    assert "刑法" not in page
    assert 'value="FBI Field Office"' in page
    assert "error-summary" not in page
    assert not Referral.objects.exists()


def test_the_status_history_records_responses_and_follow_ups_encrypted(cast: Cast) -> None:
    case = open_case(cast)
    staff = _staff(cast.investigator)
    staff.post(
        reverse("cases:referral_new", args=[case.public_id, "welfare"]),
        {"agency": "Ministry of Foreign Affairs, China desk"},
    )
    referral = Referral.objects.get()
    assert referral.status == ReferralStatus.DRAFT
    url = reverse("cases:referral", args=[case.public_id, referral.public_id])
    staff.post(url, {"status": "sent", "on": "2025-05-01", "note": ""})
    staff.post(
        url, {"status": "answered", "on": "2025-06-10", "note": "The embassy says the mother is well."}
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ANSWERED
    assert str(referral.sent_on) == "2025-05-01"
    assert list(referral.events.values_list("status", flat=True)) == ["draft", "sent", "answered"]
    assert all(b"mother" not in bytes(event.note_ciphertext) for event in ReferralEvent.objects.all())
    assert "The embassy says the mother is well." in staff.get(url).content.decode()


def test_a_welfare_inquiry_names_relatives_only_under_the_identity_key(cast: Cast) -> None:
    case = open_case(cast)
    add_person(case, cast.caseworker, role=PersonRole.RELATIVE, label="Relative A")
    new = reverse("cases:referral_new", args=[case.public_id, "welfare"])
    caseworker = _staff(cast.caseworker)
    form = caseworker.get(new).content.decode()
    assert "Relative A" in form
    assert 'name="relatives_names"' not in form

    give_case_identity_key(case, cast, cast.investigator)
    investigator = _staff(cast.investigator)
    assert 'name="relatives_names"' in investigator.get(new).content.decode()
    person = case.persons.get()
    investigator.post(
        new,
        {"agency": "MFA", "relatives": [person.pk], "relatives_names": "Bayar, mother, Hohhot"},
    )
    referral = Referral.objects.get()
    assert b"Bayar" not in bytes(referral.identity_ciphertext or b"")
    url = reverse("cases:referral", args=[case.public_id, referral.public_id])
    assert "Bayar, mother, Hohhot" in investigator.get(url).content.decode()
    without_key = caseworker.get(url).content.decode()
    assert "Relative A" in without_key
    assert "Bayar" not in without_key


def test_protection_advice_records_date_and_adviser(cast: Cast) -> None:
    case = open_case(cast)
    staff = _staff(cast.caseworker)
    staff.post(
        reverse("cases:referral_new", args=[case.public_id, "protection"]),
        {
            "sent_on": "2025-03-20",
            "advised_by": "Refugee legal clinic",
            "advice": "Complementary protection.",
        },
    )
    referral = Referral.objects.get()
    assert (referral.kind, str(referral.sent_on)) == (ReferralKind.PROTECTION, "2025-03-20")
    page = staff.get(reverse("cases:referral", args=[case.public_id, referral.public_id])).content.decode()
    assert "Refugee legal clinic" in page


def test_a_support_referral_is_listed_on_the_case_panel(cast: Cast) -> None:
    case = open_case(cast)
    staff = _staff(cast.caseworker)
    staff.post(
        reverse("cases:referral_new", args=[case.public_id, "support"]),
        {"support_type": "mental_health", "agency": "Counselling service"},
    )
    panel = staff.get(reverse("cases:referrals", args=[case.public_id])).content.decode()
    assert "Mental health support" in panel
    assert "Counselling service" in panel


def test_the_do_not_remove_flag_is_set_from_the_panel_and_shown_prominently(cast: Cast) -> None:
    case = open_case(cast)
    staff = _staff(cast.caseworker)
    url = reverse("cases:referrals", args=[case.public_id])
    staff.post(
        reverse("cases:case_do_not_remove", args=[case.public_id]),
        {"do_not_remove": "on", "next": url, "confirmed": "yes"},
    )
    case.refresh_from_db()
    assert case.do_not_remove
    assert 'role="alert"' in staff.get(url).content.decode()
    assert AuditEvent.objects.filter(action="case.do_not_remove:on").exists()
    staff.post(reverse("cases:case_do_not_remove", args=[case.public_id]), {"confirmed": "yes"})
    assert not Case.objects.get(pk=case.pk).do_not_remove


def test_someone_not_on_the_case_gets_not_found(cast: Cast) -> None:
    case = open_case(cast)
    outsider = _staff(cast.outsider)
    assert outsider.get(reverse("cases:referrals", args=[case.public_id])).status_code == 404
    response = outsider.post(
        reverse("cases:referral_new", args=[case.public_id, "support"]),
        {"support_type": "legal_aid", "agency": "X"},
    )
    assert response.status_code == 404
    assert outsider.post(reverse("cases:case_do_not_remove", args=[case.public_id]), {}).status_code == 404


@pytest.mark.parametrize("role", ["custodian", "analyst", "operator", "admin"])
def test_roles_without_case_content_are_refused_referrals(cast: Cast, role: str) -> None:
    case = open_case(cast)
    staff = _staff(getattr(cast, role))
    assert staff.get(reverse("cases:referrals", args=[case.public_id])).status_code == 403
    assert staff.get(reverse("cases:referral_new", args=[case.public_id, "criminal"])).status_code == 403


@pytest.mark.parametrize(
    ("kind", "title"),
    [
        ("criminal", "Criminal investigation"),
        ("protection", "Protection and asylum advice"),
        ("welfare", "Diplomatic welfare inquiry about relatives"),
        ("support", "Support services"),
    ],
)
def test_each_kind_of_referral_has_its_form(cast: Cast, kind: str, title: str) -> None:
    case = open_case(cast)
    page = _staff(cast.caseworker).get(reverse("cases:referral_new", args=[case.public_id, kind]))
    assert page.status_code == 200
    assert f"<h1>{title}</h1>" in page.content.decode()


def test_an_unknown_kind_of_referral_is_not_found(cast: Cast) -> None:
    case = open_case(cast)
    page = _staff(cast.caseworker).get(reverse("cases:referral_new", args=[case.public_id, "bribery"]))
    assert page.status_code == 404


def _criminal(case: Case, cast: Cast, *, sent_on: date | None = None) -> Referral:
    return referral_create(
        actor=cast.investigator,
        private_key=private_key(cast.investigator),
        case=case,
        data=ReferralInput(
            kind=ReferralKind.CRIMINAL, jurisdiction="JP", agency="Tokyo MPD", sent_on=sent_on
        ),
    )


def test_a_criminal_referral_sent_moves_the_case_to_referred_audited(cast: Cast) -> None:
    case = open_case(cast)
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.ACTIVE)
    case.refresh_from_db()
    _criminal(case, cast, sent_on=date(2025, 5, 1))
    case.refresh_from_db()
    assert case.status == CaseStatus.REFERRED
    assert AuditEvent.objects.filter(action="case.status:referred", object_id=str(case.public_id)).exists()


def test_a_draft_referral_leaves_the_case_until_it_is_sent(cast: Cast) -> None:
    case = open_case(cast)
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.ACTIVE)
    case.refresh_from_db()
    referral = _criminal(case, cast)
    case.refresh_from_db()
    assert case.status == CaseStatus.ACTIVE
    referral_change_status(
        actor=cast.investigator,
        private_key=private_key(cast.investigator),
        referral=Referral.objects.select_related("case").get(pk=referral.pk),
        status=ReferralStatus.SENT,
        on=date(2025, 5, 1),
        note="",
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.REFERRED


@pytest.mark.parametrize("status", [CaseStatus.NEW, CaseStatus.CLOSED])
def test_a_sent_referral_does_not_force_a_move_the_workflow_forbids(cast: Cast, status: CaseStatus) -> None:
    case = open_case(cast)
    Case.objects.filter(pk=case.pk).update(status=status)
    case.refresh_from_db()
    _criminal(case, cast, sent_on=date(2025, 5, 1))
    case.refresh_from_db()
    assert case.status == status
    assert not AuditEvent.objects.filter(action="case.status:referred").exists()


def test_other_kinds_of_referral_leave_the_case_status(cast: Cast) -> None:
    case = open_case(cast)
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.ACTIVE)
    case.refresh_from_db()
    referral_create(
        actor=cast.investigator,
        private_key=private_key(cast.investigator),
        case=case,
        data=ReferralInput(kind=ReferralKind.SUPPORT, support_type="legal_aid", sent_on=date(2025, 5, 1)),
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.ACTIVE

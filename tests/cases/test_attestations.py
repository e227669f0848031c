import re
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from longarm.audit.models import AuditEvent
from longarm.audit.tally import tally_counts
from longarm.cases.attestations.codes import normalise_code
from longarm.cases.attestations.letters import qr_svg
from longarm.cases.attestations.services import attestation_message
from longarm.cases.models import Attestation
from longarm.core.keyring import current_keyring
from longarm.crypto.signing import verify_signature
from longarm.intake.models import Report
from tests.cases.referral_helpers import open_case
from tests.conftest import Cast, log_in
from tests.gate.helpers import gate_fields

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("organisation"),
]


@pytest.fixture
def organisation(settings: Any) -> None:
    settings.LONGARM_ORGANISATION_NAME = "Tokyo Diaspora Support"


CODE = re.compile(r'<dd dir="ltr" class="code">([0-9A-Z-]+)</dd>')


def _issue(cast: Cast) -> tuple[Client, Attestation, str]:
    case = open_case(cast)
    staff = Client()
    log_in(staff, cast.caseworker)
    response = staff.post(
        reverse("cases:attestation_new", args=[case.public_id]),
        {"signatory_name": "Aiko Tanaka", "signatory_role": "Director"},
    )
    assert response.status_code == 302
    letter = staff.get(response["Location"]).content.decode()
    match = CODE.search(letter)
    assert match, letter
    return staff, Attestation.objects.get(), match.group(1)


def _verify(client: Client, reference: str, code: str) -> str:
    response = client.post(
        reverse("attestations:verify"), {"reference": reference, "code": code, **gate_fields("attestation")}
    )
    assert response.status_code == 200
    return response.content.decode()


def test_the_letter_states_the_filing_date_and_reference_and_is_signed(cast: Cast) -> None:
    staff, attestation, code = _issue(cast)
    letter = staff.get(
        reverse("cases:attestation", args=[attestation.case.public_id, attestation.reference])
    ).content.decode()
    assert attestation.report_filed_on == Report.objects.get().received_on
    assert attestation.reference in letter
    assert attestation.report_filed_on.isoformat() in letter
    assert "cases/letter.css" in letter
    verify_signature(
        current_keyring().signing_public_key, attestation_message(attestation), bytes(attestation.signature)
    )
    assert normalise_code(code).encode() not in bytes(attestation.code_hash)
    assert len(normalise_code(code)) == 20
    assert AuditEvent.objects.filter(action=f"attestation.issue:{attestation.reference}").exists()


def test_the_public_page_answers_valid_invalid_and_revoked_without_login(cast: Cast) -> None:
    staff, attestation, code = _issue(cast)
    public = Client()
    page = _verify(public, attestation.reference, code.lower().replace("-", " "))
    assert "Valid:" in page
    assert attestation.case.reference not in page
    # A right code shows the letter's facts as signed, so that a date changed on the paper is caught.
    assert attestation.report_filed_on.isoformat() in page
    assert attestation.issued_on.isoformat() in page
    assert "Tokyo Diaspora Support" in page
    assert "Aiko Tanaka, Director" in page
    wrong = _verify(public, attestation.reference, "0" * 20)
    assert "Invalid:" in wrong
    assert attestation.report_filed_on.isoformat() not in wrong
    assert "Tokyo Diaspora Support" not in wrong
    assert "Invalid:" in _verify(public, "LA-A-2000-00000000", code)

    staff.post(
        reverse("cases:attestation_revoke", args=[attestation.case.public_id, attestation.reference]),
        {"confirmed": "yes"},
    )
    assert "Revoked:" in _verify(public, attestation.reference, code)
    # Without the code, a revoked attestation is as unknown as any other reference.
    assert "Invalid:" in _verify(public, attestation.reference, "1" * 20)
    assert AuditEvent.objects.filter(action=f"attestation.revoke:{attestation.reference}").exists()


@pytest.mark.parametrize(
    "change",
    [
        {"report_filed_on": "2001-01-01"},
        {"organisation": "Another organisation"},
        {"signatory_name": "Someone Else"},
        {"signatory_role": "Minister"},
    ],
)
def test_a_tampered_attestation_is_invalid(cast: Cast, change: dict[str, str]) -> None:
    _, attestation, code = _issue(cast)
    Attestation.objects.filter(pk=attestation.pk).update(**change)
    assert "Invalid:" in _verify(Client(), attestation.reference, code)


@override_settings(LONGARM_RECEIPT_ATTEMPTS_PER_SESSION=3)
def test_wrong_codes_are_rate_limited_even_before_a_right_one(cast: Cast) -> None:
    _, attestation, code = _issue(cast)
    public = Client()
    for _ in range(3):
        assert "Invalid:" in _verify(public, attestation.reference, "2" * 20)
    page = _verify(public, attestation.reference, code)
    assert "Too many wrong codes" in page
    assert "Valid:" not in page
    assert "Valid:" in _verify(Client(), attestation.reference, code)


def test_the_command_answers_like_the_page(cast: Cast) -> None:
    staff, attestation, code = _issue(cast)
    out = StringIO()
    call_command("attest", "verify", attestation.reference, code, stdout=out)
    verdict, facts = out.getvalue().strip().splitlines()
    assert verdict == "valid"
    assert facts == (
        f"issued by Tokyo Diaspora Support on {attestation.issued_on.isoformat()} "
        f"for a report filed on {attestation.report_filed_on.isoformat()}"
    )
    out = StringIO()
    with pytest.raises(SystemExit):
        call_command("attest", "verify", attestation.reference, "3" * 20, stdout=out)
    assert out.getvalue().strip() == "invalid"
    staff.post(
        reverse("cases:attestation_revoke", args=[attestation.case.public_id, attestation.reference]),
        {"confirmed": "yes"},
    )
    out = StringIO()
    with pytest.raises(SystemExit):
        call_command("attest", "verify", attestation.reference, code, stdout=out)
    assert out.getvalue().splitlines()[0] == "revoked"


def test_the_code_is_shown_only_in_the_session_that_issued_it(cast: Cast) -> None:
    _, attestation, _code = _issue(cast)
    colleague = Client()
    log_in(colleague, cast.investigator)
    letter = colleague.get(
        reverse("cases:attestation", args=[attestation.case.public_id, attestation.reference])
    ).content.decode()
    assert not CODE.search(letter)
    assert attestation.reference in letter


@pytest.mark.parametrize("role", ["custodian", "analyst", "operator", "admin", "outsider"])
def test_others_cannot_issue_or_revoke(cast: Cast, role: str) -> None:
    case = open_case(cast)
    staff = Client()
    log_in(staff, getattr(cast, role))
    response = staff.post(reverse("cases:attestation_new", args=[case.public_id]))
    assert response.status_code == (404 if role == "outsider" else 403)
    assert not Attestation.objects.exists()


@override_settings(LONGARM_RECEIPT_ATTEMPTS_PER_SESSION=2)
def test_each_check_is_audited_with_its_outcome_and_nothing_typed(cast: Cast) -> None:
    _, attestation, code = _issue(cast)
    first = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    public = Client()
    assert "Valid:" in _verify(public, attestation.reference, code)
    _verify(public, attestation.reference, "4" * 20)
    _verify(public, "LA-A-2000-00000000", "5" * 20)
    assert "Too many wrong codes" in _verify(public, attestation.reference, code)
    # The public page's checks are counted per window; the staff command's are chained one by one.
    assert not AuditEvent.objects.filter(id__gt=first).exists()
    call_command("attest", "verify", attestation.reference, code, stdout=StringIO())
    call_command("audit", "flush", stdout=StringIO())
    events = list(AuditEvent.objects.filter(id__gt=first).order_by("id"))
    assert [event.action for event in events] == ["attestation.verify:valid", "audit.tally"]
    assert tally_counts(events[1].object_id) == {
        "attestation.verify:valid": 1,
        "attestation.verify:invalid": 2,
        "attestation.verify:throttled": 1,
    }
    typed = [code, normalise_code(code), "4" * 20, "5" * 20, attestation.reference, "LA-A-2000"]
    for event in events:
        assert event.actor is None
        recorded = f"{event.action} {event.object_type} {event.object_id}"
        assert not any(value in recorded for value in typed)


def test_the_letter_names_the_organisation_the_signatory_both_dates_and_has_a_qr_code(cast: Cast) -> None:
    staff, attestation, code = _issue(cast)
    url = reverse("cases:attestation", args=[attestation.case.public_id, attestation.reference])
    letter = staff.get(url).content.decode()
    assert "Tokyo Diaspora Support" in letter
    assert "Signed for Tokyo Diaspora Support by Aiko Tanaka, Director." in letter
    assert attestation.issued_on.isoformat() in letter
    assert attestation.report_filed_on.isoformat() in letter
    verify_url = f"http://testserver{reverse('attestations:verify')}?reference={attestation.reference}"
    assert str(qr_svg(verify_url)) in letter
    assert code not in verify_url
    prefilled = Client().get(verify_url).content.decode()
    assert f'value="{attestation.reference}"' in prefilled


@pytest.mark.parametrize(
    ("language", "heading"), [("ja", "保護証明書"), ("tr", "Koruma belgesi"), ("ug", "قوغداش ئىسپاتى")]
)
def test_the_letter_is_printed_in_the_language_chosen(cast: Cast, language: str, heading: str) -> None:
    staff, attestation, _code = _issue(cast)
    url = reverse("cases:attestation", args=[attestation.case.public_id, attestation.reference])
    letter = staff.get(f"{url}?language={language}").content.decode()
    assert f'<html lang="{language}"' in letter
    assert heading in letter


def test_an_attestation_needs_a_signatory(cast: Cast) -> None:
    case = open_case(cast)
    staff = Client()
    log_in(staff, cast.caseworker)
    response = staff.post(reverse("cases:attestation_new", args=[case.public_id]), {"signatory_name": ""})
    assert response.status_code == 302
    assert not Attestation.objects.exists()
    assert "Name the person who signs" in staff.get(response["Location"]).content.decode()

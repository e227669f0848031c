import pytest
from django.test import Client
from django.urls import reverse

from longarm.accounts.models import StaffUser
from longarm.audit.models import AuditEvent
from longarm.cases.models import CaseKey, CaseKeyKind, DisclosureRequest, DisclosureStatus
from longarm.crypto.envelopes import unseal
from longarm.crypto.errors import DecryptionError
from longarm.intake.models import KeyKind, Report, SealedKey
from longarm.intake.selectors import report_identity
from tests.cases.referral_helpers import open_case, private_key
from tests.conftest import Cast, log_in
from tests.intake.helpers import submit_report

pytestmark = pytest.mark.django_db

REASON = "The police asked us to confirm the mother's name for the welfare check."


def _staff(user: StaffUser) -> Client:
    client = Client()
    log_in(client, user)
    return client


def _identity_rows() -> list[bytes]:
    return [bytes(row.sealed) for row in SealedKey.objects.filter(kind=KeyKind.IDENTITY)] + [
        bytes(row.sealed) for row in CaseKey.objects.filter(kind=CaseKeyKind.IDENTITY)
    ]


def _opens_any(user: StaffUser) -> list[bytes]:
    """Every identity key ``user``'s own private key unseals, trying every row in the database."""
    key = private_key(user)
    opened = []
    for sealed in _identity_rows():
        try:
            opened.append(unseal(key, sealed))
        except DecryptionError:
            continue
    return opened


def _request(client: Client, report: Report) -> None:
    response = client.post(reverse("cases:disclosure_new", args=[report.public_id]), {"reason": REASON})
    assert response.status_code == 302


def test_without_approval_a_caseworker_cannot_decrypt_identity_even_with_the_database(cast: Cast) -> None:
    case = open_case(cast)
    report = Report.objects.get()
    caseworker = _staff(cast.caseworker)
    _request(caseworker, report)

    assert len(_identity_rows()) >= 3  # report: reporter, recovery, custodian; case: custodian, recovery
    assert _opens_any(cast.caseworker) == []
    page = caseworker.get(reverse("cases:report", args=[report.public_id])).content.decode()
    assert "Hohhot" not in page
    assert "Waiting for a custodian" in page

    custodian = _staff(cast.custodian)
    queue = custodian.get(reverse("cases:disclosure_queue")).content.decode()
    assert REASON.replace("'", "&#x27;") in queue
    request = DisclosureRequest.objects.get()
    custodian.post(reverse("cases:disclosure_approve", args=[request.public_id]))

    request.refresh_from_db()
    assert request.status == DisclosureStatus.APPROVED
    assert request.decided_by == cast.custodian
    opened = _opens_any(cast.caseworker)
    assert len(opened) == 2  # the report's identity key and the case's
    identity = report_identity(report=report, identity_key=opened[0])
    assert "Hohhot" in identity["relatives_at_risk"]
    assert CaseKey.objects.filter(case=case, kind=CaseKeyKind.IDENTITY, staff=cast.caseworker).exists()
    page = caseworker.get(reverse("cases:report", args=[report.public_id])).content.decode()
    assert "My mother in Hohhot" in page
    assert "Signal: +81 90 0000 0000" in page
    actions = list(
        AuditEvent.objects.filter(object_id=str(report.public_id)).values_list("action", flat=True)
    )
    assert f"disclosure.request:{request.public_id}" in actions
    assert f"disclosure.read_reason:{request.public_id}" in actions
    assert f"disclosure.approve:{request.public_id}" in actions
    assert "report.read_identity" in actions


def test_the_reason_is_encrypted_for_the_requester_and_the_custodians_only(cast: Cast) -> None:
    submit_report(Client())
    _request(_staff(cast.caseworker), Report.objects.get())
    request = DisclosureRequest.objects.get()
    assert b"welfare check" not in bytes(request.reason_ciphertext)
    assert set(request.keys.values_list("staff", flat=True)) == {cast.caseworker.pk, cast.custodian.pk}


def test_a_denied_request_discloses_nothing(cast: Cast) -> None:
    submit_report(Client())
    report = Report.objects.get()
    caseworker = _staff(cast.caseworker)
    _request(caseworker, report)
    request = DisclosureRequest.objects.get()
    _staff(cast.custodian).post(reverse("cases:disclosure_deny", args=[request.public_id]))
    request.refresh_from_db()
    assert request.status == DisclosureStatus.DENIED
    assert _opens_any(cast.caseworker) == []
    page = caseworker.get(reverse("cases:report", args=[report.public_id])).content.decode()
    assert "Hohhot" not in page
    assert "Denied" in page
    assert AuditEvent.objects.filter(action=f"disclosure.deny:{request.public_id}").exists()


def test_a_decided_request_cannot_be_decided_again(cast: Cast) -> None:
    submit_report(Client())
    _request(_staff(cast.caseworker), Report.objects.get())
    request = DisclosureRequest.objects.get()
    custodian = _staff(cast.custodian)
    custodian.post(reverse("cases:disclosure_deny", args=[request.public_id]))
    custodian.post(reverse("cases:disclosure_approve", args=[request.public_id]))
    request.refresh_from_db()
    assert request.status == DisclosureStatus.DENIED
    assert _opens_any(cast.caseworker) == []


def test_a_caseworker_who_cannot_read_the_report_cannot_ask(cast: Cast) -> None:
    submit_report(Client())
    response = _staff(cast.outsider).post(
        reverse("cases:disclosure_new", args=[Report.objects.get().public_id]), {"reason": REASON}
    )
    assert response.status_code == 404
    assert not DisclosureRequest.objects.exists()


@pytest.mark.parametrize("role", ["caseworker", "investigator", "analyst", "operator", "admin"])
def test_only_custodians_see_and_decide_requests(cast: Cast, role: str) -> None:
    submit_report(Client())
    _request(_staff(cast.caseworker), Report.objects.get())
    request = DisclosureRequest.objects.get()
    staff = _staff(getattr(cast, role))
    assert staff.get(reverse("cases:disclosure_queue")).status_code == 403
    assert staff.post(reverse("cases:disclosure_approve", args=[request.public_id])).status_code == 403
    assert DisclosureRequest.objects.get().status == DisclosureStatus.PENDING


def test_a_custodian_sees_nothing_of_the_report_itself(cast: Cast) -> None:
    submit_report(Client())
    custodian = _staff(cast.custodian)
    assert custodian.get(reverse("cases:report", args=[Report.objects.get().public_id])).status_code == 403


def test_the_custodian_home_lists_pending_requests_with_reason_and_age(cast: Cast) -> None:
    from datetime import timedelta

    from django.utils import timezone

    case = open_case(cast)
    assert case.pk
    report = Report.objects.get()
    _request(_staff(cast.caseworker), report)
    DisclosureRequest.objects.update(requested_on=timezone.localdate() - timedelta(days=3))
    client = _staff(cast.custodian)
    page = client.get(reverse("cases:home"), follow=True).content.decode()
    assert REASON.replace("'", "&#x27;") in page
    assert "waiting for 3 days" in page
    assert report.reference in page
    assert "Your tools will appear here" not in page

import pytest
from django.test import Client
from django.urls import reverse

from longarm.crypto.envelopes import unseal
from longarm.crypto.keyring import load_recovery_private_key
from longarm.intake.models import KeyKind, RecipientKind, Report, ReportStatus
from longarm.intake.selectors import report_content
from tests.conftest import Cast, log_in
from tests.intake.helpers import submit_report
from tests.intake.test_mailbox import open_mailbox

pytestmark = pytest.mark.django_db


def test_the_receiving_caseworker_sees_the_report_in_the_inbox_and_reads_it(cast: Cast) -> None:
    submit_report(Client())
    report = Report.objects.get()
    staff = Client()
    log_in(staff, cast.caseworker)
    inbox = staff.get(reverse("cases:inbox")).content.decode()
    assert report.reference in inbox
    page = staff.get(reverse("cases:report", args=[report.public_id])).content.decode()
    assert "reading club" in page
    assert "Officer Wang" in page
    report.refresh_from_db()
    assert report.status == ReportStatus.READ


def test_the_caseworker_does_not_see_identity_fields(cast: Cast) -> None:
    submit_report(Client())
    staff = Client()
    log_in(staff, cast.caseworker)
    page = staff.get(reverse("cases:report", args=[Report.objects.get().public_id])).content.decode()
    assert "Hohhot" not in page
    assert "Signal:" not in page


def test_a_caseworker_to_whom_nothing_is_sealed_gets_not_found(cast: Cast) -> None:
    submit_report(Client())
    staff = Client()
    log_in(staff, cast.outsider)
    assert Report.objects.get().reference not in staff.get(reverse("cases:inbox")).content.decode()
    assert staff.get(reverse("cases:report", args=[Report.objects.get().public_id])).status_code == 404


@pytest.mark.parametrize("role", ["analyst", "custodian", "operator", "admin"])
def test_roles_without_report_content_are_refused_the_report_page(cast: Cast, role: str) -> None:
    submit_report(Client())
    staff = Client()
    log_in(staff, getattr(cast, role))
    assert staff.get(reverse("cases:report", args=[Report.objects.get().public_id])).status_code == 403
    assert staff.get(reverse("cases:inbox")).status_code == 403


def test_a_reply_reaches_the_reporter(cast: Cast) -> None:
    receipt = submit_report(Client())
    report = Report.objects.get()
    staff = Client()
    log_in(staff, cast.caseworker)
    staff.post(
        reverse("cases:report", args=[report.public_id]), {"text": "We are here to help. Are you safe?"}
    )
    html = open_mailbox(Client(), receipt)
    assert "We are here to help. Are you safe?" in html
    assert "A caseworker has replied" in html


def test_the_console_requires_login(cast: Cast) -> None:
    response = Client().get(reverse("cases:inbox"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_session_whose_key_cookie_is_lost_must_log_in_again(cast: Cast) -> None:
    staff = Client()
    log_in(staff, cast.caseworker)
    del staff.cookies["longarm_vault"]
    response = staff.get(reverse("cases:inbox"))
    assert response.status_code == 302


def test_the_admin_chooses_who_receives_new_reports(cast: Cast) -> None:
    admin = Client()
    log_in(admin, cast.admin)
    admin.post(reverse("cases:staff_receives_reports", args=[cast.other_caseworker.pk]), {"receives": "on"})
    cast.other_caseworker.refresh_from_db()
    assert cast.other_caseworker.receives_new_reports
    submit_report(Client())
    sealed_to = set(
        Report.objects.get()
        .sealed_keys.filter(kind=KeyKind.DATA, recipient_kind=RecipientKind.STAFF)
        .values_list("staff_id", flat=True)
    )
    assert sealed_to == {cast.caseworker.pk, cast.other_caseworker.pk}


def test_an_analyst_cannot_be_chosen_to_receive_reports(cast: Cast) -> None:
    admin = Client()
    log_in(admin, cast.admin)
    admin.post(reverse("cases:staff_receives_reports", args=[cast.analyst.pk]), {"receives": "on"})
    cast.analyst.refresh_from_db()
    assert not cast.analyst.receives_new_reports


def test_the_offline_recovery_key_opens_every_report(cast: Cast, settings: object) -> None:
    submit_report(Client(), consent="statistics_only")
    report = Report.objects.get()
    recovery_private = load_recovery_private_key(settings.RECOVERY_KEY_PATH)  # type: ignore[attr-defined]
    sealed = report.sealed_keys.get(kind=KeyKind.DATA, recipient_kind=RecipientKind.RECOVERY)
    data_key = unseal(recovery_private, bytes(sealed.sealed))
    assert "reading club" in report_content(report=report, data_key=data_key)["what_happened"]


def test_a_tampered_report_shows_an_integrity_error_not_garbage(cast: Cast) -> None:
    submit_report(Client())
    report = Report.objects.get()
    damaged = bytearray(bytes(report.answers_ciphertext))
    damaged[40] ^= 1
    Report.objects.filter(pk=report.pk).update(answers_ciphertext=bytes(damaged))
    staff = Client(raise_request_exception=False)
    log_in(staff, cast.caseworker)
    response = staff.get(reverse("cases:report", args=[report.public_id]))
    assert response.status_code == 500
    assert "failed its integrity check" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "home"),
    [
        ("caseworker", "cases:inbox"),
        ("investigator", "cases:inbox"),
        ("custodian", "cases:disclosure_queue"),
        ("admin", "cases:staff_list"),
        ("operator", "cases:hotline"),
        ("analyst", "analytics:dashboard"),
    ],
)
def test_every_role_lands_on_its_work_not_a_placeholder(cast: Cast, role: str, home: str) -> None:
    client = Client()
    log_in(client, getattr(cast, role))
    response = client.get(reverse("cases:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse(home)
    assert client.get(response["Location"]).status_code == 200

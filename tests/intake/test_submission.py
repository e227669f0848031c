import pytest
from django.test import Client
from django.urls import reverse

from longarm.intake.models import Consent, KeyKind, RecipientKind, Report, SealedKey, Urgency
from tests.conftest import Cast
from tests.intake.helpers import receipt_from, report_answers, submit_report

pytestmark = pytest.mark.django_db


def test_a_submitted_report_shows_a_twenty_digit_receipt_in_groups_of_four(
    client: Client, cast: Cast
) -> None:
    response = client.post(reverse("intake:report_new"), report_answers())
    html = response.content.decode()
    receipt = receipt_from(html)
    assert len(receipt) == 20
    assert html.count('class="receipt-group"') == 5


def test_the_report_is_stored_as_ciphertext_with_only_coded_fields_in_clear(
    client: Client, cast: Cast
) -> None:
    submit_report(client)
    report = Report.objects.get()
    assert b"reading club" not in bytes(report.answers_ciphertext)
    assert b"Hohhot" not in bytes(report.identity_ciphertext)
    assert report.community == "southern_mongolian"
    assert (report.host_country, report.host_region) == ("JP", "JP-13")
    assert (report.incident_year, report.incident_month) == (2025, 3)
    assert report.tactic_codes == ["asked_to_stop_activity", "relatives_threatened"]


def test_keys_are_sealed_to_reporter_recovery_receiving_caseworker_and_custodians_only(
    client: Client, cast: Cast
) -> None:
    submit_report(client)
    sealed = {(item.kind, item.recipient_kind, item.staff_id) for item in SealedKey.objects.all()}
    assert sealed == {
        (KeyKind.DATA, RecipientKind.REPORTER, None),
        (KeyKind.DATA, RecipientKind.RECOVERY, None),
        (KeyKind.DATA, RecipientKind.STAFF, cast.caseworker.pk),
        (KeyKind.IDENTITY, RecipientKind.REPORTER, None),
        (KeyKind.IDENTITY, RecipientKind.RECOVERY, None),
        (KeyKind.IDENTITY, RecipientKind.STAFF, cast.custodian.pk),
    }


def test_statistics_only_consent_seals_the_content_to_no_staff(client: Client, cast: Cast) -> None:
    submit_report(client, consent=Consent.STATISTICS_ONLY.value)
    assert not SealedKey.objects.filter(kind=KeyKind.DATA, recipient_kind=RecipientKind.STAFF).exists()


def test_declining_statistics_keeps_coded_fields_out_of_clear(client: Client, cast: Cast) -> None:
    submit_report(client, statistics_consent="no")
    report = Report.objects.get()
    assert not report.statistics_consent
    assert (report.community, report.host_country, report.host_region) == ("", "", "")
    assert report.incident_year is None
    assert report.tactic_codes == []


def test_being_told_to_return_makes_a_report_critical(client: Client, cast: Cast) -> None:
    submit_report(client, tactics=["told_to_return"])
    assert Report.objects.get().urgency == Urgency.CRITICAL


def test_an_invalid_form_names_the_problem_and_keeps_everything_typed(client: Client, cast: Cast) -> None:
    response = client.post(
        reverse("intake:report_new"), report_answers(consent="", perpetrator_names="Officer Li Ming")
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Please choose what we may do with your report." in html
    assert "Officer Li Ming" in html
    assert "reading club" in html
    assert not Report.objects.exists()


def test_a_month_without_a_year_is_refused_with_a_message_next_to_the_year(
    client: Client, cast: Cast
) -> None:
    response = client.post(reverse("intake:report_new"), report_answers(incident_year="", incident_month="5"))
    assert "If you know the month, please also choose the year." in response.content.decode()
    assert not Report.objects.exists()


def test_a_region_from_another_country_is_refused(client: Client, cast: Cast) -> None:
    response = client.post(reverse("intake:report_new"), report_answers(host_region="US-CA"))
    assert "That region is not in the country you chose." in response.content.decode()


def test_posting_the_same_form_twice_stores_one_report(client: Client, cast: Cast) -> None:
    answers = report_answers(submission_token="same-token")
    client.post(reverse("intake:report_new"), answers)
    second = client.post(reverse("intake:report_new"), answers)
    assert second.status_code == 409
    assert Report.objects.count() == 1


def test_typing_the_receipt_back_confirms_it(client: Client, cast: Cast) -> None:
    response = client.post(reverse("intake:report_new"), report_answers())
    html = response.content.decode()
    receipt = receipt_from(html)
    sealed = html.split('name="sealed_receipt" value="')[1].split('"')[0]
    spaced = " ".join(receipt[i : i + 4] for i in range(0, 20, 4))
    confirmed = client.post(
        reverse("intake:receipt_confirm"), {"typed_receipt": spaced, "sealed_receipt": sealed}
    )
    assert "Your report is safe with us" in confirmed.content.decode()


def test_a_mistyped_receipt_shows_the_receipt_again_with_an_error(client: Client, cast: Cast) -> None:
    response = client.post(reverse("intake:report_new"), report_answers())
    html = response.content.decode()
    receipt = receipt_from(html)
    sealed = html.split('name="sealed_receipt" value="')[1].split('"')[0]
    wrong = receipt[:-1] + str((int(receipt[-1]) + 1) % 10)
    again = client.post(reverse("intake:receipt_confirm"), {"typed_receipt": wrong, "sealed_receipt": sealed})
    assert "That is not the same number" in again.content.decode()
    assert receipt_from(again.content.decode()) == receipt

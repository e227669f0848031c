"""Hotline intake: an operator enters a report during a call, with the consent read out and recorded."""

import re
from importlib import import_module

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from longarm.audit.models import AuditEvent
from longarm.cases.keys import seal_report_key
from longarm.evidence.models import EvidenceKey
from longarm.intake.models import IntakeChannel, KeyKind, RecipientKind, Report
from longarm.intake.sealing import seal_to_staff
from tests.cases.helpers import console
from tests.cases.hotline_helpers import CALL
from tests.conftest import Cast
from tests.intake.helpers import report_answers, submit_report
from tests.intake.test_mailbox import open_mailbox

pytestmark = pytest.mark.django_db


def _receipt(html: str) -> str:
    match = re.search(r'<p class="receipt"[^>]*>(.*?)</p>', html, re.S)
    assert match, "no receipt on the page"
    return re.sub(r"\D", "", match.group(1))


def test_an_operator_enters_a_report_and_reads_the_receipt_back(cast: Cast) -> None:
    operator = console(cast.operator)
    form = operator.get(reverse("cases:hotline_new"))
    assert "consent_read_out" in form.content.decode()
    response = operator.post(reverse("cases:hotline_new"), {**report_answers(), **CALL})
    html = response.content.decode()
    assert response.status_code == 200, html[:3000]
    assert "Read the receipt back to the caller" in html
    assert len(re.findall(r'<span class="receipt-group">\d{4}</span>', html)) == 5
    assert "no-store" in response["Cache-Control"]
    report = Report.objects.get()
    assert report.intake_channel == IntakeChannel.HOTLINE
    assert report.consent_read_out_by == cast.operator
    sealed_to = set(
        report.sealed_keys.filter(kind=KeyKind.DATA, recipient_kind=RecipientKind.STAFF).values_list(
            "staff_id", flat=True
        )
    )
    assert sealed_to == {cast.caseworker.pk, cast.operator.pk}
    assert AuditEvent.objects.filter(action="report.submit", actor=cast.operator).exists()
    # The caller opens their report with the receipt read to them.
    assert "reading club" in open_mailbox(Client(), _receipt(html))


def test_the_consent_read_out_must_be_confirmed(cast: Cast) -> None:
    response = console(cast.operator).post(reverse("cases:hotline_new"), report_answers())
    assert response.status_code == 200
    assert "Read the consent text out" in response.content.decode()
    assert not Report.objects.exists()


def test_the_operator_lists_and_reads_only_reports_they_entered(cast: Cast) -> None:
    operator = console(cast.operator)
    operator.post(reverse("cases:hotline_new"), {**report_answers(), **CALL})
    submit_report(Client(), what_happened="A web report.")
    entered = Report.objects.get(intake_channel=IntakeChannel.HOTLINE)
    web = Report.objects.get(intake_channel=IntakeChannel.WEB)
    listing = operator.get(reverse("cases:hotline")).content.decode()
    assert entered.reference in listing
    assert web.reference not in listing
    page = operator.get(reverse("cases:hotline_report", args=[entered.public_id]))
    assert "reading club" in page.content.decode()
    assert operator.get(reverse("cases:hotline_report", args=[web.public_id])).status_code == 404
    entered.refresh_from_db()
    assert entered.status == "received"


def test_the_caseworker_receives_the_hotline_report(cast: Cast) -> None:
    console(cast.operator).post(reverse("cases:hotline_new"), {**report_answers(), **CALL})
    report = Report.objects.get()
    page = console(cast.caseworker).get(reverse("cases:report", args=[report.public_id])).content.decode()
    assert "reading club" in page


def test_a_double_submission_stores_the_report_once(cast: Cast) -> None:
    operator = console(cast.operator)
    answers = {**report_answers(), **CALL}
    operator.post(reverse("cases:hotline_new"), answers)
    assert operator.post(reverse("cases:hotline_new"), answers).status_code == 409
    assert Report.objects.count() == 1


@pytest.mark.parametrize("role", ["caseworker", "investigator", "analyst", "custodian", "admin"])
def test_only_operators_use_the_hotline(cast: Cast, role: str) -> None:
    staff = console(getattr(cast, role))
    assert staff.get(reverse("cases:hotline")).status_code == 403
    assert staff.post(reverse("cases:hotline_new"), {**report_answers(), **CALL}).status_code == 403
    assert not Report.objects.exists()


def test_operators_see_the_hotline_in_the_navigation(cast: Cast) -> None:
    assert reverse("cases:hotline") in console(cast.operator).get(reverse("cases:hotline")).content.decode()


def test_the_hotline_list_query_count_does_not_grow_with_the_reports(
    cast: Cast, django_assert_max_num_queries: pytest.FixtureRequest
) -> None:
    operator = console(cast.operator)
    for number in range(4):
        operator.post(
            reverse("cases:hotline_new"),
            {**report_answers(submission_token=f"t{number}"), **CALL},
        )
    assert Report.objects.count() == 4
    with django_assert_max_num_queries(6):  # type: ignore[operator]
        assert operator.get(reverse("cases:hotline")).status_code == 200


def test_a_statistics_only_report_is_not_sealed_to_the_operator_who_entered_it(cast: Cast) -> None:
    operator = console(cast.operator)
    response = operator.post(
        reverse("cases:hotline_new"),
        {**report_answers(consent="statistics_only"), **CALL},
    )
    html = response.content.decode()
    assert response.status_code == 200, html[:3000]
    assert "no staff member can read this report, you included" in html
    report = Report.objects.get()
    assert report.consent_read_out_by == cast.operator
    assert not report.sealed_keys.filter(kind=KeyKind.DATA, recipient_kind=RecipientKind.STAFF).exists()
    assert report.reference not in operator.get(reverse("cases:hotline")).content.decode()
    assert operator.get(reverse("cases:hotline_report", args=[report.public_id])).status_code == 404
    # The caller still opens it with the receipt read to them.
    assert "reading club" in open_mailbox(Client(), _receipt(html))


def test_no_path_seals_a_statistics_only_report_key_to_staff(cast: Cast) -> None:
    console(cast.operator).post(
        reverse("cases:hotline_new"),
        {**report_answers(consent="statistics_only"), **CALL},
    )
    report = Report.objects.get()
    with pytest.raises(ValueError, match="statistics-only"):
        seal_report_key(report=report, kind=KeyKind.DATA, key=bytes(32), staff=cast.caseworker)
    with pytest.raises(ValueError, match="statistics-only"):
        seal_to_staff(report=report, kind=KeyKind.DATA, key=bytes(32), staff=[cast.operator])
    assert not report.sealed_keys.filter(kind=KeyKind.DATA, recipient_kind=RecipientKind.STAFF).exists()


def test_the_migration_drops_the_seals_operators_kept_of_statistics_only_reports(cast: Cast) -> None:
    operator = console(cast.operator)
    for consent in ("review", "referral"):
        operator.post(
            reverse("cases:hotline_new"),
            {**report_answers(consent=consent, submission_token=consent), **CALL},
        )
        report = Report.objects.get(consent=consent)
        operator.post(
            reverse("evidence:staff_upload", args=[report.public_id]),
            {"attachments": [SimpleUploadedFile("notes.txt", b"Call log from 3 May\n")]},
        )
    # What the code before this fix left behind for a statistics-only report: the operator's seals.
    Report.objects.filter(consent="review").update(consent="statistics_only")
    kept = Report.objects.get(consent="statistics_only")
    assert EvidenceKey.objects.filter(blob__item__report=kept, holder="staff", staff=cast.operator).exists()
    import_module("longarm.intake.migrations.0004_drop_statistics_only_staff_seals").drop_seals(apps, None)
    import_module("longarm.evidence.migrations.0003_drop_statistics_only_staff_keys").drop_keys(apps, None)
    assert not kept.sealed_keys.filter(recipient_kind=RecipientKind.STAFF, kind=KeyKind.DATA).exists()
    assert not EvidenceKey.objects.filter(blob__item__report=kept, holder="staff").exists()
    assert EvidenceKey.objects.filter(blob__item__report=kept, holder="recovery").exists()
    other = Report.objects.get(consent="referral")
    assert other.sealed_keys.filter(recipient_kind=RecipientKind.STAFF, staff=cast.operator).exists()
    assert EvidenceKey.objects.filter(blob__item__report=other, holder="staff", staff=cast.operator).exists()


def _hotline_report(cast: Cast, **call: str) -> Report:
    console(cast.operator).post(
        reverse("cases:hotline_new"),
        {**report_answers(), **CALL, "call_ended": "14:31", "callback_wanted": "on", **call},
    )
    return Report.objects.get()


def test_the_call_details_are_kept_encrypted_and_shown_to_the_operator(cast: Cast) -> None:
    report = _hotline_report(cast)
    assert b"14:02" not in bytes(report.calls_ciphertext)
    assert report.language == "ug"
    page = (
        console(cast.operator).get(reverse("cases:hotline_report", args=[report.public_id])).content.decode()
    )
    calls = page[page.index("<h2>Calls</h2>") : page.index("</table>")]
    assert "14:02" in calls
    assert "14:31" in calls
    assert "Uyghur" in calls
    assert "Wanted" in calls


def test_a_call_needs_its_caller_language_and_start(cast: Cast) -> None:
    answers = {**report_answers(), "consent_read_out": "on"}
    page = console(cast.operator).post(reverse("cases:hotline_new"), answers).content.decode()
    assert "Type when the call began." in page
    assert not Report.objects.exists()


def test_a_call_cannot_end_hours_before_it_began_but_may_cross_midnight(cast: Cast) -> None:
    typo = {**report_answers(), **CALL, "call_started": "10:15", "call_ended": "09:50"}
    page = console(cast.operator).post(reverse("cases:hotline_new"), typo).content.decode()
    assert "The call cannot end before it began." in page
    assert not Report.objects.exists()
    _hotline_report(cast, call_started="23:50", call_ended="00:10")
    assert Report.objects.count() == 1


def test_the_caseworker_sees_the_hotline_channel_and_the_callers_language(cast: Cast) -> None:
    report = _hotline_report(cast)
    staff = console(cast.caseworker)
    inbox = staff.get(reverse("cases:inbox")).content.decode()
    assert "Hotline call" in inbox
    page = staff.get(reverse("cases:report", args=[report.public_id])).content.decode()
    assert "Hotline call" in page
    assert "Uyghur (ئۇيغۇرچە)" in page


def test_the_operator_adds_what_a_caller_says_on_a_second_call_and_reads_replies_out(cast: Cast) -> None:
    report = _hotline_report(cast)
    staff = console(cast.caseworker)
    staff.post(reverse("cases:report", args=[report.public_id]), {"text": "We will call you on Monday."})
    staff.get(reverse("cases:report", args=[report.public_id]))
    operator = console(cast.operator)
    url = reverse("cases:hotline_report", args=[report.public_id])
    assert "We will call you on Monday." in operator.get(url).content.decode()
    response = operator.post(url, {"text": "My brother was released.", "call_started": "09:15"})
    assert response.status_code == 302
    page = operator.get(url).content.decode()
    assert "My brother was released." in page
    assert "09:15" in page
    assert AuditEvent.objects.filter(action="message.create:hotline", actor=cast.operator).exists()
    # To the caseworkers it is the reporter's new message.
    row = staff.get(reverse("cases:inbox")).content.decode()
    assert "Unread message from the reporter" in row


def test_a_closed_report_takes_no_more_from_the_hotline(cast: Cast) -> None:
    report = _hotline_report(cast)
    Report.objects.filter(pk=report.pk).update(status="closed")
    operator = console(cast.operator)
    url = reverse("cases:hotline_report", args=[report.public_id])
    page = operator.get(url).content.decode()
    assert "This report is closed" in page
    operator.post(url, {"text": "Late news.", "call_started": "09:15"})
    assert not report.messages.exists()


@pytest.mark.parametrize(
    ("choice", "counted"), [("review", True), ("review_not_counted", False), ("statistics_only", True)]
)
def test_the_hotline_asks_the_consent_as_one_choice_that_cannot_contradict_itself(
    cast: Cast, choice: str, counted: bool
) -> None:
    operator = console(cast.operator)
    html = operator.get(reverse("cases:hotline_new")).content.decode()
    assert 'name="statistics_consent"' not in html
    assert html.count('name="consent"') == 5
    # A second answer to a question the form no longer asks changes nothing.
    answers = {
        **report_answers(),
        **CALL,
        "consent": choice,
        "statistics_consent": "no",
        "consent_read_out": "on",
    }
    assert operator.post(reverse("cases:hotline_new"), answers).status_code == 200
    report = Report.objects.get()
    assert (report.consent, report.statistics_consent) == (choice.removesuffix("_not_counted"), counted)

import re

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from longarm.intake.models import Consent, KeyKind, RecipientKind, Report, SealedKey, Urgency
from tests.conftest import Cast
from tests.intake.helpers import (
    FILES_STEP,
    QUESTION_STEPS,
    answer_steps,
    receipt_from,
    report_answers,
    send_review,
    step_answers,
    step_url,
    submit_report,
)

pytestmark = pytest.mark.django_db


def test_the_receipt_is_shown_in_groups_of_four_before_the_report_is_sent(client: Client, cast: Cast) -> None:
    html = answer_steps(client, report_answers()).content.decode()
    assert len(receipt_from(html)) == 20
    assert html.count('class="receipt-group"') == 5
    assert not Report.objects.exists()


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


def test_the_receipt_shown_before_sending_opens_the_report(client: Client, cast: Cast) -> None:
    receipt = submit_report(client)
    opened = Client().post(reverse("intake:mailbox_login"), {"receipt": receipt, **_receipt_gate()})
    assert opened.status_code == 302


def _receipt_gate() -> dict[str, str]:
    from tests.gate.helpers import gate_fields

    return gate_fields("receipt")


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
    assert Report.objects.get().statistics_consent


def test_declining_statistics_keeps_coded_fields_out_of_clear(client: Client, cast: Cast) -> None:
    submit_report(client, statistics_consent="no")
    report = Report.objects.get()
    assert (report.consent, report.statistics_consent) == (Consent.REVIEW, False)
    assert (report.community, report.host_country, report.host_region) == ("", "", "")
    assert report.incident_year is None
    assert report.tactic_codes == []


@pytest.mark.parametrize(
    ("choice", "consent", "counted"),
    [
        ("review", Consent.REVIEW, True),
        ("review_not_counted", Consent.REVIEW, False),
        ("referral", Consent.REFERRAL, True),
        ("identity", Consent.IDENTITY, True),
        ("statistics_only", Consent.STATISTICS_ONLY, True),
    ],
)
def test_the_one_consent_choice_sets_both_stored_values(
    client: Client, cast: Cast, choice: str, consent: Consent, counted: bool
) -> None:
    submit_report(client, consent=choice)
    report = Report.objects.get()
    assert (report.consent, report.statistics_consent) == (consent, counted)


def test_the_last_step_asks_the_consent_as_one_question_beside_send(client: Client, cast: Cast) -> None:
    html = answer_steps(client, report_answers()).content.decode()
    assert 'name="consent"' in html
    assert 'name="statistics_consent"' not in html
    assert html.index('name="consent"') < html.index('name="typed_receipt"')
    for slug in QUESTION_STEPS:
        assert 'name="consent"' not in client.get(step_url(slug)).content.decode()


def test_a_mistyped_receipt_keeps_the_consent_chosen(client: Client, cast: Cast) -> None:
    answer_steps(client, report_answers())
    again = send_review(client, "1" * 20, consent="referral")
    assert again.status_code == 200
    assert re.search(r'value="referral"[^>]*checked', client.get(step_url("review")).content.decode())
    assert not Report.objects.exists()


def test_the_optional_steps_can_be_skipped_from_the_last_required_step(client: Client, cast: Cast) -> None:
    minimal = {
        "what_happened": "They called my mother.",
        "tactics": ["relatives_threatened"],
        "incident_year": "2025",
        "host_country": "JP",
    }
    assert client.post(step_url("what"), minimal)["Location"] == step_url("did")
    response = client.post(step_url("did"), {**minimal, "go": "skip"})
    assert response["Location"] == step_url("review")
    receipt = receipt_from(client.get(step_url("review")).content.decode())
    assert send_review(client, receipt).status_code == 302
    assert Report.objects.get().host_country == "JP"


def test_the_last_optional_step_cannot_skip_anything(client: Client, cast: Cast) -> None:
    client.post(step_url("what"), step_answers(report_answers()))
    # A required step follows the first, so nothing can be skipped from it.
    assert 'value="skip"' not in client.get(step_url("what")).content.decode()
    assert 'value="skip"' in client.get(step_url("did")).content.decode()
    assert 'value="skip"' in client.get(step_url("who")).content.decode()
    assert 'value="skip"' not in client.get(step_url(FILES_STEP)).content.decode()


def test_the_first_step_says_truthfully_which_questions_are_required(client: Client, cast: Cast) -> None:
    html = client.get(reverse("intake:report_new")).content.decode()
    assert "Only four questions must be answered" in html
    assert "Only the first question" not in html


def test_a_return_about_to_happen_makes_a_report_critical(client: Client, cast: Cast) -> None:
    submit_report(client, tactics=["return_imminent"])
    assert Report.objects.get().urgency == Urgency.CRITICAL


def test_being_told_to_return_without_a_date_makes_a_report_high(client: Client, cast: Cast) -> None:
    submit_report(client, tactics=["told_to_return"])
    assert Report.objects.get().urgency == Urgency.HIGH


def test_every_step_shows_its_place_in_the_questionnaire(client: Client, cast: Cast) -> None:
    client.post(step_url("what"), step_answers(report_answers()))
    for number, slug in enumerate(QUESTION_STEPS, start=1):
        html = client.get(step_url(slug)).content.decode()
        assert f"Step {number} of {len(QUESTION_STEPS) + 1}" in html
        # The progress is on the page, never in the title that a shared phone's history keeps.
        assert "<title>Information</title>" in html


def test_an_invalid_step_names_the_problem_in_a_summary_that_links_to_the_field(
    client: Client, cast: Cast
) -> None:
    response = client.post(step_url("what"), {"what_happened": "", "host_country": "JP"})
    first = response.content.decode()
    assert '<a href="#id_what_happened">Please tell us briefly what happened.</a>' in first
    response = client.post(step_url("did"), {"tactic_other": "They called my brother.", "tactics": []})
    html = response.content.decode()
    assert response.status_code == 200
    summary = html.split('class="error-summary"')[1].split("</div>")[0]
    assert "autofocus" in html.split('class="error-summary"')[1].split(">")[0]
    assert (
        '<a href="#id_tactics_0">Please choose at least one thing that happened, or “Other”.</a>' in summary
    )
    assert html.index('class="error-summary"') < html.index("<h1>")
    assert "They called my brother." in html
    assert not Report.objects.exists()


def test_next_keeps_the_answers_and_back_keeps_what_was_typed_even_when_invalid(
    client: Client, cast: Cast
) -> None:
    assert client.post(step_url("what"), step_answers(report_answers())).status_code == 302
    back = client.post(step_url("more"), {"host_region": "XX-1", "go": "back", "contact": "Signal only"})
    assert back["Location"] == step_url("them")
    assert "reading club" in client.get(step_url("what")).content.decode()
    assert "Signal only" in client.get(step_url("more")).content.decode()


def test_answers_are_kept_server_side_never_in_the_pages_or_the_session_in_clear(
    client: Client, cast: Cast
) -> None:
    html = answer_steps(client, report_answers()).content.decode()
    hidden = re.findall(r'<input type="hidden" name="([^"]+)"', html)
    # The language switcher's own "next" (this page's path) aside, no answer travels in the page.
    assert set(hidden) <= {"csrfmiddlewaretoken", "submission_token", "gate_timelock", "next", "attached"}
    session = repr(Session.objects.get().get_decoded())
    assert "reading club" not in session
    assert receipt_from(html) not in session


def test_a_month_without_a_year_is_refused_with_a_message_next_to_the_year(
    client: Client, cast: Cast
) -> None:
    response = client.post(
        step_url("what"), step_answers(report_answers(incident_year="", incident_month="5"))
    )
    assert "If you know the month, please also choose the year." in response.content.decode()
    assert not Report.objects.exists()


def test_the_region_step_offers_only_the_chosen_country_and_refuses_another(
    client: Client, cast: Cast
) -> None:
    client.post(step_url("what"), step_answers(report_answers(host_country="JP")))
    html = client.get(step_url("more")).content.decode()
    assert 'value="JP-13"' in html
    assert 'value="US-CA"' not in html
    response = client.post(step_url("more"), step_answers(report_answers(host_region="US-CA")))
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()


def test_another_country_drops_the_region_of_the_first(client: Client, cast: Cast) -> None:
    answer_steps(client, report_answers(host_country="JP", host_region="JP-13"))
    client.post(step_url("what"), step_answers(report_answers(host_country="US")))
    assert 'value="JP-13"' not in client.get(step_url("more")).content.decode()
    receipt = receipt_from(client.get(step_url("review")).content.decode())
    assert send_review(client, receipt).status_code == 302
    assert (Report.objects.get().host_country, Report.objects.get().host_region) == ("US", "")


def test_the_last_step_sends_back_to_the_first_step_not_yet_answered(client: Client, cast: Cast) -> None:
    client.post(step_url("what"), step_answers(report_answers()))
    response = client.get(step_url("review"))
    assert response["Location"] == step_url("did")


def test_a_reload_of_the_last_step_shows_the_same_receipt_and_a_fresh_session_none(
    client: Client, cast: Cast
) -> None:
    receipt = receipt_from(answer_steps(client, report_answers()).content.decode())
    assert receipt_from(client.get(step_url("review")).content.decode()) == receipt
    # The language switcher, a tap on the footer and back again: the receipt is still the one shown.
    client.get(reverse("intake:home"))
    assert receipt_from(client.get(step_url("review")).content.decode()) == receipt
    stranger = Client().get(step_url("review"))
    assert stranger.status_code == 302
    assert receipt not in stranger.content.decode()


def test_a_mistyped_receipt_keeps_the_report_unsent_and_shows_the_same_receipt(
    client: Client, cast: Cast
) -> None:
    receipt = receipt_from(answer_steps(client, report_answers()).content.decode())
    wrong = receipt[:-1] + str((int(receipt[-1]) + 1) % 10)
    again = send_review(client, wrong)
    html = again.content.decode()
    assert "That is not the same number" in html
    assert '<a href="#id_typed_receipt">' in html
    assert receipt_from(html) == receipt
    assert not Report.objects.exists()


def test_the_receipt_may_be_typed_with_spaces(client: Client, cast: Cast) -> None:
    receipt = receipt_from(answer_steps(client, report_answers()).content.decode())
    spaced = " ".join(receipt[i : i + 4] for i in range(0, 20, 4))
    assert send_review(client, spaced).status_code == 302
    assert Report.objects.count() == 1


def test_sending_twice_stores_one_report(client: Client, cast: Cast) -> None:
    receipt = receipt_from(answer_steps(client, report_answers()).content.decode())
    page = client.get(step_url("review")).content.decode()
    token = re.search(r'name="submission_token" value="([^"]+)"', page)
    assert token
    from tests.gate.helpers import gate_fields

    posted = {"typed_receipt": receipt, "submission_token": token.group(1), "consent": "review"}
    assert client.post(step_url("review"), {**posted, **gate_fields("report")}).status_code == 302
    second = client.post(step_url("review"), {**posted, **gate_fields("report")})
    assert second.status_code == 409
    assert Report.objects.count() == 1


def test_after_sending_the_thank_you_page_survives_a_reload_and_the_receipt_is_gone(
    client: Client, cast: Cast
) -> None:
    receipt = submit_report(client)
    for _ in range(2):
        html = client.get(reverse("intake:report_sent")).content.decode()
        assert "Your report is safe with us" in html
        assert receipt not in html
    assert client.get(step_url("review"))["Location"] == reverse("intake:report_new")
    assert Client().get(reverse("intake:report_sent"))["Location"] == reverse("intake:home")


def test_numbers_and_ids_are_typed_and_shown_left_to_right_on_a_right_to_left_page(
    client: Client, cast: Cast
) -> None:
    """In Uyghur, "+86 138 0013 8000" in a right-to-left box or row reads "8000 0013 138 86+"."""
    from django.contrib.staticfiles import finders

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ug"
    review = answer_steps(client, report_answers()).content.decode()
    step = client.get(step_url("them")).content.decode()
    for name in ("perpetrator_phone_numbers", "perpetrator_wechat_ids", "perpetrator_badge_numbers"):
        box = re.search(rf'<input[^>]*name="{name}"[^>]*>', step)
        assert box, name
        assert 'dir="ltr"' in box.group(0), name
    row = re.search(r'<dd class="free-text"( dir="ltr")?>\+86 138 0013 8000</dd>', review)
    assert row, "the phone number's row on the last step"
    assert row.group(1), "shown left to right"
    # Everything else typed takes the direction of its own words, line by line (an English reply in Uyghur).
    stylesheet = finders.find("longarm/site.css")
    assert isinstance(stylesheet, str)
    with open(stylesheet, encoding="utf-8") as css:
        assert re.search(r"\.free-text \{[^}]*unicode-bidi: plaintext", css.read())


def test_back_from_the_last_step_keeps_the_consent_chosen(client: Client, cast: Cast) -> None:
    answer_steps(client, report_answers())
    page = client.get(step_url("review")).content.decode()
    token = re.search(r'name="submission_token" value="([^"]+)"', page)
    assert token
    back = client.post(
        step_url("review"), {"consent": "referral", "submission_token": token.group(1), "go": "back"}
    )
    assert back.status_code == 302
    assert back["Location"] == step_url(QUESTION_STEPS[-1])
    again = client.get(step_url("review")).content.decode()
    assert re.search(r'<input[^>]*value="referral"[^>]*checked', again)
    assert not Report.objects.exists()

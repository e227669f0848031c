from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from longarm.audit.models import AuditEvent
from longarm.audit.tally import tally_counts
from longarm.intake import services
from longarm.intake.models import Message, Report
from tests.conftest import Cast, chain_reporter_events
from tests.gate.helpers import gate_fields
from tests.intake.helpers import submit_report

pytestmark = pytest.mark.django_db


def open_mailbox(client: Client, receipt: str) -> str:
    response = client.post(
        reverse("intake:mailbox_login"), {"receipt": receipt, **gate_fields("receipt")}, follow=True
    )
    return response.content.decode()


def test_the_receipt_opens_the_report_with_its_answers_and_identity(client: Client, cast: Cast) -> None:
    receipt = submit_report(client)
    html = open_mailbox(Client(), receipt)
    assert "reading club" in html
    assert "My mother in Hohhot" in html
    assert "Received, not yet read" in html


def test_a_receipt_with_spaces_and_full_width_digits_opens_the_report(client: Client, cast: Cast) -> None:
    receipt = submit_report(client)
    full_width = " ".join(receipt[i : i + 4] for i in range(0, 20, 4)).translate(
        str.maketrans("0123456789", "０１２３４５６７８９")
    )
    assert "reading club" in open_mailbox(Client(), full_width)


def test_a_wrong_receipt_gets_a_clear_message(client: Client, cast: Cast) -> None:
    html = open_mailbox(client, "1" * 20)
    assert "This receipt number does not open a report" in html


def test_a_malformed_receipt_is_refused_before_any_lookup(client: Client, cast: Cast) -> None:
    html = open_mailbox(client, "12345")
    assert "A receipt number has 20 digits" in html


@override_settings(LONGARM_RECEIPT_ATTEMPTS_PER_SESSION=3)
def test_wrong_receipts_are_rate_limited_per_session(client: Client, cast: Cast) -> None:
    receipt = submit_report(Client())
    for attempt in range(3):
        open_mailbox(client, f"{attempt:020d}")
    html = open_mailbox(client, receipt)
    assert "Too many tries from this browser" in html
    assert "may not try another receipt number for 15 minutes" in html
    # A limit, not a mistake: nothing tells the reporter to check what they typed.
    assert "Please check your answers" not in html
    assert "does not open a report" not in html
    assert "reading club" not in html


def test_an_unknown_receipt_costs_the_same_two_derivations_as_a_real_one(client: Client, cast: Cast) -> None:
    receipt = submit_report(client)
    with (
        mock.patch.object(services, "receipt_lookup_hash", wraps=services.receipt_lookup_hash) as lookups,
        mock.patch.object(services, "reporter_keypair", wraps=services.reporter_keypair) as keypairs,
    ):
        open_mailbox(Client(), "9" * 20)
        open_mailbox(Client(), receipt)
    assert lookups.call_count == 2
    assert keypairs.call_count == 2


def test_the_reporter_can_add_a_message(client: Client, cast: Cast) -> None:
    receipt = submit_report(client)
    reporter = Client()
    open_mailbox(reporter, receipt)
    response = reporter.post(reverse("intake:mailbox"), {"text": "They called again yesterday."}, follow=True)
    assert "They called again yesterday." in response.content.decode()
    assert Message.objects.get().author_kind == "reporter"
    assert b"called again" not in bytes(Message.objects.get().ciphertext)


def test_the_mailbox_without_an_opened_receipt_sends_the_visitor_to_the_receipt_form(cast: Cast) -> None:
    response = Client().get(reverse("intake:mailbox"))
    assert response.status_code == 302
    assert response["Location"] == reverse("intake:mailbox_login")


def test_leaving_the_mailbox_forgets_the_keys(client: Client, cast: Cast) -> None:
    receipt = submit_report(client)
    reporter = Client()
    open_mailbox(reporter, receipt)
    reporter.post(reverse("intake:mailbox_leave"))
    assert reporter.get(reverse("intake:mailbox")).status_code == 302


def test_every_reading_by_the_reporter_is_counted_without_content_or_report(
    client: Client, cast: Cast
) -> None:
    receipt = submit_report(client)
    reporter = Client()
    open_mailbox(reporter, receipt)
    reporter.get(reverse("intake:mailbox"))
    report = Report.objects.get()
    chain_reporter_events()
    actions = list(
        AuditEvent.objects.filter(object_id=str(report.public_id)).values_list("action", flat=True)
    )
    assert actions == ["report.submit"]
    call_command("audit", "flush", stdout=StringIO())
    [tally] = AuditEvent.objects.filter(action="audit.tally")
    assert tally_counts(tally.object_id) == {"report.open:opened": 1, "report.read:reporter": 2}


def test_a_statistics_only_reporter_is_told_nobody_reads_their_messages(client: Client, cast: Cast) -> None:
    receipt = submit_report(client, consent="statistics_only")
    # Not told to come back for a reply that cannot come, neither on the thank-you page nor in the mailbox.
    thanks = client.get(reverse("intake:report_sent")).content.decode()
    assert "no caseworker can read your report" in thanks
    assert "to read any reply" not in thanks
    assert ">Check replies</a>" not in thanks
    reporter = Client()
    mailbox = open_mailbox(reporter, receipt)
    assert "no caseworker can read your report" in mailbox
    assert "Send message" not in mailbox
    reporter.post(reverse("intake:mailbox"), {"text": "Is anyone there?"})
    assert not Message.objects.exists()


def test_the_mailbox_speaks_to_the_reporter_not_about_them(client: Client, cast: Cast) -> None:
    html = open_mailbox(Client(), submit_report(client))
    assert "Where you live" in html
    assert "Where the reporter lives" not in html
    assert "What we may do with it" in html
    thanks = client.get(reverse("intake:report_sent")).content.decode()
    assert "to read any reply" in thanks


@override_settings(LONGARM_REPORTER_MESSAGES_PER_DAY=3)
def test_a_reporter_may_write_only_so_many_messages_a_day_and_keeps_what_was_typed(
    client: Client, cast: Cast
) -> None:
    receipt = submit_report(client)
    reporter = Client()
    open_mailbox(reporter, receipt)
    for number in range(3):
        reporter.post(reverse("intake:mailbox"), {"text": f"Message number {number}."})
    refused = reporter.post(reverse("intake:mailbox"), {"text": "One message too many, kept on the page."})
    page = refused.content.decode()
    assert "as many messages today as one report can take" in page
    assert "One message too many, kept on the page." in page
    assert Message.objects.count() == 3


def test_logging_out_says_the_report_stays_open(client: Client, cast: Cast) -> None:
    html = open_mailbox(Client(), submit_report(client))
    assert "Log out (your report stays open)" in html
    assert "Close my report" not in html


def test_a_caseworkers_reply_is_labelled_utc_for_readers_without_javascript(
    client: Client, cast: Cast
) -> None:
    receipt = submit_report(client)
    opened = services.report_open_with_receipt(receipt=receipt, session_key="test")
    message = services.message_post(
        report=opened.report, data_key=opened.data_key, text="We read it.", author=cast.caseworker
    )
    html = open_mailbox(Client(), receipt)
    shown = message.created_at.strftime("%Y-%m-%d %H:%M")
    assert f"data-local-time>{shown} UTC</time>" in html


def test_a_message_sent_twice_from_the_same_page_is_stored_once(client: Client, cast: Cast) -> None:
    """A double tap over a slow connection, or a reload that posts again: the page's one-time token."""
    import re

    receipt = submit_report(Client())
    open_mailbox(client, receipt)
    page = client.get(reverse("intake:mailbox")).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page)
    assert token
    for _ in range(2):
        response = client.post(reverse("intake:mailbox"), {"text": "Any news?", "token": token.group(1)})
        assert response.status_code == 302
    assert Message.objects.filter(author_kind="reporter").count() == 1
    again = client.get(reverse("intake:mailbox")).content.decode()
    assert re.search(r'name="token" value="([^"]+)"', again)[1] != token.group(1)  # type: ignore[index]

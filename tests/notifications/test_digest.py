"""The digest e-mail, sent to a real SMTP server (aiosmtpd) in this process and read back from it."""

import io
import socket
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from longarm.intake.models import MessageAuthor, Report
from longarm.notifications.models import DigestSubscription
from longarm.notifications.services import digest_subscribe, digests_send
from tests.conftest import Cast, log_in
from tests.intake.helpers import submit_report

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []
        self.greetings: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd's name
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        self.greetings.append(str(session.host_name))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp(settings: Any) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    options = {
        "host": "127.0.0.1",
        "port": controller.port,
        "use_tls": False,
        "use_ssl": False,
        "timeout": 10,
    }
    backend = "longarm.notifications.mail.SenderDomainEmailBackend"  # as in production settings
    settings.MAILERS = {"default": {"BACKEND": backend, "OPTIONS": options}}
    settings.LONGARM_DIGEST = "hourly"
    try:
        yield inbox
    finally:
        controller.stop()


def body(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def test_the_digest_counts_and_says_nothing_else(cast: Cast, smtp: Inbox) -> None:
    digest_subscribe(staff=cast.caseworker, address="casey@example.org")
    submit_report(Client(), what_happened="They phoned my brother in Kashgar twice.", host_country="JP")
    submit_report(Client())
    assert digests_send() == 1
    [(recipients, message)] = smtp.messages
    assert recipients == ["casey@example.org"]
    text = body(message)
    assert "2 new reports are waiting for you." in text
    assert "0 reporters have answered" in text
    for report in Report.objects.all():
        assert str(report.public_id) not in text
    for revealing in ("Kashgar", "Japan", "JP", "uyghur", "southern_mongolian", "wxid", "Wang"):
        assert revealing not in text
        assert revealing not in message["Subject"]


def test_one_digest_per_window_however_often_it_runs(cast: Cast, smtp: Inbox) -> None:
    digest_subscribe(staff=cast.caseworker, address="casey@example.org")
    assert digests_send() == 1
    assert digests_send() == 0
    assert len(smtp.messages) == 1


def test_an_empty_window_is_sent_too_so_timing_says_nothing(cast: Cast, smtp: Inbox) -> None:
    digest_subscribe(staff=cast.caseworker, address="casey@example.org")
    assert digests_send() == 1
    assert "0 new reports are waiting for you." in body(smtp.messages[0][1])


def test_no_digest_when_switched_off_or_for_a_departed_member(cast: Cast, smtp: Inbox, settings: Any) -> None:
    digest_subscribe(staff=cast.caseworker, address="casey@example.org")
    settings.LONGARM_DIGEST = "off"
    assert digests_send() == 0
    settings.LONGARM_DIGEST = "daily"
    cast.caseworker.is_active = False
    cast.caseworker.save(update_fields=["is_active"])
    assert digests_send() == 0
    assert smtp.messages == []


def test_a_reporter_answer_is_counted(cast: Cast, smtp: Inbox) -> None:
    from tests.intake.helpers import report_answers  # noqa: F401  # the questionnaire the report was made with

    submit_report(Client())
    report = Report.objects.get()
    report.status = "answered"
    report.save(update_fields=["status"])
    report.messages.create(author_kind=MessageAuthor.STAFF, created_at=timezone.now(), ciphertext=b"x")
    report.messages.create(author_kind=MessageAuthor.REPORTER, created_at=timezone.now(), ciphertext=b"y")
    digest_subscribe(staff=cast.caseworker, address="casey@example.org")
    digests_send()
    assert "1 reporter has answered and waits for a reply." in body(smtp.messages[0][1])


def test_staff_choose_the_digest_in_the_console(cast: Cast) -> None:
    client = Client()
    log_in(client, cast.analyst)
    url = reverse("notifications:digest")
    assert client.get(url).status_code == 200
    refused = client.post(url, {"wanted": "on", "address": ""})
    assert "Give the address" in refused.content.decode()
    assert client.post(url, {"wanted": "on", "address": "ana@example.org"}).status_code == 302
    assert DigestSubscription.objects.get(staff=cast.analyst).address == "ana@example.org"
    client.post(url, {"address": "ana@example.org"})
    assert not DigestSubscription.objects.filter(staff=cast.analyst).exists()


def test_an_unreachable_smtp_server_is_one_line_and_the_window_is_tried_again(
    cast: Cast, smtp: Inbox, settings: Any
) -> None:
    digest_subscribe(staff=cast.caseworker, address="casey@example.org")
    reachable = settings.MAILERS
    options = {**reachable["default"]["OPTIONS"], "port": free_port()}  # nothing listens there
    settings.MAILERS = {"default": {**reachable["default"], "OPTIONS": options}}
    with pytest.raises(CommandError, match=r"could not be reached .*LONGARM_EMAIL_HOST"):
        call_command("notify", "digests", stdout=io.StringIO())
    settings.MAILERS = reachable
    assert digests_send() == 1  # nothing was recorded as sent: this window's digest still goes
    assert len(smtp.messages) == 1


def test_no_connection_is_opened_when_nobody_asked_for_the_digest(cast: Cast, settings: Any) -> None:
    settings.LONGARM_DIGEST = "hourly"
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 2},
        }
    }
    assert digests_send() == 0


def test_the_message_id_names_the_senders_domain(cast: Cast, smtp: Inbox, settings: Any) -> None:
    # An onion-only server's host name must not travel in every digest's headers.
    settings.DEFAULT_FROM_EMAIL = "digest@ngo.example"
    digest_subscribe(staff=cast.caseworker, address="casey@example.org")
    digests_send()
    message_id = smtp.messages[0][1]["Message-ID"]
    assert message_id.endswith("@ngo.example>")
    assert socket.getfqdn() not in message_id


def test_the_mail_server_is_greeted_with_the_senders_domain(cast: Cast, smtp: Inbox, settings: Any) -> None:
    # The relay writes the EHLO name into every digest's Received header.
    settings.DEFAULT_FROM_EMAIL = "digest@ngo.example"
    digest_subscribe(staff=cast.caseworker, address="casey@example.org")
    digests_send()
    assert smtp.greetings == ["ngo.example"]

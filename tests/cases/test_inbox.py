"""The inbox as a work queue: the reporter's unread answers per staff member, their language, the case each
report is in and who is assigned, pages instead of a silent cut."""

from unittest.mock import patch

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from longarm.cases.languages import language_name
from longarm.cases.models import Assignment, CaseKey
from longarm.intake.models import KeyKind, Message, ReadMark, Report
from longarm.intake.sealing import seal_to_staff
from longarm.intake.selectors import report_for_staff, staff_data_key
from tests.cases.helpers import console, new_report, opened_case, private_key
from tests.conftest import Cast
from tests.intake.helpers import submit_report
from tests.intake.test_mailbox import open_mailbox

pytestmark = pytest.mark.django_db


def reporter_writes(receipt: str, text: str) -> None:
    reporter = Client()
    open_mailbox(reporter, receipt)
    assert reporter.post(reverse("intake:mailbox"), {"text": text}).status_code == 302


def inbox_row(html: str, report: Report) -> str:
    start = html.index(f'value="{report.public_id}"')
    return html[start : html.index("</tr>", start)]


def test_a_reporters_answer_shows_as_unread_to_each_staff_member_until_they_read_it(cast: Cast) -> None:
    receipt = submit_report(Client())
    report = Report.objects.get()
    staff = console(cast.caseworker)
    staff.post(reverse("cases:report", args=[report.public_id]), {"text": "Are you safe now?"})
    staff.get(reverse("cases:report", args=[report.public_id]))
    row = inbox_row(staff.get(reverse("cases:inbox")).content.decode(), report)
    assert "A caseworker has replied" in row
    assert "Unread message" not in row

    reporter_writes(receipt, "They called my mother again.")
    inbox = staff.get(reverse("cases:inbox")).content.decode()
    row = inbox_row(inbox, report)
    assert "Unread message from the reporter" in row
    assert "waiting for our answer" in row
    assert "A caseworker has replied" not in row
    assert "1 report with an unread message" in inbox

    page = staff.get(reverse("cases:report", args=[report.public_id])).content.decode()
    assert "1 new message from the reporter since you last opened this report." in page
    assert "waiting for our answer" in page
    assert '<strong class="new">New to you</strong>' in page
    # Read now: no longer unread for this caseworker, still waiting for an answer from anyone.
    inbox = staff.get(reverse("cases:inbox")).content.decode()
    row = inbox_row(inbox, report)
    assert "Unread message" not in row
    assert "waiting for our answer" in row
    assert "report with an unread message" not in inbox


def test_read_state_is_per_staff_member(cast: Cast) -> None:
    receipt = submit_report(Client())
    report = Report.objects.get()
    case = opened_case(cast)  # a second report, so the header count is about the first one alone
    assert case
    reporter_writes(receipt, "Please call me back.")
    casey = console(cast.caseworker)
    casey.get(reverse("cases:report", args=[report.public_id]))
    # The investigator, to whom the same report is sealed, has not read it yet.
    _report, sealed = report_for_staff(user=cast.caseworker, public_id=report.public_id)
    key = staff_data_key(sealed=sealed, private_key=private_key(cast.caseworker))
    seal_to_staff(report=report, kind=KeyKind.DATA, key=key, staff=[cast.investigator])
    ines = console(cast.investigator)
    assert "Unread message from the reporter" in inbox_row(
        ines.get(reverse("cases:inbox")).content.decode(), report
    )
    assert "Unread message from the reporter" not in inbox_row(
        casey.get(reverse("cases:inbox")).content.decode(), report
    )


def test_a_read_mark_holds_a_place_in_the_thread_and_no_time_or_content(cast: Cast) -> None:
    receipt = submit_report(Client())
    report = Report.objects.get()
    reporter_writes(receipt, "They called my mother again.")
    console(cast.caseworker).get(reverse("cases:report", args=[report.public_id]))
    mark = ReadMark.objects.get()
    assert mark.seen_up_to == Message.objects.get().position == 1
    assert {field.name for field in ReadMark._meta.get_fields()} == {"id", "staff", "report", "seen_up_to"}


def test_waiting_for_us_sorts_the_reports_the_reporter_answered_first(cast: Cast) -> None:
    receipt = submit_report(Client(), tactics=["online_harassment"])
    quiet = Report.objects.get()
    new_report()  # newer and more urgent: first in the default order
    staff = console(cast.caseworker)
    default = staff.get(reverse("cases:inbox")).content.decode()
    loud = Report.objects.exclude(pk=quiet.pk).get()
    assert default.index(str(loud.public_id)) < default.index(str(quiet.public_id))
    reporter_writes(receipt, "Any news?")
    waiting = staff.get(reverse("cases:inbox"), {"order": "waiting"}).content.decode()
    assert waiting.index(str(quiet.public_id)) < waiting.index(str(loud.public_id))


def test_the_inbox_and_report_show_the_reporters_language(cast: Cast) -> None:
    report = new_report()
    staff = console(cast.caseworker)
    assert "English" in inbox_row(staff.get(reverse("cases:inbox")).content.decode(), report)
    page = staff.get(reverse("cases:report", args=[report.public_id])).content.decode()
    assert "The reporter's language (answer in it): <strong>English</strong>" in page


def test_a_reporter_without_consent_to_statistics_has_their_language_on_the_report_only(cast: Cast) -> None:
    submit_report(Client(HTTP_ACCEPT_LANGUAGE="ug"), statistics_consent="no")
    report = Report.objects.get()
    assert report.language == ""
    staff = console(cast.caseworker)
    assert "Uyghur" not in inbox_row(staff.get(reverse("cases:inbox")).content.decode(), report)
    page = staff.get(reverse("cases:report", args=[report.public_id])).content.decode()
    assert "Uyghur (ئۇيغۇرچە)" in page


def test_every_reporter_language_has_a_name_in_the_console() -> None:
    for code, _autonym in settings.LANGUAGES:
        assert language_name(code) != code


def test_the_inbox_shows_the_case_and_who_is_assigned(cast: Cast) -> None:
    case = opened_case(cast)
    Assignment.objects.create(
        case=case, staff=cast.other_caseworker, assigned_by=cast.caseworker, assigned_on=case.opened_on
    )
    alone = new_report()
    staff = console(cast.caseworker)
    inbox = staff.get(reverse("cases:inbox")).content.decode()
    filed = inbox_row(inbox, Report.objects.get(case_link__case=case))
    assert case.reference in filed
    assert "Assigned to casey, otto" in filed
    assert "Not in a case" in inbox_row(inbox, alone)
    unfiled = staff.get(reverse("cases:inbox"), {"unfiled": "on"}).content.decode()
    assert str(alone.public_id) in unfiled
    assert case.reference not in unfiled


def test_a_case_the_reader_does_not_hold_is_not_named(cast: Cast) -> None:
    case = opened_case(cast)
    report = Report.objects.get(case_link__case=case)
    CaseKey.objects.filter(case=case, staff=cast.caseworker).delete()
    row = inbox_row(console(cast.caseworker).get(reverse("cases:inbox")).content.decode(), report)
    assert "In a case not shared with you" in row
    assert case.reference not in row


def test_the_inbox_pages_instead_of_cutting_silently(cast: Cast) -> None:
    for _ in range(5):
        new_report()
    staff = console(cast.caseworker)
    with patch("longarm.cases.inbox.PAGE_SIZE", 2):
        first = staff.get(reverse("cases:inbox")).content.decode()
        last = staff.get(reverse("cases:inbox"), {"page": "3"}).content.decode()
    assert first.count('name="reports"') == 2
    assert 'rel="next"' in first
    assert "Page 1 of 3" in first
    assert last.count('name="reports"') == 1
    assert 'rel="prev"' in last


@pytest.mark.parametrize("view", ["cases:inbox", "cases:case_list"])
@pytest.mark.parametrize("order", ["", "waiting"])
def test_an_edited_page_number_shows_the_first_or_the_last_page(cast: Cast, view: str, order: str) -> None:
    for _ in range(5):
        new_report()
        opened_case(cast)
    staff = console(cast.caseworker)
    with patch("longarm.cases.inbox.PAGE_SIZE", 2), patch("longarm.cases.casework.views.PAGE_SIZE", 2):
        for number, shown in (("0", "Page 1 of"), ("-1", "Page 1 of"), ("x", "Page 1 of")):
            response = staff.get(reverse(view), {"page": number, "order": order})
            assert response.status_code == 200
            assert shown in response.content.decode()
        huge = staff.get(reverse(view), {"page": "9" * 21, "order": order})
        assert huge.status_code == 200
        assert 'rel="prev"' in huge.content.decode()
        assert 'rel="next"' not in huge.content.decode()


@pytest.mark.parametrize("query", [{}, {"order": "waiting"}, {"unfiled": "on"}, {"page": "2"}])
def test_the_inbox_query_count_does_not_grow_with_the_reports(
    cast: Cast, query: dict[str, str], django_assert_max_num_queries: pytest.FixtureRequest
) -> None:
    receipts = [submit_report(Client()) for _ in range(3)]
    for _ in range(3):
        opened_case(cast)
    for receipt in receipts:
        reporter_writes(receipt, "Any news?")
    staff = console(cast.caseworker)
    # Session, user, device; the ids of the page and a few ahead, the page's rows; their cases, the held
    # ones, assignees; what they share with other reports and cases (at most eleven, whatever the page's
    # length); the header's unread count (in two parts: those waiting, those answered); on PostgreSQL, the
    # savepoint and setting of ``serial_reads``, and past the first page the join settings of
    # ``walking_the_order`` and their reset. "Waiting for us" first reads the page's ids from up to four
    # parts of the list.
    waiting_parts = 3 if query.get("order") == "waiting" else 0
    on_postgresql = 3 + (2 if query.get("page") else 0) if connection.vendor == "postgresql" else 0
    with (
        patch("longarm.cases.inbox.PAGE_SIZE", 4),
        django_assert_max_num_queries(21 + waiting_parts + on_postgresql),  # type: ignore[operator]
    ):
        response = staff.get(reverse("cases:inbox"), query)
    assert response.status_code == 200


def test_the_header_count_is_reports_with_unread_messages_sealed_to_the_reader(cast: Cast) -> None:
    from longarm.intake.selectors import unread_report_count

    receipts = [submit_report(Client()) for _ in range(3)]
    reporter_writes(receipts[0], "First.")
    reporter_writes(receipts[0], "Second.")
    reporter_writes(receipts[1], "Hello?")
    assert unread_report_count(user=cast.caseworker) == 2
    assert unread_report_count(user=cast.outsider) == 0
    first = Report.objects.order_by("id").first()
    assert first is not None
    console(cast.caseworker).get(reverse("cases:report", args=[first.public_id]))
    assert unread_report_count(user=cast.caseworker) == 1


def test_the_header_counts_unread_reports_up_to_a_bound_in_two_queries(
    cast: Cast, django_assert_max_num_queries: pytest.FixtureRequest
) -> None:
    """The header is on every console page: it stops counting at a bound instead of looking at every thread
    the reader holds, and says "more than" past it."""
    from longarm.cases.templatetags.longarm_inbox import UnreadCount, unread_reports
    from longarm.intake.selectors import unread_report_count

    receipts = [submit_report(Client()) for _ in range(3)]
    for receipt in receipts:
        reporter_writes(receipt, "Any news?")
    assert unread_report_count(user=cast.caseworker) == 3
    assert unread_report_count(user=cast.caseworker, up_to=2) == 2
    with patch("longarm.cases.templatetags.longarm_inbox.UNREAD_SHOWN_UP_TO", 2):
        with django_assert_max_num_queries(2):  # type: ignore[operator]
            assert unread_reports(cast.caseworker) == UnreadCount(count=2, more=True)
        page = console(cast.caseworker).get(reverse("cases:inbox")).content.decode()
    assert "More than 2 reports with unread messages" in page
    assert (
        "3 reports with unread messages"
        in console(cast.caseworker).get(reverse("cases:inbox")).content.decode()
    )

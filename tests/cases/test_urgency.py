"""Urgency: critical only for imminent danger, so that ten ordinary reports do not all arrive as critical; a
caseworker may change it with a reason (confirmed, audited, the reason encrypted), and the report says why
it has its urgency."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from longarm.audit.models import AuditEvent
from longarm.intake.models import Report, Urgency
from tests.cases.helpers import console, new_report
from tests.conftest import Cast
from tests.intake.helpers import submit_report

pytestmark = pytest.mark.django_db

# Ten reports as people write them (issue 15's end-to-end use): what they ticked on "What happened?".
REALISTIC = [
    # Police visited the parents and asked the reporter to stop posting.
    ["relatives_visited_or_detained", "asked_to_stop_activity"],
    # Insults and private details posted online.
    ["online_harassment"],
    # "Come home to renew your passport."
    ["told_to_return", "embassy_summons"],
    # A cousin's message: "think of your mother", and a request to report on a group.
    ["relatives_threatened", "asked_to_inform"],
    # A brother taken away last week; the reporter is told to stop their podcast.
    ["relative_detained", "asked_to_stop_activity"],
    # Someone films the community's events.
    ["events_watched"],
    # Money offered for photographs of a meeting.
    ["money_offered", "asked_to_inform"],
    # The parents' passports confiscated.
    ["relatives_travel_blocked"],
    # "We know where your daughter goes to school."
    ["child_involved", "relatives_threatened"],
    # The employer received calls from the consulate.
    ["school_or_employer_pressured", "embassy_summons"],
]


def test_ten_realistic_reports_are_mostly_not_critical(cast: Cast) -> None:
    for tactics in REALISTIC:
        submit_report(Client(), tactics=tactics)
    urgencies = list(Report.objects.order_by("id").values_list("urgency", flat=True))
    assert urgencies.count(Urgency.CRITICAL) < len(REALISTIC) / 2
    # The detained brother and the threatened child are the critical ones.
    assert [index for index, urgency in enumerate(urgencies) if urgency == Urgency.CRITICAL] == [4, 8]


def test_the_report_shows_the_answer_that_made_it_critical(cast: Cast) -> None:
    report = new_report(tactics=["relative_detained", "money_offered"])
    page = console(cast.caseworker).get(reverse("cases:report", args=[report.public_id])).content.decode()
    section = page[page.index("Why this urgency") : page.index("Change the urgency")]
    assert "A relative detained or taken away by police" in section
    assert "money" not in section


def test_a_normal_report_says_no_answer_raised_it(cast: Cast) -> None:
    report = new_report(tactics=["online_harassment"], statistics_consent="no")
    page = console(cast.caseworker).get(reverse("cases:report", args=[report.public_id])).content.decode()
    assert "Normal: none of the reporter&#x27;s answers calls for more." in page or (
        "Normal: none of the reporter's answers calls for more." in page
    )


def test_a_caseworker_changes_the_urgency_with_a_reason_after_confirming(cast: Cast) -> None:
    report = new_report(tactics=["online_harassment"])
    staff = console(cast.caseworker)
    url = reverse("cases:report_urgency", args=[report.public_id])
    reason = "Her flight home is booked for Friday (see message)."
    asked = staff.post(url, {"urgency": "critical", "reason": reason})
    assert asked.status_code == 200
    assert "Yes, I am sure" in asked.content.decode()
    report.refresh_from_db()
    assert report.urgency == Urgency.NORMAL

    done = staff.post(url, {"urgency": "critical", "reason": reason, "confirmed": "yes"})
    assert done.status_code == 302
    report.refresh_from_db()
    assert report.urgency == Urgency.CRITICAL
    assert report.urgency_set_by == cast.caseworker
    assert reason.encode() not in bytes(report.urgency_reason_ciphertext)
    assert AuditEvent.objects.filter(action="report.urgency", object_id=str(report.public_id)).exists()
    page = staff.get(reverse("cases:report", args=[report.public_id])).content.decode()
    assert "Set by casey:" in page
    assert "Her flight home is booked for Friday" in page


def test_a_change_without_a_reason_is_refused(cast: Cast) -> None:
    report = new_report(tactics=["online_harassment"])
    staff = console(cast.caseworker)
    url = reverse("cases:report_urgency", args=[report.public_id])
    response = staff.post(url, {"urgency": "critical", "reason": "", "confirmed": "yes"})
    page = response.content.decode()
    # The report page again, the choice kept and the error beside the box, its form open.
    assert response.status_code == 400
    assert "Say why the urgency changes." in page
    assert re.search(r'<option value="critical"[^>]*selected', page)
    assert "<details open>" in page
    report.refresh_from_db()
    assert report.urgency == Urgency.NORMAL


def test_every_field_on_the_report_page_has_its_own_id(cast: Cast) -> None:
    report = new_report(tactics=["online_harassment"])
    page = console(cast.caseworker).get(reverse("cases:report", args=[report.public_id])).content.decode()
    ids = re.findall(r'\sid="(id_[^"]+)"', page)
    assert ids
    assert sorted(ids) == sorted(set(ids))


def test_only_a_holder_of_the_report_may_change_its_urgency(cast: Cast) -> None:
    report = new_report(tactics=["online_harassment"])
    url = reverse("cases:report_urgency", args=[report.public_id])
    response = console(cast.outsider).post(url, {"urgency": "critical", "reason": "x", "confirmed": "yes"})
    assert response.status_code == 404
    assert console(cast.caseworker).get(url).status_code == 405
    report.refresh_from_db()
    assert report.urgency == Urgency.NORMAL

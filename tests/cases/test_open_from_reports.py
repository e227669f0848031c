"""Opening a case from reports carries them over: an incident from each report's coded answers, the reporter's
language, and the identifiers they typed as suggestions a caseworker confirms."""

import re
import threading
import uuid

import pytest
from django.db import transaction
from django.urls import reverse

from longarm.audit.models import AuditEvent
from longarm.cases.casefile import case_file_open
from longarm.cases.exceptions import NotAllowed
from longarm.cases.from_reports import case_open_from_reports, incident_from_answers
from longarm.cases.models import Case, CaseReport, DatePrecision, Identifier, IdentifierKind
from longarm.linking.models import ReportIdentifier, Suggestion
from longarm.linking.report_links import reports_sharing
from longarm.linking.suggestions import case_suggestions
from tests.cases.helpers import console, new_report, private_key
from tests.concurrency import InThread, postgresql_only
from tests.conftest import Cast
from tests.linking.report_helpers import Processing, arrived


def _open(cast: Cast, *reports: object, confirm: bool = True) -> str:
    data = {"reports": [str(report.public_id) for report in reports]}  # type: ignore[attr-defined]
    if confirm:
        data["confirmed"] = "yes"  # type: ignore[assignment]
    response = console(cast.caseworker).post(reverse("cases:reports_open_case"), data, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def test_a_case_opened_from_a_report_offers_its_identifiers_and_its_incident(
    cast: Cast, processing: Processing
) -> None:
    first = arrived(processing, perpetrator_wechat_ids="wxid_AbC123", language="zh-hans")
    second = arrived(processing, perpetrator_wechat_ids=" WXID_abc123 ", perpetrator_badge_numbers="No. 4711")
    response = console(cast.caseworker).post(reverse("cases:case_open", args=[first.public_id]), follow=True)
    page = response.content.decode()
    case = Case.objects.get(case_reports__report=first)

    # Suggested, not copied: no case identifier until the caseworker adds it.
    assert not Identifier.objects.filter(case=case).exists()
    assert "Identifiers the reporters typed" in page
    assert "wxid_AbC123" in page
    suggestion = ReportIdentifier.objects.get(report=first, kind=IdentifierKind.WECHAT)
    client = console(cast.caseworker)
    client.post(
        reverse("linking:suggestion_decide", args=[case.public_id, suggestion.public_id]), {"action": "add"}
    )
    suggestion.refresh_from_db()
    assert suggestion.outcome == Suggestion.ADDED
    assert Identifier.objects.filter(case=case, kind=IdentifierKind.WECHAT).count() == 1
    assert AuditEvent.objects.filter(action="suggestion.added:wechat", object_id=str(case.public_id)).exists()

    # The incident carries the coded answers at their precision.
    incident = case.incidents.get()
    assert (incident.year, incident.month, incident.day) == (2025, 3, None)
    assert incident.precision == DatePrecision.MONTH
    assert incident.host_country == "JP"
    assert incident.host_region == "JP-13"
    assert incident.actors == ["psb_local"]
    assert incident.channels == ["via_relative", "wechat"]
    assert incident.tactics
    _case, file = case_file_open(
        user=cast.caseworker, private_key=private_key(cast.caseworker), public_id=case.public_id
    )
    assert file.language == "zh-hans"

    # The other report now links to the case, and the inbox says so.
    assert [item.pk for item in reports_sharing(report=second, user=cast.caseworker).held_cases] == [case.pk]


def test_a_dismissed_suggestion_is_no_longer_offered(cast: Cast, processing: Processing) -> None:
    report = arrived(processing, perpetrator_phone_numbers="+86 138 0013 8000")
    _open(cast, report)
    case = Case.objects.get(case_reports__report=report)
    suggestion = ReportIdentifier.objects.get(report=report)
    console(cast.caseworker).post(
        reverse("linking:suggestion_decide", args=[case.public_id, suggestion.public_id]),
        {"action": "dismiss"},
    )
    assert case_suggestions(case=case, user=cast.caseworker, private_key=private_key(cast.caseworker)) == []
    assert not Identifier.objects.filter(case=case).exists()


def test_someone_who_does_not_hold_the_case_cannot_decide_its_suggestions(
    cast: Cast, processing: Processing
) -> None:
    report = arrived(processing, perpetrator_phone_numbers="+86 138 0013 8000")
    _open(cast, report)
    case = Case.objects.get(case_reports__report=report)
    suggestion = ReportIdentifier.objects.get(report=report)
    response = console(cast.outsider).post(
        reverse("linking:suggestion_decide", args=[case.public_id, suggestion.public_id]), {"action": "add"}
    )
    assert response.status_code == 404
    suggestion.refresh_from_db()
    assert suggestion.outcome == Suggestion.PENDING


def test_one_case_from_several_ticked_reports_after_a_confirmation(
    cast: Cast, processing: Processing
) -> None:
    reports = [arrived(processing, perpetrator_wechat_ids="wxid_same0") for _ in range(3)]
    page = _open(cast, *reports, confirm=False)
    assert "Open one case from these reports?" in page
    assert not CaseReport.objects.exists()

    _open(cast, *reports)
    case = Case.objects.get()
    assert set(CaseReport.objects.filter(case=case).values_list("report_id", flat=True)) == {
        report.pk for report in reports
    }
    assert case.incidents.count() == 3
    # The same WeChat ID typed in three reports is offered once.
    offered = case_suggestions(case=case, user=cast.caseworker, private_key=private_key(cast.caseworker))
    assert [item.value for item in offered] == ["wxid_same0"]
    assert AuditEvent.objects.filter(action="case.open", object_id=str(case.public_id)).count() == 1
    assert AuditEvent.objects.filter(action__startswith="case.add_report:").count() == 2


def test_the_confirmation_page_sent_as_it_is_found_opens_nothing(cast: Cast, processing: Processing) -> None:
    """A crawler submitting the page's form with its default values (every hidden field, nothing ticked)
    must not open the case: the box to tick is the one every other confirmation uses."""
    reports = [arrived(processing) for _ in range(2)]
    page = _open(cast, *reports, confirm=False)
    action = reverse("cases:reports_open_case")
    form = page[page.index(f'action="{action}"') :]
    form = form[: form.index("</form>")]
    defaults = [
        (name, value)
        for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form)
        if name != "csrfmiddlewaretoken"
    ]
    assert [name for name, _value in defaults] == ["reports", "reports"]
    assert 'name="confirmed" value="yes" required' in form
    data: dict[str, list[str]] = {}
    for name, value in defaults:
        data.setdefault(name, []).append(value)
    again = console(cast.caseworker).post(reverse("cases:reports_open_case"), data).content.decode()
    assert "Open one case from these reports?" in again
    assert not CaseReport.objects.exists()


def test_ticked_reports_are_added_to_a_case_the_reader_holds(cast: Cast, processing: Processing) -> None:
    first, second = arrived(processing), arrived(processing)
    _open(cast, first)
    case = Case.objects.get()
    client = console(cast.caseworker)
    data = {"reports": [str(second.public_id)], "case": case.reference.lower()}
    assert (
        "Add these reports to case"
        in client.post(reverse("cases:reports_add_to_case"), data).content.decode()
    )
    assert CaseReport.objects.filter(case=case).count() == 1
    added = client.post(reverse("cases:reports_add_to_case"), {**data, "confirmed": "yes"}, follow=True)
    assert CaseReport.objects.filter(case=case).count() == 2
    assert case.incidents.count() == 2
    assert f"1 report was added to case {case.reference}." in added.content.decode()


def test_reports_cannot_be_added_to_a_case_the_reader_does_not_hold(
    cast: Cast, processing: Processing
) -> None:
    first, second = arrived(processing), arrived(processing)
    _open(cast, first)
    case = Case.objects.get()
    data = {"reports": [str(second.public_id)], "case": case.reference, "confirmed": "yes"}
    # The outsider holds neither the case nor the report.
    assert console(cast.outsider).post(reverse("cases:reports_add_to_case"), data).status_code == 404
    assert CaseReport.objects.filter(case=case).count() == 1


def test_a_report_already_in_a_case_is_not_opened_again(cast: Cast, processing: Processing) -> None:
    first, second = arrived(processing), arrived(processing)
    _open(cast, first)
    page = _open(cast, first, second)
    assert "already in a case" in page
    assert Case.objects.count() == 1
    assert not CaseReport.objects.filter(report=second).exists()


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ({"year": 2024, "month": None, "day": None, "approximate": True}, (2024, None, None, "year", True)),
        ({"year": None, "month": 4, "day": 2, "approximate": False}, (None, None, None, "unknown", False)),
        ({"year": 2024, "month": 4, "day": 2, "approximate": False}, (2024, 4, 2, "day", False)),
    ],
)
def test_the_incident_date_keeps_the_reporters_precision(
    date: dict[str, object], expected: tuple[object, ...]
) -> None:
    data = incident_from_answers({"incident_date": date, "tactics": ["unknown_code"], "channels": "x"})
    assert (data.year, data.month, data.day, data.precision, data.approximate) == expected
    assert data.tactics == []
    assert data.channels == []


def test_at_most_fifty_reports_are_acted_on_at_once(cast: Cast) -> None:
    data = {"reports": [str(uuid.uuid4()) for _ in range(51)], "confirmed": "yes"}
    response = console(cast.caseworker).post(reverse("cases:reports_open_case"), data, follow=True)
    assert "Tick at most 50 reports." in response.content.decode()
    assert not Case.objects.exists()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_caseworkers_grouping_the_same_reports_at_once_get_one_case_and_a_refusal(cast: Cast) -> None:
    """The second waits for the first and is told the reports are in a case; before, both passed the check
    and the second failed on the unique constraint (a 500 under load). Opposite orders take the locks in
    one order."""
    first, second = new_report(), new_report()
    opened, release = threading.Event(), threading.Event()
    key = private_key(cast.caseworker)

    def open_and_hold() -> None:
        with transaction.atomic():
            case_open_from_reports(actor=cast.caseworker, private_key=key, reports=[first, second])
            opened.set()
            assert release.wait(20)

    holding = InThread(open_and_hold)
    assert opened.wait(20)
    racing = InThread(
        lambda: case_open_from_reports(actor=cast.caseworker, private_key=key, reports=[second, first])
    )
    racing.blocked_or_done()
    release.set()
    holding.join()
    racing.join()
    assert holding.error is None
    assert isinstance(racing.error, NotAllowed)
    assert Case.objects.count() == 1
    assert CaseReport.objects.count() == 2

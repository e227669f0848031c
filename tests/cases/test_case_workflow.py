import pytest
from django.urls import reverse

from longarm.cases.exceptions import InvalidTransition
from longarm.cases.models import ALLOWED_TRANSITIONS, Case, CaseReport, CaseStatus
from longarm.cases.services import case_change_status
from longarm.intake.models import Report
from tests.cases.helpers import console, new_report, opened_case
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def test_a_caseworker_opens_a_case_from_the_report_page(cast: Cast) -> None:
    report = new_report()
    staff = console(cast.caseworker)
    page = staff.get(reverse("cases:report", args=[report.public_id])).content.decode()
    assert reverse("cases:case_open", args=[report.public_id]) in page
    response = staff.post(reverse("cases:case_open", args=[report.public_id]))
    case = Case.objects.get()
    assert response["Location"] == reverse("cases:case", args=[case.public_id])
    assert CaseReport.objects.get().report == report
    case_page = staff.get(response["Location"]).content.decode()
    assert "reading club" in case_page
    assert case.reference in staff.get(reverse("cases:report", args=[report.public_id])).content.decode()


def test_a_report_already_in_a_case_cannot_open_a_second_one(cast: Cast) -> None:
    case = opened_case(cast)
    report = Report.objects.get()
    console(cast.caseworker).post(reverse("cases:case_open", args=[report.public_id]))
    assert list(Case.objects.all()) == [case]


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (start, target)
        for start in CaseStatus
        for target in CaseStatus
        if target in ALLOWED_TRANSITIONS[start]
    ],
)
def test_every_allowed_transition_is_taken(cast: Cast, start: CaseStatus, target: CaseStatus) -> None:
    case = opened_case(cast)
    Case.objects.filter(pk=case.pk).update(status=start)
    console(cast.caseworker).post(
        reverse("cases:case_status", args=[case.public_id]), {"status": target, "confirmed": "yes"}
    )
    case.refresh_from_db()
    assert case.status == target


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (start, target)
        for start in CaseStatus
        for target in CaseStatus
        if target not in ALLOWED_TRANSITIONS[start] and target != start
    ],
)
def test_every_other_transition_is_refused(cast: Cast, start: CaseStatus, target: CaseStatus) -> None:
    case = opened_case(cast)
    Case.objects.filter(pk=case.pk).update(status=start)
    case.refresh_from_db()
    with pytest.raises(InvalidTransition):
        case_change_status(actor=cast.caseworker, case=case, status=target)
    staff = console(cast.caseworker)
    response = staff.post(
        reverse("cases:case_status", args=[case.public_id]), {"status": target}, follow=True
    )
    assert "cannot move to that status" in response.content.decode()
    case.refresh_from_db()
    assert case.status == start


def test_the_case_page_offers_only_the_allowed_transitions(cast: Cast) -> None:
    case = opened_case(cast)
    page = console(cast.caseworker).get(reverse("cases:case", args=[case.public_id])).content.decode()
    assert 'name="status" value="triage"' in page
    assert 'name="status" value="closed"' in page
    assert 'name="status" value="referred"' not in page


def test_status_changes_appear_on_the_timeline(cast: Cast) -> None:
    case = opened_case(cast)
    staff = console(cast.caseworker)
    staff.post(reverse("cases:case_status", args=[case.public_id]), {"status": "triage"})
    page = staff.get(reverse("cases:case", args=[case.public_id])).content.decode()
    assert "Status changed to Triage" in page
    assert "Case opened" in page


def test_triage_sets_urgency_due_date_and_do_not_remove(cast: Cast) -> None:
    case = opened_case(cast)
    console(cast.caseworker).post(
        reverse("cases:case_triage", args=[case.public_id]),
        {"urgency": "critical", "due_on": "2030-01-31", "do_not_remove": "on"},
    )
    case.refresh_from_db()
    assert (case.urgency, str(case.due_on), case.do_not_remove) == ("critical", "2030-01-31", True)


def test_notes_and_summary_are_stored_encrypted_and_shown_to_members(cast: Cast) -> None:
    case = opened_case(cast)
    staff = console(cast.caseworker)
    staff.post(reverse("cases:case_note", args=[case.public_id]), {"text": "Called back, mother is safe."})
    staff.post(reverse("cases:case_summary", args=[case.public_id]), {"summary": "Pressure via the mother."})
    case.refresh_from_db()
    assert b"mother" not in bytes(case.summary_ciphertext)
    assert b"mother" not in bytes(case.notes.get().ciphertext)
    page = staff.get(reverse("cases:case", args=[case.public_id])).content.decode()
    assert "Called back, mother is safe." in page
    assert "Pressure via the mother." in page

"""The case list: critical first with an alert, filters on coded fields, full-text search over what the
reader can decrypt, and pinned query counts."""

from datetime import timedelta
from unittest.mock import patch

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from longarm.audit.models import AuditEvent
from longarm.cases.coding.services import IncidentInput, incident_create
from longarm.cases.models import Case
from longarm.cases.paging import BoundedPaginator, serial_reads, walking_the_order
from longarm.cases.selectors import CaseFilters, case_list
from longarm.cases.services import case_grant, note_add
from tests.cases.helpers import console, opened_case, private_key
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def _references(html: str, cases: list[Case]) -> list[str]:
    """The references of ``cases`` in the order the page shows them."""
    found = [(html.find(case.reference), case.reference) for case in cases if case.reference in html]
    return [reference for _, reference in sorted(found)]


def test_critical_cases_come_first_with_a_visible_alert(cast: Cast) -> None:
    normal = opened_case(cast, tactics=["asked_to_stop_activity"])
    critical = opened_case(cast, tactics=["return_imminent"])
    assert critical.urgency == "critical"
    html = console(cast.caseworker).get(reverse("cases:case_list")).content.decode()
    assert _references(html, [normal, critical]) == [critical.reference, normal.reference]
    assert 'role="alert"' in html
    assert "1 open critical case needs attention now." in html


def test_the_critical_alert_counts_up_to_a_bound_then_says_more_than(cast: Cast) -> None:
    cases = [opened_case(cast, tactics=["return_imminent"]) for _ in range(4)]
    assert all(case.urgency == "critical" for case in cases)
    with patch("longarm.cases.selectors.CRITICAL_COUNTED_UP_TO", 3):
        html = console(cast.caseworker).get(reverse("cases:case_list")).content.decode()
    assert "More than 3 open critical cases need attention now." in html
    with patch("longarm.cases.selectors.CRITICAL_COUNTED_UP_TO", 4):
        html = console(cast.caseworker).get(reverse("cases:case_list")).content.decode()
    assert "4 open critical cases need attention now." in html
    assert "More than" not in html
    # The bound is in the query: the count stops reading rows past it.
    bounded = patch("longarm.cases.selectors.CRITICAL_COUNTED_UP_TO", 3)
    with bounded, CaptureQueriesContext(connection) as seen:
        console(cast.caseworker).get(reverse("cases:case_list"))
    counts = [q["sql"] for q in seen.captured_queries if "COUNT(" in q["sql"] and "critical" in q["sql"]]
    assert counts
    assert all("LIMIT 4" in sql for sql in counts), counts


def test_the_list_orders_by_urgency_then_due_date_undated_last_then_newest(cast: Cast) -> None:
    today = timezone.now().date()
    rows = [
        ("normal", today),
        ("high", None),
        ("critical", None),
        ("high", today + timedelta(days=3)),
        ("critical", today + timedelta(days=9)),
        ("normal", None),
        ("normal", None),
        ("high", today + timedelta(days=1)),
    ]
    cases = []
    for urgency, due_on in rows:
        case = opened_case(cast)
        Case.objects.filter(pk=case.pk).update(urgency=urgency, due_on=due_on)
        cases.append(case)
    expected = [cases[i].reference for i in (4, 2, 7, 3, 1, 0, 6, 5)]
    html = console(cast.caseworker).get(reverse("cases:case_list")).content.decode()
    assert _references(html, cases) == expected
    listed = case_list(user=cast.caseworker, filters=CaseFilters())
    assert [case.reference for case in listed] == expected


def test_no_alert_without_open_critical_cases(cast: Cast) -> None:
    opened_case(cast, tactics=["asked_to_stop_activity"])
    html = console(cast.caseworker).get(reverse("cases:case_list")).content.decode()
    assert 'role="alert"' not in html


def test_only_cases_whose_key_is_sealed_to_the_reader_are_listed(cast: Cast) -> None:
    mine = opened_case(cast)
    html = console(cast.outsider).get(reverse("cases:case_list")).content.decode()
    assert mine.reference not in html


@pytest.mark.parametrize(
    ("query", "matches"),
    [
        ({"status": "triage"}, {"b"}),
        ({"urgency": "critical"}, {"b"}),
        ({"community": "uyghur"}, {"b"}),
        ({"community": "southern_mongolian"}, {"a"}),
        ({"host_country": "GB"}, {"b"}),
        ({"host_country": "DE"}, {"a"}),
        ({"tactic": "coerced_return"}, {"b"}),
        ({"tactic": "digital_attack"}, {"a"}),
        ({"mine": "on"}, {"a"}),
        ({"due_soon": "on"}, {"a"}),
        ({"status": "triage", "community": "southern_mongolian"}, set()),
    ],
)
def test_filters_on_coded_fields(cast: Cast, query: dict[str, str], matches: set[str]) -> None:
    a = opened_case(cast, tactics=["asked_to_stop_activity"])
    b = opened_case(cast, tactics=["return_imminent"], community="uyghur", host_country="GB", host_region="")
    key = private_key(cast.caseworker)
    incident_create(
        actor=cast.caseworker,
        private_key=key,
        case=a,
        data=IncidentInput(description="x", tactics=["digital_attack"], host_country="DE"),
    )
    case_grant(actor=cast.caseworker, private_key=key, case=b, grantee=cast.other_caseworker)
    # ``mine``: the other caseworker holds b only by assignment; the caseworker opened both.
    Case.objects.filter(pk=b.pk).update(status="triage")
    Case.objects.filter(pk=a.pk).update(due_on=timezone.now().date() + timedelta(days=2))
    b.assignments.filter(staff=cast.caseworker).delete()
    html = console(cast.caseworker).get(reverse("cases:case_list"), query).content.decode()
    shown = {name for name, case in (("a", a), ("b", b)) if case.reference in html}
    assert shown == matches


def test_an_invalid_filter_value_is_reported_and_the_other_filters_still_apply(cast: Cast) -> None:
    critical = opened_case(cast, tactics=["return_imminent"])
    normal = opened_case(cast, tactics=["asked_to_stop_activity"])
    response = console(cast.caseworker).get(
        reverse("cases:case_list"), {"status": "bogus", "urgency": "critical"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="error-summary" role="alert"' in html
    assert "This is not one of the choices, so this filter was not applied." in html
    assert critical.reference in html
    assert normal.reference not in html
    html = console(cast.caseworker).get(reverse("cases:case_list"), {"urgency": "critical"}).content.decode()
    assert "error-summary" not in html


def test_search_finds_decrypted_text_only_in_cases_the_reader_holds(cast: Cast) -> None:
    own = opened_case(cast, what_happened="They asked about the Mongolian reading circle.")
    other = opened_case(cast, what_happened="Nothing relevant here.")
    note_add(
        actor=cast.caseworker, private_key=private_key(cast.caseworker), case=other, text="Reading CIRCLE too"
    )
    hidden = opened_case(cast, what_happened="Another reading circle.")
    hidden.keys.filter(staff=cast.caseworker).delete()
    html = console(cast.caseworker).get(reverse("cases:case_list"), {"q": "reading circle"}).content.decode()
    assert own.reference in html
    assert other.reference in html
    assert hidden.reference not in html
    assert "2 cases match" in html
    html = console(cast.caseworker).get(reverse("cases:case_list"), {"q": "pension"}).content.decode()
    assert "0 cases match" in html


def test_search_combines_with_the_filters(cast: Cast) -> None:
    critical = opened_case(cast, tactics=["return_imminent"], what_happened="Told to come home by May.")
    normal = opened_case(cast, tactics=["asked_to_stop_activity"], what_happened="Told to stop by May.")
    html = (
        console(cast.caseworker).get(reverse("cases:case_list"), {"q": "may", "urgency": "critical"}).content
    )
    assert critical.reference in html.decode()
    assert normal.reference not in html.decode()


def test_a_search_is_audited_with_each_case_it_revealed(cast: Cast) -> None:
    case = opened_case(cast, what_happened="A unique phrase here.")
    console(cast.caseworker).get(reverse("cases:case_list"), {"q": "unique phrase"})
    assert AuditEvent.objects.filter(action="case.read:search", object_id=str(case.public_id)).exists()
    assert AuditEvent.objects.filter(action__startswith="case.search:", actor=cast.caseworker).exists()


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"tactic": "threat_direct", "mine": "on"},
        {"host_country": "JP", "community": "southern_mongolian", "status": "new", "due_soon": "on"},
        {"page": "2"},
    ],
)
def test_the_case_list_query_count_does_not_grow_with_the_cases(
    cast: Cast, query: dict[str, str], django_assert_max_num_queries: pytest.FixtureRequest
) -> None:
    for _ in range(6):
        opened_case(cast)
    Case.objects.update(due_on=timezone.now().date())
    staff = console(cast.caseworker)
    # Session, user, device; the header's unread count (two parts); the critical count; the ids of the page
    # and a few ahead, the page's rows, their report counts; on PostgreSQL, the savepoint and setting of
    # ``serial_reads``, and past the first page the join settings of ``walking_the_order`` and their reset.
    on_postgresql = 3 + (2 if query.get("page") else 0) if connection.vendor == "postgresql" else 0
    with (
        patch("longarm.cases.casework.views.PAGE_SIZE", 4),
        django_assert_max_num_queries(9 + on_postgresql),  # type: ignore[operator]
    ):
        response = staff.get(reverse("cases:case_list"), query)
    assert response.status_code == 200
    # Each row shows its number of reports, counted for the page alone.
    assert response.content.decode().count("<td>1</td>") == (2 if query.get("page") else 4)


def test_the_search_query_count_does_not_grow_with_the_cases(
    cast: Cast, django_assert_max_num_queries: pytest.FixtureRequest
) -> None:
    for _ in range(6):
        case = opened_case(cast)
        note_add(actor=cast.caseworker, private_key=private_key(cast.caseworker), case=case, text="club")
    staff = console(cast.caseworker)
    # The first search builds the reader's index: its reads come by batches of cases, not one per case. On
    # PostgreSQL, the builders' lock of the reader: a savepoint, the advisory lock, the release.
    builders_lock = 3 if connection.vendor == "postgresql" else 0
    with django_assert_max_num_queries(31 + 6 * 5 + builders_lock):  # type: ignore[operator]
        assert staff.get(reverse("cases:case_list"), {"q": "club"}).status_code == 200
    # Then fixed reads (the deltas and keys since, the header's unread count), plus one audit event per case
    # revealed (a savepoint, the chain's locked head, the event).
    with django_assert_max_num_queries(21 + 6 * 5):  # type: ignore[operator]
        assert staff.get(reverse("cases:case_list"), {"q": "club"}).status_code == 200


def test_pages_follow_the_list_order_and_count_only_a_few_pages_ahead(cast: Cast) -> None:
    cases = [opened_case(cast) for _ in range(6)]
    Case.objects.update(urgency="normal")
    Case.objects.filter(pk=cases[4].pk).update(urgency="critical")
    expected = [case.reference for case in case_list(user=cast.caseworker, filters=CaseFilters())]
    assert expected[0] == cases[4].reference
    staff = console(cast.caseworker)
    shown, pages = [], []
    with patch("longarm.cases.casework.views.PAGE_SIZE", 2), patch("longarm.cases.paging.PAGES_AHEAD", 1):
        for number in (1, 2, 3):
            html = staff.get(reverse("cases:case_list"), {"page": number}).content.decode()
            shown += _references(html, cases)
            pages.append(html)
        past_the_end = staff.get(reverse("cases:case_list"), {"page": 9}).content.decode()
    assert shown == expected
    assert "Page 1 of at least 3" in pages[0]
    assert "Page 3 of 3" in pages[2]
    assert "Page 3 of 3" in past_the_end
    assert _references(past_the_end, cases) == expected[4:]


def _planner(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s)", [name])
        return str(cursor.fetchone()[0])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="planner settings are PostgreSQL's")
def test_a_deep_pages_join_settings_end_with_its_id_query(cast: Cast) -> None:
    """Hash and merge joins are off for the query reading a deep page's ids, not for what the transaction
    reads after it."""
    for _ in range(3):
        opened_case(cast)
    with transaction.atomic():
        with walking_the_order(deep=True):
            assert (_planner("enable_hashjoin"), _planner("enable_mergejoin")) == ("off", "off")
        assert (_planner("enable_hashjoin"), _planner("enable_mergejoin")) == ("on", "on")
    with serial_reads():
        page = BoundedPaginator(case_list(user=cast.caseworker, filters=CaseFilters()), 1, number=2).get_page(
            2
        )
        assert len(page.object_list) == 1
        assert (_planner("enable_hashjoin"), _planner("enable_mergejoin")) == ("on", "on")

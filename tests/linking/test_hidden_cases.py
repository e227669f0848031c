"""What a staff member learns of a linked case they do not hold (issue 11 item 5, threat model §5.3): a count
for a strong or confirmed link and nothing else — not through the case page, an access request, the cluster
page, its picture, its export or the API; and nothing at all for a name match nobody confirmed."""

import csv
import io
import json
import re

import pytest
from django.urls import reverse

from longarm.accounts.models import StaffUser
from longarm.cases.models import Case, CaseStatus
from longarm.cases.selectors import case_keys
from longarm.cases.services import case_grant
from longarm.intake.models import Report, Urgency
from longarm.linking.models import AccessRequest, Decision
from longarm.linking.picture import cluster_picture
from longarm.linking.selectors import cluster_of, hidden_linked_cases, identifier_links
from longarm.linking.services import link_review
from tests.api.helpers import api_headers
from tests.cases.helpers import console, private_key
from tests.conftest import Cast
from tests.linking.match_helpers import add, case_held_by

# Coded fields given to the hidden case, none of which any case of the reader has.
HIDDEN_YEAR = 1987
HIDDEN_TACTIC = "probe_canary_tactic"
HIDDEN_COUNTRY = "ZQZQZQ"
HIDDEN_COMMUNITY = "probe_canary_community"
# The year as a value of its own, not four digits inside a UUID or a token.
_HIDDEN_YEAR = re.compile(rf"(?<![0-9A-Za-z-]){HIDDEN_YEAR}(?![0-9A-Za-z-])")


def _hide_coded_fields(case: Case) -> None:
    """Give ``case`` coded fields that appear nowhere else, so that any leak of them can be seen."""
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.REFERRED, urgency=Urgency.NORMAL)
    Report.objects.filter(case_link__case=case).update(
        incident_year=HIDDEN_YEAR,
        tactic_codes=[HIDDEN_TACTIC],
        host_country=HIDDEN_COUNTRY,
        community=HIDDEN_COMMUNITY,
    )


def _assert_nothing_of(text: str, hidden: Case) -> None:
    assert not _HIDDEN_YEAR.search(text)
    assert HIDDEN_TACTIC not in text
    assert HIDDEN_COMMUNITY not in text
    assert HIDDEN_COUNTRY not in text
    assert hidden.reference not in text
    assert str(hidden.public_id) not in text
    for report in Report.objects.filter(case_link__case=hidden):
        assert str(report.public_id) not in text
        assert report.reference not in text


@pytest.mark.parametrize(
    ("kind", "mine", "theirs"),
    [("name", "Wang Wei", "wang-wei"), ("organisation", "上海市公安局", "上海市公安局")],
)
def test_an_unconfirmed_weak_match_to_a_case_the_reader_does_not_hold_shows_nothing(
    cast: Cast, kind: str, mine: str, theirs: str
) -> None:
    my_case, their_case = case_held_by(cast), case_held_by(cast, cast.other_caseworker)
    identifier = add(my_case, cast.caseworker, kind, mine)
    add(their_case, cast.other_caseworker, kind, theirs)
    assert hidden_linked_cases(identifier=identifier, user=cast.caseworker) == set()
    assert identifier.pk not in identifier_links(case=my_case, user=cast.caseworker)
    page = console(cast.caseworker).get(reverse("cases:case", args=[my_case.public_id])).content.decode()
    assert "seen in" not in page
    assert "not yours" not in page
    assert "Ask for access" not in page
    # The holder of both sides still sees the suggestion.
    assert identifier_links(case=their_case, user=cast.other_caseworker) == {}
    both = case_held_by(cast, cast.other_caseworker)
    again = add(both, cast.other_caseworker, kind, mine)
    assert identifier_links(case=both, user=cast.other_caseworker)[again.pk].strength == "weak"


def _shared_by_two(cast: Cast) -> tuple[Case, Case, StaffUser]:
    """``mine`` (the caseworker's, also held by the other caseworker) and ``theirs`` (the other's alone)."""
    mine = case_held_by(cast)
    case_grant(
        actor=cast.caseworker,
        private_key=private_key(cast.caseworker),
        case=mine,
        grantee=cast.other_caseworker,
    )
    return mine, case_held_by(cast, cast.other_caseworker), cast.other_caseworker


def test_a_weak_match_is_counted_once_a_holder_of_both_cases_confirmed_it(cast: Cast) -> None:
    mine, theirs, holder = _shared_by_two(cast)
    name = add(mine, cast.caseworker, "name", "Li Na")
    theirs_name = add(theirs, holder, "name", "li na")
    assert name.pk not in identifier_links(case=mine, user=cast.caseworker)
    link_review(actor=holder, identifier=theirs_name, other=mine, decision=Decision.CONFIRMED)
    links = identifier_links(case=mine, user=cast.caseworker)[name.pk]
    assert (links.hidden_count, links.held) == (1, [])
    assert hidden_linked_cases(identifier=name, user=cast.caseworker) == {theirs.pk}


def test_a_strong_match_to_a_case_the_reader_does_not_hold_is_counted(cast: Cast) -> None:
    mine, theirs = case_held_by(cast), case_held_by(cast, cast.other_caseworker)
    phone = add(mine, cast.caseworker, "phone", "+86 138 0013 8000")
    add(theirs, cast.other_caseworker, "phone", "008613800138000")
    assert identifier_links(case=mine, user=cast.caseworker)[phone.pk].hidden_count == 1
    assert hidden_linked_cases(identifier=phone, user=cast.caseworker) == {theirs.pk}


def test_asking_for_access_through_an_unconfirmed_name_match_asks_for_nothing(cast: Cast) -> None:
    mine, theirs = case_held_by(cast), case_held_by(cast, cast.other_caseworker)
    name = add(mine, cast.caseworker, "name", "Zhang San")
    add(theirs, cast.other_caseworker, "name", "zhang san")
    response = console(cast.caseworker).post(
        reverse("linking:access_request_new", args=[mine.public_id, name.public_id]), follow=True
    )
    assert not AccessRequest.objects.exists()
    page = response.content.decode()
    assert "There is no linked case to ask for." in page
    assert "linked case." not in page.replace("There is no linked case to ask for.", "")


def _cluster_across(cast: Cast) -> tuple[Case, Case, Case]:
    """``first`` and ``second`` held by the caseworker, joined only through ``hidden``, which they do not
    hold: a phone links the first to it, a badge links it to the second."""
    first, second = case_held_by(cast), case_held_by(cast)
    hidden = case_held_by(cast, cast.other_caseworker)
    add(first, cast.caseworker, "phone", "+86 138 0013 8000")
    add(hidden, cast.other_caseworker, "phone", "+8613800138000")
    add(hidden, cast.other_caseworker, "badge", "424242")
    add(second, cast.caseworker, "badge", "424242")
    _hide_coded_fields(hidden)
    return first, second, hidden


def test_the_cluster_page_lists_only_the_cases_the_reader_holds(cast: Cast) -> None:
    first, second, hidden = _cluster_across(cast)
    page = console(cast.caseworker).get(reverse("linking:cluster", args=[first.public_id])).content.decode()
    _assert_nothing_of(page, hidden)
    assert "Referred" not in page
    assert first.reference in page
    assert second.reference in page
    assert "2 reports" in page
    assert "The cluster also holds 1 case you do not hold" in page
    assert page.count("<circle") == 2
    # Neither link runs between two cases the reader holds, so none is drawn or listed.
    assert "<line" not in page
    assert "No two cases of this cluster that you hold share an identifier directly." in page


def test_the_cluster_export_lists_only_the_cases_the_reader_holds(cast: Cast) -> None:
    first, _second, hidden = _cluster_across(cast)
    response = console(cast.caseworker).get(reverse("linking:cluster_export", args=[first.public_id]))
    text = response.content.decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 3
    _assert_nothing_of(text, hidden)
    assert [row[1:3] for row in rows[1:]] == [["new", "high"]] * 2
    assert "referred" not in text
    assert "normal" not in text


def test_the_cluster_selector_and_picture_hold_only_held_cases_and_a_count(cast: Cast) -> None:
    first, second, _hidden = _cluster_across(cast)
    key = private_key(cast.caseworker)
    cluster = cluster_of(
        case=first,
        user=cast.caseworker,
        keys_for=lambda case: case_keys(case=case, user=cast.caseworker, private_key=key),
    )
    assert [row.case for row in cluster.cases] == [first, second]
    assert [row.number for row in cluster.cases] == [1, 2]
    assert cluster.hidden_count == 1
    assert cluster.edges == []
    assert cluster.headline_value is not None
    assert all(HIDDEN_YEAR not in row.years for row in cluster.cases)
    assert (cluster.first_year, cluster.last_year) != (HIDDEN_YEAR, HIDDEN_YEAR)
    picture = cluster_picture(cluster, labels={})
    assert [node.number for node in picture.nodes] == [1, 2]
    assert picture.lines == []


def test_a_reader_holding_every_case_sees_the_whole_cluster(cast: Cast) -> None:
    first, second = case_held_by(cast), case_held_by(cast)
    add(first, cast.caseworker, "qq", "10001")
    add(second, cast.caseworker, "qq", "10001")
    page = console(cast.caseworker).get(reverse("linking:cluster", args=[first.public_id])).content.decode()
    assert page.count("<circle") == 2
    assert page.count("<line") == 1
    assert "The cluster also holds" not in page


def test_the_api_tells_nothing_of_a_linked_case_the_reader_does_not_hold(cast: Cast) -> None:
    first, _second, hidden = _cluster_across(cast)
    report = Report.objects.filter(case_link__case=first).get()
    client = console(cast.caseworker)
    headers = api_headers(cast.caseworker)
    urls = [
        "/api/cases",
        f"/api/cases/{first.public_id}",
        f"/api/cases/{first.public_id}/incidents",
        f"/api/cases/{first.public_id}/persons",
        f"/api/cases/{first.public_id}/referrals",
        "/api/search?q=a",
        "/api/reports",
        f"/api/reports/{report.public_id}",
        f"/api/reports/{report.public_id}/messages",
        f"/api/cases/{first.public_id}/identifiers",
        f"/api/cases/{first.public_id}/identifiers/{first.identifiers.get().public_id}",
        f"/api/cases/{first.public_id}/cluster",
        f"/api/reports/{report.public_id}/identifiers",
        f"/api/reports/{report.public_id}/links",
    ]
    for url in urls:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, url
        _assert_nothing_of(response.content.decode(), hidden)
    assert client.get(f"/api/cases/{hidden.public_id}", headers=headers).status_code == 404


def test_the_api_offers_no_linking_operation_these_tests_do_not_cover(cast: Cast) -> None:
    # A linking or cluster endpoint added to the API must first be covered by the test above.
    schema = json.loads(console(cast.caseworker).get("/api/openapi.json").content)
    assert {
        path for path in schema["paths"] if "link" in path or "cluster" in path or "identifier" in path
    } == {
        "/api/cases/{public_id}/identifiers",
        "/api/cases/{public_id}/identifiers/{identifier_id}",
        "/api/cases/{public_id}/cluster",
        "/api/reports/{public_id}/identifiers",
        "/api/reports/{public_id}/links",
    }

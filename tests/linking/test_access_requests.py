from django.urls import reverse

from longarm.audit.models import AuditEvent
from longarm.cases.keys import has_case_key
from longarm.cases.models import Case, CaseKeyKind, Identifier
from longarm.linking.models import AccessRequest, RequestStatus
from longarm.linking.selectors import identifier_links
from tests.cases.helpers import console
from tests.conftest import Cast
from tests.linking.match_helpers import add, case_held_by


def _ask(cast: Cast) -> tuple[Case, Case, Identifier]:
    mine, theirs = case_held_by(cast), case_held_by(cast, cast.other_caseworker)
    phone = add(mine, cast.caseworker, "phone", "+86 138 0013 8000")
    add(theirs, cast.other_caseworker, "phone", "+8613800138000")
    response = console(cast.caseworker).post(
        reverse("linking:access_request_new", args=[mine.public_id, phone.public_id])
    )
    assert response.status_code == 302
    return mine, theirs, phone


def test_asking_for_access_reaches_the_holders_without_telling_the_requester_the_case(cast: Cast) -> None:
    mine, theirs, phone = _ask(cast)
    request = AccessRequest.objects.get()
    assert (request.case, request.requester, request.status) == (
        theirs,
        cast.caseworker,
        RequestStatus.PENDING,
    )
    assert identifier_links(case=mine, user=cast.caseworker)[phone.pk].request_pending
    page = console(cast.caseworker).get(reverse("cases:case", args=[mine.public_id])).content.decode()
    assert "Access requested." in page
    assert theirs.reference not in page
    holder = console(cast.other_caseworker)
    assert theirs.reference in holder.get(reverse("linking:requests")).content.decode()
    assert (
        "1 colleague asks for access"
        in holder.get(reverse("cases:case", args=[theirs.public_id])).content.decode()
    )
    assert AuditEvent.objects.filter(action="access_request.create", object_id=str(theirs.public_id)).exists()


def test_asking_twice_makes_one_request(cast: Cast) -> None:
    mine, _theirs, phone = _ask(cast)
    console(cast.caseworker).post(
        reverse("linking:access_request_new", args=[mine.public_id, phone.public_id])
    )
    assert AccessRequest.objects.count() == 1


def test_granting_reseals_the_case_to_the_requester(cast: Cast) -> None:
    mine, theirs, phone = _ask(cast)
    request = AccessRequest.objects.get()
    console(cast.other_caseworker).post(
        reverse("linking:request_decide", args=[request.pk]), {"decision": "grant"}
    )
    request.refresh_from_db()
    assert request.status == RequestStatus.GRANTED
    assert request.decided_by == cast.other_caseworker
    assert has_case_key(case=theirs, kind=CaseKeyKind.DATA, staff=cast.caseworker)
    assert console(cast.caseworker).get(reverse("cases:case", args=[theirs.public_id])).status_code == 200
    assert [linked.case for linked in identifier_links(case=mine, user=cast.caseworker)[phone.pk].held] == [
        theirs
    ]
    assert AuditEvent.objects.filter(action=f"case.grant:{cast.caseworker.pk}").exists()
    assert AuditEvent.objects.filter(action=f"access_request.granted:{cast.caseworker.pk}").exists()


def test_declining_gives_nothing(cast: Cast) -> None:
    _mine, theirs, _phone = _ask(cast)
    request = AccessRequest.objects.get()
    console(cast.other_caseworker).post(
        reverse("linking:request_decide", args=[request.pk]), {"decision": "decline"}
    )
    request.refresh_from_db()
    assert request.status == RequestStatus.DECLINED
    assert not has_case_key(case=theirs, kind=CaseKeyKind.DATA, staff=cast.caseworker)
    assert AuditEvent.objects.filter(action=f"access_request.declined:{cast.caseworker.pk}").exists()


def test_only_holders_of_the_case_can_decide(cast: Cast) -> None:
    _ask(cast)
    request = AccessRequest.objects.get()
    response = console(cast.investigator).post(
        reverse("linking:request_decide", args=[request.pk]), {"decision": "grant"}
    )
    assert response.status_code == 404
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING
    assert (
        "No requests are waiting."
        in console(cast.caseworker).get(reverse("linking:requests")).content.decode()
    )


def test_there_is_nothing_to_ask_for_without_a_hidden_linked_case(cast: Cast) -> None:
    mine = case_held_by(cast)
    phone = add(mine, cast.caseworker, "phone", "+8613800138000")
    console(cast.caseworker).post(
        reverse("linking:access_request_new", args=[mine.public_id, phone.public_id])
    )
    assert not AccessRequest.objects.exists()

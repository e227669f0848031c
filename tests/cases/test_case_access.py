import pytest
from django.test import Client
from django.urls import reverse

from longarm.cases.coding.services import (
    IncidentInput,
    PersonInput,
    identifier_add,
    incident_create,
    person_create,
)
from longarm.cases.exceptions import NoAccess
from longarm.cases.keys import open_case_key, open_report_key
from longarm.cases.models import CaseKeyKind, Identifier, IdentifierKind, Incident, Person, PersonRole
from longarm.cases.services import case_grant
from longarm.intake.models import KeyKind, Report
from longarm.intake.selectors import report_content
from tests.cases.helpers import console, opened_case, private_key
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def test_granting_seals_the_case_and_its_reports_to_the_colleague(cast: Cast) -> None:
    case = opened_case(cast)
    report = Report.objects.get()
    colleague = cast.other_caseworker
    with pytest.raises(NoAccess):
        open_case_key(case=case, kind=CaseKeyKind.DATA, staff=colleague, private_key=private_key(colleague))
    console(cast.caseworker).post(
        reverse("cases:case_grant", args=[case.public_id]), {"grantee": colleague.pk}
    )
    open_case_key(case=case, kind=CaseKeyKind.DATA, staff=colleague, private_key=private_key(colleague))
    report_key = open_report_key(
        report=report, kind=KeyKind.DATA, staff=colleague, private_key=private_key(colleague)
    )
    assert "reading club" in report_content(report=report, data_key=report_key)["what_happened"]
    page = console(colleague).get(reverse("cases:case", args=[case.public_id]))
    assert page.status_code == 200
    assert "reading club" in page.content.decode()


def test_revoking_removes_the_seals_so_the_colleague_can_no_longer_decrypt(cast: Cast) -> None:
    case = opened_case(cast)
    report = Report.objects.get()
    colleague = cast.investigator
    case_grant(actor=cast.caseworker, private_key=private_key(cast.caseworker), case=case, grantee=colleague)
    console(cast.caseworker).post(reverse("cases:case_revoke", args=[case.public_id, colleague.pk]))
    with pytest.raises(NoAccess):
        open_case_key(case=case, kind=CaseKeyKind.DATA, staff=colleague, private_key=private_key(colleague))
    with pytest.raises(NoAccess):
        open_report_key(report=report, kind=KeyKind.DATA, staff=colleague, private_key=private_key(colleague))
    assert console(colleague).get(reverse("cases:case", args=[case.public_id])).status_code == 404


def test_access_cannot_be_granted_to_roles_that_read_no_content(cast: Cast) -> None:
    case = opened_case(cast)
    staff = console(cast.caseworker)
    for member in (cast.analyst, cast.admin, cast.operator, cast.custodian):
        staff.post(reverse("cases:case_grant", args=[case.public_id]), {"grantee": member.pk})
        assert not case.keys.filter(kind=CaseKeyKind.DATA, staff=member).exists()


def test_nobody_can_revoke_their_own_access(cast: Cast) -> None:
    case = opened_case(cast)
    console(cast.caseworker).post(reverse("cases:case_revoke", args=[case.public_id, cast.caseworker.pk]))
    assert case.keys.filter(kind=CaseKeyKind.DATA, staff=cast.caseworker).exists()


def _case_urls(cast: Cast) -> list[tuple[str, dict[str, str]]]:
    case = opened_case(cast)
    key = private_key(cast.caseworker)
    incident_create(actor=cast.caseworker, private_key=key, case=case, data=IncidentInput(description="x"))
    person_create(
        actor=cast.caseworker,
        private_key=key,
        case=case,
        data=PersonInput(role=PersonRole.PERPETRATOR, label="P"),
    )
    identifier_add(actor=cast.caseworker, private_key=key, case=case, kind=IdentifierKind.PHONE, value="1")
    c = case.public_id
    report = Report.objects.get().public_id
    incident, person = Incident.objects.get().public_id, Person.objects.get().public_id
    identifier = Identifier.objects.get().public_id
    return [
        (reverse("cases:case", args=[c]), {}),
        (reverse("cases:case_status", args=[c]), {"status": "triage"}),
        (reverse("cases:case_triage", args=[c]), {"urgency": "high"}),
        (reverse("cases:case_summary", args=[c]), {"summary": "x"}),
        (reverse("cases:case_note", args=[c]), {"text": "x"}),
        (reverse("cases:case_grant", args=[c]), {"grantee": str(cast.outsider.pk)}),
        (reverse("cases:case_revoke", args=[c, cast.caseworker.pk]), {}),
        (reverse("cases:case_merge", args=[c]), {}),
        (reverse("cases:case_split", args=[c, report]), {}),
        (reverse("cases:incident_new", args=[c]), {}),
        (reverse("cases:incident_edit", args=[c, incident]), {}),
        (reverse("cases:person_new", args=[c]), {}),
        (reverse("cases:person_edit", args=[c, person]), {}),
        (reverse("cases:identifier_new", args=[c]), {"kind": "phone", "value": "2"}),
        (reverse("cases:identifier_delete", args=[c, identifier]), {}),
        (reverse("cases:case_open", args=[report]), {}),
    ]


def test_a_caseworker_who_holds_no_key_gets_not_found_everywhere(cast: Cast) -> None:
    urls = _case_urls(cast)
    outsider = console(cast.outsider)
    for url, data in urls:
        assert outsider.post(url, data).status_code == 404, url
        if not url.endswith(("/open-case/", "/status/", "/triage/", "/summary/", "/notes/", "/members/")):
            assert outsider.get(url).status_code in {404, 405}, url
    assert Incident.objects.count() == Person.objects.count() == Identifier.objects.count() == 1


@pytest.mark.parametrize("role", ["analyst", "custodian", "operator", "admin"])
def test_roles_without_case_content_are_refused_every_case_url(cast: Cast, role: str) -> None:
    urls = _case_urls(cast)
    staff = console(getattr(cast, role))
    assert staff.get(reverse("cases:case_list")).status_code == 403
    for url, data in urls:
        assert staff.post(url, data).status_code == 403, url


def test_the_case_list_requires_login(cast: Cast) -> None:
    response = console(cast.caseworker).get(reverse("cases:case_list"))
    assert response.status_code == 200
    assert Client().get(reverse("cases:case_list")).status_code == 302

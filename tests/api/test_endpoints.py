import pytest
from django.test import Client

from longarm.audit.models import AuditEvent
from longarm.cases.services import case_open
from longarm.intake.models import Message, Report
from tests.api.helpers import api_headers, private_key_of
from tests.conftest import Cast
from tests.intake.helpers import submit_report

pytestmark = pytest.mark.django_db


def test_the_report_list_holds_coded_fields_only(cast: Cast) -> None:
    submit_report(Client())
    response = Client().get("/api/reports", headers=api_headers(cast.caseworker))
    assert response.status_code == 200
    [item] = response.json()["results"]
    assert item["public_id"] == str(Report.objects.get().public_id)
    assert "reading club" not in response.content.decode()


def test_a_report_is_decrypted_for_its_reader_and_the_read_is_audited(cast: Cast) -> None:
    submit_report(Client())
    report = Report.objects.get()
    response = Client().get(f"/api/reports/{report.public_id}", headers=api_headers(cast.caseworker))
    assert response.status_code == 200
    body = response.content.decode()
    assert "reading club" in body
    assert "Hohhot" not in body  # the identity key is not the caseworker's
    assert AuditEvent.objects.filter(
        action="report.read", actor=cast.caseworker, object_id=str(report.public_id)
    ).exists()


def test_a_report_not_sealed_to_the_caller_is_not_found(cast: Cast) -> None:
    submit_report(Client())
    report = Report.objects.get()
    response = Client().get(f"/api/reports/{report.public_id}", headers=api_headers(cast.outsider))
    assert response.status_code == 404
    assert Client().get("/api/reports", headers=api_headers(cast.outsider)).json()["results"] == []


def test_a_reply_through_the_api_reaches_the_thread(cast: Cast) -> None:
    submit_report(Client())
    report = Report.objects.get()
    headers = api_headers(cast.caseworker)
    url = f"/api/reports/{report.public_id}/messages"
    response = Client().post(
        url, {"text": "We have read your report."}, content_type="application/json", headers=headers
    )
    assert response.status_code == 201
    assert b"We have read" not in bytes(Message.objects.get().ciphertext)
    thread = Client().get(url, headers=headers).json()["results"]
    assert [item["text"] for item in thread] == ["We have read your report."]


def test_cases_are_listed_filtered_and_opened_for_members_only(cast: Cast) -> None:
    submit_report(Client())
    case = case_open(
        actor=cast.caseworker,
        private_key=private_key_of(cast.caseworker),
        report=Report.objects.get(),
        summary="Pressure on a reading club",
    )
    headers = api_headers(cast.caseworker)
    assert [item["reference"] for item in Client().get("/api/cases", headers=headers).json()["results"]] == [
        case.reference
    ]
    assert Client().get("/api/cases?status=closed", headers=headers).json()["results"] == []
    detail = Client().get(f"/api/cases/{case.public_id}", headers=headers).json()
    assert detail["summary"] == "Pressure on a reading club"
    assert detail["report_ids"] == [str(Report.objects.get().public_id)]
    assert AuditEvent.objects.filter(action="case.read", object_id=str(case.public_id)).exists()
    for part in ("incidents", "persons", "referrals"):
        assert Client().get(f"/api/cases/{case.public_id}/{part}", headers=headers).json()["results"] == []
    outsider = api_headers(cast.outsider)
    assert Client().get(f"/api/cases/{case.public_id}", headers=outsider).status_code == 404
    assert Client().get("/api/cases", headers=outsider).json()["results"] == []


def test_search_finds_what_the_caller_can_read_and_is_audited(cast: Cast) -> None:
    submit_report(Client())
    report = Report.objects.get()
    case = case_open(
        actor=cast.caseworker,
        private_key=private_key_of(cast.caseworker),
        report=report,
        summary="Zither club",
    )
    found = Client().get("/api/search", {"q": "zither"}, headers=api_headers(cast.caseworker)).json()
    assert [hit["case"]["public_id"] for hit in found["results"]] == [str(case.public_id)]
    assert AuditEvent.objects.filter(action="case.read:search", object_id=str(case.public_id)).exists()
    nothing = Client().get("/api/search", {"q": "zither"}, headers=api_headers(cast.outsider)).json()
    assert nothing["results"] == []


def test_the_openapi_schema_is_served(db: None) -> None:
    schema = Client().get("/api/openapi.json").json()
    assert "/api/reports/{public_id}" in schema["paths"]
    assert schema["components"]["securitySchemes"]


def test_incidents_and_persons_are_decrypted_for_members(cast: Cast) -> None:
    from longarm.cases.coding.services import IncidentInput, PersonInput, incident_create, person_create
    from longarm.cases.models import PersonRole

    submit_report(Client())
    key = private_key_of(cast.caseworker)
    case = case_open(actor=cast.caseworker, private_key=key, report=Report.objects.get())
    incident_create(
        actor=cast.caseworker,
        private_key=key,
        case=case,
        data=IncidentInput(year=2025, month=3, tactics=["threats_to_family"], description="A call at night"),
    )
    person_create(
        actor=cast.caseworker,
        private_key=key,
        case=case,
        data=PersonInput(
            role=PersonRole.PERPETRATOR,
            label="Officer 1",
            details={"agency": "PSB"},
        ),
    )
    headers = api_headers(cast.caseworker)
    [incident] = Client().get(f"/api/cases/{case.public_id}/incidents", headers=headers).json()["results"]
    assert incident["description"] == "A call at night"
    assert incident["tactics"] == ["threats_to_family"]
    [person] = Client().get(f"/api/cases/{case.public_id}/persons", headers=headers).json()["results"]
    assert (person["label"], person["details"]) == ("Officer 1", {"agency": "PSB"})
    outsider = Client().get(f"/api/cases/{case.public_id}/persons", headers=api_headers(cast.outsider))
    assert outsider.status_code == 404


def test_every_list_pages_with_a_total_and_links_that_keep_the_filters(cast: Cast) -> None:
    for _ in range(3):
        submit_report(Client())
    headers = api_headers(cast.caseworker)
    first = Client().get("/api/reports", {"status": "received", "limit": 2}, headers=headers).json()
    assert first["count"] == 3
    assert first["previous"] is None
    assert len(first["results"]) == 2
    assert first["next"].startswith("/api/reports?")
    assert "status=received" in first["next"]
    second = Client().get(first["next"], headers=headers).json()
    assert [len(second["results"]), second["next"]] == [1, None]
    assert "offset=0" in second["previous"]
    seen = {item["public_id"] for item in first["results"] + second["results"]}
    assert seen == {str(report.public_id) for report in Report.objects.all()}


def test_the_schema_documents_a_page_for_every_list_and_400_for_bad_input(db: None) -> None:
    schema = Client().get("/api/openapi.json").json()
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            assert "400" in operation["responses"], (method, path)
            assert "422" not in operation["responses"], (method, path)
            body = (
                operation["responses"]["200"]["content"]["application/json"]["schema"]
                if ("200" in operation["responses"])
                else {}
            )
            assert body.get("type") != "array", f"{method} {path} answers a bare list, not a page"


def test_a_bad_query_is_answered_400_by_field(cast: Cast) -> None:
    response = Client().get("/api/reports", {"limit": 0}, headers=api_headers(cast.caseworker))
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["limit"]


def test_a_body_that_is_not_json_is_answered_400_in_the_same_shape(cast: Cast) -> None:
    submit_report(Client())
    report = Report.objects.get()
    response = Client().post(
        f"/api/reports/{report.public_id}/messages",
        b"JIS\x00",
        content_type="application/json",
        headers=api_headers(cast.caseworker),
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["__all__"]

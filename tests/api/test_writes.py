"""Writes through the API: cases, incidents, persons, identifiers and referrals, through the console's forms
and services: encrypted as the console encrypts, audited as the console audits, holder-only as the console
is, bad input answered 400 by field, and a request that fails leaves nothing half-written."""

from typing import Any
from unittest import mock

import pytest
from django.test import Client
from django.test.utils import override_settings

from longarm.audit.models import AuditEvent
from longarm.cases.models import (
    Case,
    CaseStatus,
    Identifier,
    Incident,
    Note,
    Person,
    PersonRole,
    Referral,
    ReferralStatus,
)
from longarm.intake.models import Report, Urgency
from tests.api.helpers import api_headers
from tests.cases.referral_helpers import add_person, give_case_identity_key, open_case
from tests.conftest import Cast
from tests.intake.helpers import submit_report

pytestmark = pytest.mark.django_db

INCIDENT = {
    "year": 2025,
    "month": 3,
    "tactics": ["proxy_coercion_family"],
    "host_country": "JP",
    "description": "A call at night about the mother",
}


def _send(method: str, url: str, body: Any, headers: dict[str, str]) -> Any:
    client = Client()
    call = getattr(client, method.lower())
    return call(url, body, content_type="application/json", headers=headers)


def _audited(action: str, case: Case) -> bool:
    return AuditEvent.objects.filter(action=action, object_id=str(case.public_id)).exists()


def test_an_incident_is_recorded_encrypted_and_audited(cast: Cast) -> None:
    case = open_case(cast)
    headers = api_headers(cast.caseworker)
    response = _send("POST", f"/api/cases/{case.public_id}/incidents", INCIDENT, headers)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["description"], body["tactics"], body["precision"]) == (
        INCIDENT["description"],
        ["proxy_coercion_family"],
        "month",
    )
    incident = Incident.objects.get(public_id=body["public_id"])
    assert b"mother" not in bytes(incident.description_ciphertext)
    assert _audited("incident.create", case)
    read = Client().get(f"/api/cases/{case.public_id}/incidents/{incident.public_id}", headers=headers)
    assert read.json()["description"] == INCIDENT["description"]

    changed = {
        **INCIDENT,
        "description": "Two calls",
        "targets": [str(add_person(case, cast.caseworker, role=PersonRole.PERPETRATOR, label="T").public_id)],
    }
    replaced = _send("PUT", f"/api/cases/{case.public_id}/incidents/{incident.public_id}", changed, headers)
    assert replaced.status_code == 200, replaced.content
    assert replaced.json()["description"] == "Two calls"
    assert incident.involvements.count() == 1
    assert _audited("incident.update", case)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"tactics": ["not_a_tactic"]}, "tactics"),
        ({"year": 2999}, "year"),
        ({"month": None, "day": 3}, "month"),
        ({"host_region": "CN-XJ"}, "host_region"),
        ({"description": ""}, "description"),
        ({"targets": ["00000000-0000-0000-0000-000000000000"]}, "targets"),
        ({"year": "soon"}, "year"),
        ({"description": 5}, "description"),
    ],
)
def test_a_bad_incident_is_refused_by_field_and_nothing_is_written(
    cast: Cast, change: dict[str, Any], field: str
) -> None:
    case = open_case(cast)
    before = Incident.objects.count()
    response = _send(
        "POST", f"/api/cases/{case.public_id}/incidents", {**INCIDENT, **change}, api_headers(cast.caseworker)
    )
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert Incident.objects.count() == before


def test_a_case_not_held_is_not_found_for_every_write(cast: Cast) -> None:
    case = open_case(cast)
    outsider = api_headers(cast.outsider)
    for url, body in (
        (f"/api/cases/{case.public_id}/incidents", INCIDENT),
        (f"/api/cases/{case.public_id}/persons", {"role": "perpetrator", "label": "Officer 1"}),
        (f"/api/cases/{case.public_id}/identifiers", {"kind": "phone", "value": "+8613800000000"}),
        (
            f"/api/cases/{case.public_id}/referrals",
            {"kind": "support", "support_type": "legal_aid", "agency": "X"},
        ),
        (f"/api/cases/{case.public_id}/notes", {"text": "x"}),
    ):
        assert _send("POST", url, body, outsider).status_code == 404, url
    assert (
        _send("PATCH", f"/api/cases/{case.public_id}", {"urgency": "critical"}, outsider).status_code == 404
    )
    assert not Person.objects.exists()
    assert not Identifier.objects.exists()
    assert not Referral.objects.exists()


def test_a_person_s_details_are_encrypted_and_a_name_under_the_identity_key_needs_it(cast: Cast) -> None:
    case = open_case(cast)
    url = f"/api/cases/{case.public_id}/persons"
    caseworker = api_headers(cast.caseworker)
    officer = _send(
        "POST",
        url,
        {"role": "perpetrator", "label": "Officer 1", "name": "Wang", "agency": "PSB"},
        caseworker,
    )
    assert officer.status_code == 201, officer.content
    assert officer.json()["details"]["agency"] == "PSB"
    person = Person.objects.get(public_id=officer.json()["public_id"])
    assert b"PSB" not in bytes(person.details_ciphertext)
    assert _audited("person.create", case)

    refused = _send("POST", url, {"role": "relative", "label": "Relative A", "name": "Bayar"}, caseworker)
    assert refused.status_code == 400
    assert "name" in refused.json()["errors"]
    assert Person.objects.count() == 1

    give_case_identity_key(case, cast, cast.caseworker)
    named = _send("POST", url, {"role": "relative", "label": "Relative A", "name": "Bayar"}, caseworker)
    assert named.status_code == 201
    relative = Person.objects.get(public_id=named.json()["public_id"])
    assert bytes(relative.identity_ciphertext)
    assert b"Bayar" not in bytes(relative.identity_ciphertext)
    assert "Bayar" not in named.content.decode()


def test_someone_without_the_identity_key_cannot_drop_a_stored_name(cast: Cast) -> None:
    case = open_case(cast)
    give_case_identity_key(case, cast, cast.investigator)
    relative = add_person(case, cast.investigator, role=PersonRole.RELATIVE, label="Relative A", name="Bayar")
    response = _send(
        "PUT",
        f"/api/cases/{case.public_id}/persons/{relative.public_id}",
        {"role": "perpetrator", "label": "Relative A"},
        api_headers(cast.caseworker),
    )
    assert response.status_code == 400
    assert "role" in response.json()["errors"]
    relative.refresh_from_db()
    assert relative.role == PersonRole.RELATIVE
    assert bytes(relative.identity_ciphertext)


def test_an_identifier_is_added_encrypted_read_and_deleted_audited(cast: Cast) -> None:
    case = open_case(cast)
    headers = api_headers(cast.caseworker)
    added = _send(
        "POST",
        f"/api/cases/{case.public_id}/identifiers",
        {"kind": "phone", "value": "+8613800000000"},
        headers,
    )
    assert added.status_code == 201, added.content
    identifier = Identifier.objects.get(public_id=added.json()["public_id"])
    assert b"13800000000" not in bytes(identifier.ciphertext)
    assert _audited("identifier.create:phone", case)
    url = f"/api/cases/{case.public_id}/identifiers/{identifier.public_id}"
    assert Client().get(url, headers=headers).json()["value"] == "+8613800000000"
    assert Client().delete(url, headers=headers).status_code == 204
    assert not Identifier.objects.exists()
    assert _audited("identifier.delete", case)
    assert Client().delete(url, headers=headers).status_code == 404


@override_settings(LONGARM_IDENTIFIERS_PER_HOUR=1)
def test_the_identifier_limit_refuses_with_429_and_counts_the_refusal(cast: Cast) -> None:
    case = open_case(cast)
    headers = api_headers(cast.caseworker)
    url = f"/api/cases/{case.public_id}/identifiers"
    assert _send("POST", url, {"kind": "qq", "value": "10001"}, headers).status_code == 201
    refused = _send("POST", url, {"kind": "qq", "value": "10002"}, headers)
    assert refused.status_code == 429
    assert Identifier.objects.count() == 1
    assert AuditEvent.objects.filter(action__startswith="alert.identifier_limit").exists()


def test_a_criminal_referral_sent_moves_the_case_and_its_history_grows(cast: Cast) -> None:
    case = open_case(cast)
    case.status = CaseStatus.ACTIVE
    case.save()
    headers = api_headers(cast.caseworker)
    created = _send(
        "POST",
        f"/api/cases/{case.public_id}/referrals",
        {
            "kind": "criminal",
            "jurisdiction": "gb",
            "agency": "Met Police",
            "reference_number": "CRIS-1",
            "sent_on": "2025-05-01",
        },
        headers,
    )
    assert created.status_code == 201, created.content
    referral = Referral.objects.get(public_id=created.json()["public_id"])
    assert b"CRIS-1" not in bytes(referral.details_ciphertext)
    assert created.json()["details"]["reference_number"] == "CRIS-1"
    case.refresh_from_db()
    assert case.status == CaseStatus.REFERRED
    assert AuditEvent.objects.filter(action="referral.create:criminal").exists()
    event = _send(
        "POST",
        f"/api/cases/{case.public_id}/referrals/{referral.public_id}/events",
        {"status": "answered", "on": "2025-06-01", "note": "They opened an inquiry"},
        headers,
    )
    assert event.status_code == 201, event.content
    assert [item["status"] for item in event.json()["events"]] == ["sent", "answered"]
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ANSWERED
    bad = _send(
        "POST",
        f"/api/cases/{case.public_id}/referrals",
        {"kind": "criminal", "jurisdiction": "gb", "agency": "X", "provisions": ["de:stgb-99"]},
        headers,
    )
    assert bad.status_code == 400
    assert "provisions" in bad.json()["errors"]


def test_relatives_names_need_the_identity_key(cast: Cast) -> None:
    case = open_case(cast)
    relative = add_person(case, cast.caseworker, role=PersonRole.RELATIVE, label="Relative A")
    body = {
        "kind": "welfare",
        "agency": "MFA",
        "relatives": [str(relative.public_id)],
        "relatives_names": "Bayar",
    }
    url = f"/api/cases/{case.public_id}/referrals"
    refused = _send("POST", url, body, api_headers(cast.caseworker))
    assert refused.status_code == 400
    assert "relatives_names" in refused.json()["errors"]
    assert not Referral.objects.exists()
    give_case_identity_key(case, cast, cast.investigator)
    created = _send("POST", url, body, api_headers(cast.investigator))
    assert created.status_code == 201, created.content
    assert created.json()["details"]["relatives"] == [{"id": str(relative.public_id), "label": "Relative A"}]
    assert "Bayar" not in created.content.decode()
    stranger = _send(
        "POST",
        url,
        {**body, "relatives": [str(case.public_id)], "relatives_names": ""},
        api_headers(cast.investigator),
    )
    assert stranger.status_code == 400
    assert "relatives" in stranger.json()["errors"]


def test_a_case_is_opened_from_reports_and_changed_field_by_field(cast: Cast) -> None:
    submit_report(Client())
    submit_report(Client())
    reports = [str(report.public_id) for report in Report.objects.order_by("id")]
    headers = api_headers(cast.caseworker)
    opened = _send("POST", "/api/cases", {"report_ids": reports}, headers)
    assert opened.status_code == 201, opened.content
    case = Case.objects.get(public_id=opened.json()["public_id"])
    assert case.incidents.count() == 2
    again = _send("POST", "/api/cases", {"report_ids": reports[:1]}, headers)
    assert again.status_code == 400
    assert "report_ids" in again.json()["errors"]

    url = f"/api/cases/{case.public_id}"
    changed = _send(
        "PATCH", url, {"status": "triage", "urgency": "critical", "summary": "Pressure on a club"}, headers
    )
    assert changed.status_code == 200, changed.content
    case.refresh_from_db()
    assert (case.status, case.urgency) == (CaseStatus.TRIAGE, Urgency.CRITICAL)
    assert Client().get(url, headers=headers).json()["summary"] == "Pressure on a club"
    for action in ("case.status:triage", "case.triage", "case.summary"):
        assert _audited(action, case), action
    note = _send("POST", f"{url}/notes", {"text": "Called back"}, headers)
    assert note.status_code == 201
    assert Note.objects.filter(case=case).count() == 1
    assert b"Called back" not in bytes(Note.objects.get().ciphertext)
    assert _send("PATCH", url, {}, headers).status_code == 400


def test_a_refused_part_of_a_change_leaves_the_whole_case_as_it_was(cast: Cast) -> None:
    case = open_case(cast)
    response = _send(
        "PATCH",
        f"/api/cases/{case.public_id}",
        {"urgency": "critical", "status": "referred"},
        api_headers(cast.caseworker),
    )
    assert response.status_code == 400
    assert "status" in response.json()["errors"]
    case.refresh_from_db()
    assert (case.status, case.urgency) == (CaseStatus.NEW, Urgency.HIGH)


def test_a_crash_mid_request_leaves_nothing_half_written(cast: Cast) -> None:
    case = open_case(cast)
    headers = api_headers(cast.caseworker)
    with mock.patch("longarm.api.casework.case_edit_summary", side_effect=RuntimeError("disk gone")):
        response = Client(raise_request_exception=False).patch(
            f"/api/cases/{case.public_id}",
            {"urgency": "critical", "summary": "x"},
            content_type="application/json",
            headers=headers,
        )
    assert response.status_code == 500
    case.refresh_from_db()
    assert case.urgency == Urgency.HIGH
    assert not _audited("case.triage", case)


def test_a_referral_date_after_today_is_refused_in_the_api_and_the_console(cast: Cast) -> None:
    """A referral's history and its dossier read in order of their dates: one in 2031 would print a police
    answer before the referral was sent."""
    from django.urls import reverse

    from tests.conftest import log_in

    case = open_case(cast)
    headers = api_headers(cast.caseworker)
    url = f"/api/cases/{case.public_id}/referrals"
    body = {"kind": "criminal", "jurisdiction": "nl", "agency": "Politie", "sent_on": "2031-01-01"}
    future = _send("POST", url, body, headers)
    assert future.status_code == 400
    assert "sent_on" in future.json()["errors"]
    assert not Referral.objects.exists()
    created = _send("POST", url, {**body, "sent_on": "2025-01-01"}, headers)
    assert created.status_code == 201
    referral = Referral.objects.get()
    event_url = f"{url}/{referral.public_id}/events"
    assert _send("POST", event_url, {"status": "answered", "on": "2031-05-05"}, headers).status_code == 400
    console = Client()
    log_in(console, cast.caseworker)
    page = console.post(
        reverse("cases:referral", args=[case.public_id, referral.public_id]),
        {"status": "answered", "on": "2031-05-05"},
    ).content.decode()
    assert "The date cannot be in the future." in page
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT

"""Linking in the API: a case's identifiers and their links, its cluster, a report's typed identifiers and
links — under the console's holder-only rules and audit."""

import pytest
from django.test import Client

from longarm.audit.models import AuditEvent
from longarm.linking.clusters import recluster_all
from tests.api.helpers import api_headers
from tests.conftest import Cast
from tests.linking.match_helpers import add, case_held_by
from tests.linking.report_helpers import Processing, arrived

pytestmark = pytest.mark.django_db


def test_a_case_s_identifiers_come_with_their_links_and_the_read_is_audited(cast: Cast) -> None:
    mine, theirs = case_held_by(cast), case_held_by(cast, cast.other_caseworker)
    add(mine, cast.caseworker, "wechat", "wxid_AbC123")
    add(theirs, cast.other_caseworker, "wechat", " WXID_abc123 ")
    response = Client().get(f"/api/cases/{mine.public_id}/identifiers", headers=api_headers(cast.caseworker))
    assert response.status_code == 200
    [item] = response.json()["results"]
    assert item["value"] == "wxid_AbC123"
    # The other case is not the caller's: a count, never its reference.
    assert item["links"]["held"] == []
    assert item["links"]["hidden_count"] == 1
    assert theirs.reference not in response.content.decode()
    assert AuditEvent.objects.filter(action="case.read", object_id=str(mine.public_id)).exists()


def test_the_cluster_names_only_held_cases_and_is_audited(cast: Cast) -> None:
    mine, theirs = case_held_by(cast), case_held_by(cast, cast.other_caseworker)
    add(mine, cast.caseworker, "phone", "+86 138 0013 8000")
    add(theirs, cast.other_caseworker, "phone", "+8613800138000")
    recluster_all()
    response = Client().get(f"/api/cases/{mine.public_id}/cluster", headers=api_headers(cast.caseworker))
    assert response.status_code == 200
    body = response.json()
    assert [item["reference"] for item in body["cases"]] == [mine.reference]
    assert body["hidden_count"] == 1
    reads = AuditEvent.objects.filter(action__startswith="cluster.read", object_id=str(mine.public_id))
    assert reads.exists()


def test_an_outsider_is_refused_every_linking_endpoint(cast: Cast, processing: Processing) -> None:
    case = case_held_by(cast)
    add(case, cast.caseworker, "wechat", "wxid_private")
    report = arrived(processing, perpetrator_wechat_ids="wxid_private")
    headers = api_headers(cast.outsider)
    for url in (
        f"/api/cases/{case.public_id}/identifiers",
        f"/api/cases/{case.public_id}/cluster",
        f"/api/reports/{report.public_id}/identifiers",
        f"/api/reports/{report.public_id}/links",
    ):
        response = Client().get(url, headers=headers)
        assert response.status_code == 404, url
        assert "wxid" not in response.content.decode()


def test_an_analyst_token_reads_no_linking(cast: Cast) -> None:
    case = case_held_by(cast)
    response = Client().get(f"/api/cases/{case.public_id}/identifiers", headers=api_headers(cast.analyst))
    assert response.status_code in {401, 403}


def test_a_report_s_typed_identifiers_and_links(cast: Cast, processing: Processing) -> None:
    first = arrived(processing, perpetrator_wechat_ids="wxid_AbC123")
    second = arrived(processing, perpetrator_wechat_ids=" WXID_abc123 ")
    headers = api_headers(cast.caseworker)
    links = Client().get(f"/api/reports/{first.public_id}/links", headers=headers).json()
    assert [item["reference"] for item in links["reports"]] == [second.reference]
    assert links["strength"] == "strong"
    assert links["complete"] is True
    typed = Client().get(f"/api/reports/{second.public_id}/identifiers", headers=headers).json()["results"]
    assert [(item["kind"], item["value"], item["outcome"]) for item in typed] == [
        ("wechat", "WXID_abc123", "pending")
    ]
    assert AuditEvent.objects.filter(action="report.read", object_id=str(second.public_id)).exists()

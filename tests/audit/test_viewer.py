from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from longarm.audit.models import ActorKind, AuditEvent
from longarm.audit.services import audit_append
from tests.conftest import Cast, log_in

pytestmark = pytest.mark.django_db


def admin_client(cast: Cast) -> Client:
    client = Client()
    log_in(client, cast.admin)
    return client


def test_the_admin_sees_who_did_what_and_when(cast: Cast) -> None:
    audit_append(
        actor=cast.caseworker,
        actor_kind=ActorKind.STAFF,
        action="report.read",
        object_type="report",
        object_id="r-1",
    )
    page = admin_client(cast).get(reverse("audit:events")).content.decode()
    assert "report.read" in page
    assert "casey" in page
    assert "r-1" in page


def test_filters_narrow_by_who_what_and_when(cast: Cast) -> None:
    audit_append(actor=cast.caseworker, actor_kind=ActorKind.STAFF, action="report.read", object_id="mine")
    audit_append(actor=cast.investigator, actor_kind=ActorKind.STAFF, action="case.open", object_id="theirs")
    client = admin_client(cast)
    by_who = client.get(reverse("audit:events"), {"actor": cast.caseworker.pk}).content.decode()
    assert "mine" in by_who
    assert "theirs" not in by_who
    by_what = client.get(reverse("audit:events"), {"action": "case."}).content.decode()
    assert "theirs" in by_what
    assert "mine" not in by_what
    tomorrow = (timezone.now() + timedelta(days=1)).date().isoformat()
    by_when = client.get(reverse("audit:events"), {"since": tomorrow}).content.decode()
    assert "mine" not in by_when
    assert "theirs" not in by_when


def test_the_log_is_paginated_with_a_bounded_number_of_queries(
    cast: Cast, django_assert_max_num_queries: object
) -> None:
    for number in range(120):
        audit_append(actor=None, actor_kind=ActorKind.SYSTEM, action="test.event", object_id=f"n{number}")
    client = admin_client(cast)
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        first = client.get(reverse("audit:events"), {"action": "test."}).content.decode()
    assert "n119" in first
    assert "n0</code>" not in first
    last = client.get(reverse("audit:events"), {"action": "test.", "page": 3}).content.decode()
    assert "n0</code>" in last
    assert AuditEvent.objects.filter(action="test.event").count() == 120


@pytest.mark.parametrize("role", ["caseworker", "investigator", "custodian", "operator", "analyst"])
def test_only_admins_open_the_audit_log(cast: Cast, role: str) -> None:
    client = Client()
    log_in(client, getattr(cast, role))
    assert client.get(reverse("audit:events")).status_code == 403


def test_objects_are_shown_as_references_with_links_and_filters_without_artefacts(cast: Cast) -> None:
    from longarm.analytics.queries import AnalyticsFilters
    from longarm.analytics.services import analytics_record_access
    from tests.cases.helpers import opened_case

    case = opened_case(cast)
    audit_append(
        actor=cast.caseworker,
        actor_kind=ActorKind.STAFF,
        action="case.read",
        object_type="case",
        object_id=str(case.public_id),
    )
    audit_append(
        actor=cast.caseworker,
        actor_kind=ActorKind.STAFF,
        action="x.y",
        object_type="staff",
        object_id=str(cast.admin.pk),
    )
    analytics_record_access(actor=cast.analyst, table="tactic", filters=AnalyticsFilters(), form="csv")
    analytics_record_access(
        actor=cast.analyst, table="tactic", filters=AnalyticsFilters(community="uyghur"), form="view"
    )
    page = admin_client(cast).get(reverse("audit:events")).content.decode()
    assert f"<code>{case.public_id}" not in page
    assert f"<code>{case.reference}</code>" in page
    # Administrators read the log and never open a case: named, not linked to a page that would refuse them.
    assert reverse("cases:case", args=[case.public_id]) not in page
    assert "||" not in page
    assert "Community: uyghur" in page
    assert cast.admin.username in page

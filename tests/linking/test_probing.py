"""Limits and alerts against a staff member probing for values in cases they do not hold (issue 11 item 5,
threat model §5.3): identifiers added per person per hour and per day, refused beyond that with a translated
message; an alert that administrators see on the staff page and can filter in the audit log, once per window,
when the limit is reached or when many added identifiers match cases the person does not hold."""

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from longarm.accounts.models import StaffUser
from longarm.audit.models import AuditEvent
from longarm.cases.coding.limits import identifier_limit_message
from longarm.cases.models import Case, Identifier
from longarm.core.models import ThrottleCounter
from longarm.core.throttle import hashed_key
from longarm.linking.exceptions import IdentifierLimitReached
from longarm.linking.models import IdentifierKey
from tests.cases.helpers import console
from tests.conftest import Cast
from tests.linking.match_helpers import add, case_held_by

HOUR_ALERT = "alert.identifier_limit:hour"
DAY_ALERT = "alert.identifier_limit:day"
PROBE_ALERT = "alert.linking_probe"


@pytest.fixture(autouse=True)
def _fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The counters' windows start at a fixed moment, so that no test straddles the turn of an hour."""
    moment = datetime(2030, 1, 15, 12, 30, tzinfo=UTC)
    monkeypatch.setattr("longarm.core.throttle.timezone", SimpleNamespace(now=lambda: moment))


def _post(client: Client, case: Case, value: str, kind: str = "phone") -> str:
    response = client.post(
        reverse("cases:identifier_new", args=[case.public_id]), {"kind": kind, "value": value}, follow=True
    )
    assert response.status_code == 200
    return response.content.decode()


def _alerts(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


def test_adding_identifiers_beyond_the_hourly_limit_is_refused_and_alerted_once(
    cast: Cast, settings: Any
) -> None:
    settings.LONGARM_IDENTIFIERS_PER_HOUR = 3
    case = case_held_by(cast)
    client = console(cast.caseworker)
    for number in range(3):
        assert "The identifier was added." in _post(client, case, f"+86 138 0000 000{number}")
    page = _post(client, case, "+86 138 0000 0009")
    assert "You have added 3 identifiers within this hour, the most allowed. This one was not added" in page
    _post(client, case, "+86 138 0000 0008")
    assert Identifier.objects.filter(case=case).count() == 3
    # Nothing of a refused value was matched, so the refusal itself says nothing about other cases.
    assert IdentifierKey.objects.filter(case=case).values("identifier").distinct().count() == 3
    assert _alerts(HOUR_ALERT) == 1
    alert = AuditEvent.objects.get(action=HOUR_ALERT)
    assert (alert.actor, alert.object_id) == (cast.caseworker, str(case.public_id))
    assert AuditEvent.objects.filter(action="identifier.create:phone").count() == 3


def test_the_refusal_is_translated(cast: Cast, settings: Any) -> None:
    settings.LONGARM_IDENTIFIERS_PER_HOUR = 1
    case = case_held_by(cast)
    client = console(cast.caseworker)
    _post(client, case, "+86 138 0000 0001")
    client.cookies["django_language"] = "ja"
    page = _post(client, case, "+86 138 0000 0002")
    with translation.override("ja"):
        expected = identifier_limit_message(IdentifierLimitReached(period="hour", maximum=1))
    assert expected in page
    assert "You have added" not in expected


def test_the_daily_limit_refuses_too(cast: Cast, settings: Any) -> None:
    settings.LONGARM_IDENTIFIERS_PER_HOUR = 10
    settings.LONGARM_IDENTIFIERS_PER_DAY = 2
    case = case_held_by(cast)
    add(case, cast.caseworker, "qq", "10001")
    add(case, cast.caseworker, "qq", "10002")
    with pytest.raises(IdentifierLimitReached) as refused:
        add(case, cast.caseworker, "qq", "10003")
    assert (refused.value.period, refused.value.maximum) == ("day", 2)
    page = _post(console(cast.caseworker), case, "10004", kind="qq")
    assert "You have added 2 identifiers today, the most allowed." in page
    assert _alerts(DAY_ALERT) == 1
    assert _alerts(HOUR_ALERT) == 0


def test_the_limit_is_counted_per_staff_member(cast: Cast, settings: Any) -> None:
    settings.LONGARM_IDENTIFIERS_PER_HOUR = 1
    mine, theirs = case_held_by(cast), case_held_by(cast, cast.other_caseworker)
    add(mine, cast.caseworker, "qq", "1")
    with pytest.raises(IdentifierLimitReached):
        add(mine, cast.caseworker, "qq", "2")
    add(theirs, cast.other_caseworker, "qq", "3")
    assert Identifier.objects.count() == 2


def test_the_counters_name_no_one_and_hold_no_value(cast: Cast, settings: Any) -> None:
    settings.LONGARM_LINKING_PROBE_ALERT = 1
    mine, theirs = case_held_by(cast), case_held_by(cast, cast.other_caseworker)
    add(theirs, cast.other_caseworker, "wechat", "wxid_probe_target")
    add(mine, cast.caseworker, "wechat", "wxid_probe_target")
    # Other limits (the gate's pressure, the upload budget) share the table under their own scopes.
    linking_scopes = ("identifier.", "linking.")
    rows = [
        (scope, key)
        for scope, key in ThrottleCounter.objects.values_list("scope", "key")
        if scope.startswith(linking_scopes)
    ]
    assert {scope for scope, _ in rows} >= {"identifier.hour", "identifier.day", "linking.hidden_match"}
    expected = {
        hashed_key("linking.staff", str(user.pk)) for user in (cast.caseworker, cast.other_caseworker)
    }
    assert {key for _, key in rows} == expected
    for user in (cast.caseworker, cast.other_caseworker):
        assert all(key not in {str(user.pk), user.username} for _, key in rows)
    assert all("wxid" not in f"{scope}{key}" for scope, key in rows)


def _probe(cast: Cast, values: list[str]) -> Case:
    """The other caseworker's cases hold ``values``; the caseworker adds each to a case of their own."""
    for value in values:
        add(case_held_by(cast, cast.other_caseworker), cast.other_caseworker, "phone", value)
    mine = case_held_by(cast)
    for value in values:
        add(mine, cast.caseworker, "phone", value)
    return mine


def test_identifiers_matching_cases_the_adder_does_not_hold_are_audited_and_alerted_at_the_threshold(
    cast: Cast, settings: Any
) -> None:
    settings.LONGARM_LINKING_PROBE_ALERT = 2
    mine = _probe(cast, ["+86 138 0000 0001"])
    assert AuditEvent.objects.filter(action="link.hidden_match", object_id=str(mine.public_id)).count() == 1
    assert _alerts(PROBE_ALERT) == 0
    # Each time in another case of their own: a case holds one number once (linking.services).
    add(case_held_by(cast), cast.caseworker, "phone", "+86 138 0000 0001")
    assert _alerts(PROBE_ALERT) == 1
    alert = AuditEvent.objects.get(action=PROBE_ALERT)
    assert alert.actor == cast.caseworker
    for value in ("+86 138 0000 0001", "+86 138 0000 0001"):
        add(case_held_by(cast), cast.caseworker, "phone", value)
    assert AuditEvent.objects.filter(action="link.hidden_match").count() == 4
    assert _alerts(PROBE_ALERT) == 1


def test_matches_that_reveal_nothing_are_not_counted(cast: Cast, settings: Any) -> None:
    settings.LONGARM_LINKING_PROBE_ALERT = 1
    held = case_held_by(cast)
    add(held, cast.caseworker, "badge", "777")
    hidden = case_held_by(cast, cast.other_caseworker)
    add(hidden, cast.other_caseworker, "name", "Wang Wei")
    mine = case_held_by(cast)
    add(mine, cast.caseworker, "badge", "777")  # a case the adder holds
    add(
        mine, cast.caseworker, "name", "wang wei"
    )  # an unconfirmed name match: nothing shown, nothing counted
    add(mine, cast.caseworker, "phone", "+86 139 1234 5678")  # in no other case
    assert not AuditEvent.objects.filter(action__in=["link.hidden_match", PROBE_ALERT]).exists()


def test_administrators_see_the_alerts_on_the_staff_page_and_filter_them_in_the_audit_log(
    cast: Cast, settings: Any
) -> None:
    settings.LONGARM_LINKING_PROBE_ALERT = 1
    settings.LONGARM_IDENTIFIERS_PER_HOUR = 2
    _probe(cast, ["+86 138 0000 0001", "+86 138 0000 0002"])
    with pytest.raises(IdentifierLimitReached):
        add(case_held_by(cast), cast.caseworker, "qq", "1")
    admin = console(cast.admin)
    staff_page = admin.get(reverse("cases:staff_list")).content.decode()
    assert "Alerts of the last 14 days" in staff_page
    assert "match cases this person does not hold: it may be probing." in staff_page
    assert "Added as many identifiers as allowed within the hour or the day" in staff_page
    assert cast.caseworker.username in staff_page
    log = admin.get(reverse("audit:events"), {"alerts": "on"}).content.decode()
    assert "2 events" in log
    assert PROBE_ALERT in log
    assert HOUR_ALERT in log
    assert "identifier.create" not in log
    assert log.count('<strong class="alert">Alert:</strong>') == 2
    unfiltered = admin.get(reverse("audit:events")).content.decode()
    assert "identifier.create:phone" in unfiltered
    assert unfiltered.count('<strong class="alert">Alert:</strong>') == 2


def test_the_staff_page_shows_no_alert_box_when_there_is_none(cast: Cast) -> None:
    page = console(cast.admin).get(reverse("cases:staff_list")).content.decode()
    assert "Alerts of the last" not in page


@pytest.mark.parametrize(
    "who", ["caseworker", "outsider", "investigator", "custodian", "operator", "analyst"]
)
def test_only_administrators_see_the_alerts(cast: Cast, settings: Any, who: str) -> None:
    settings.LONGARM_IDENTIFIERS_PER_HOUR = 1
    add(case_held_by(cast), cast.caseworker, "qq", "1")
    with pytest.raises(IdentifierLimitReached):
        add(case_held_by(cast), cast.caseworker, "qq", "2")
    user: StaffUser = getattr(cast, who)
    client = console(user)
    for url in (reverse("cases:staff_list"), reverse("audit:events") + "?alerts=on"):
        response = client.get(url)
        assert response.status_code == 403, (who, url)
        assert HOUR_ALERT not in response.content.decode()

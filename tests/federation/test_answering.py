"""This deployment answering a partner's signed requests: what it answers, and every request it refuses."""

import time
from typing import Any

import pytest
from django.test import Client

from longarm.audit.models import AuditEvent
from longarm.federation.keyset import element
from longarm.federation.models import Mode, Outcome, Role, Run
from longarm.federation.wire import SIGNATURE_HEADER
from tests.conftest import Cast
from tests.federation.helpers import FakePartner, fetched, found, opened, partnership_with, post
from tests.linking.match_helpers import add, case_held_by

OURS = [
    ("phone", "+86 138 0013 8000"),
    ("phone", "+44 20 7946 0000"),
    ("email", "Wang.Wei@Example.COM"),
    ("wechat", "wxid_police_zhang"),
    ("qq", "10001"),
    ("badge", "071234"),
    ("name", "Zhang Wei"),
]


@pytest.fixture
def our_identifiers(cast: Cast, settings: Any) -> None:
    settings.LONGARM_IDENTIFIERS_PER_HOUR = settings.LONGARM_IDENTIFIERS_PER_DAY = 1000
    case = case_held_by(cast)
    for kind, value in OURS:
        add(case, cast.caseworker, kind, value)


def their_set(*extra: str) -> list[str]:
    # The partner's own normal forms: the same normalisers on both sides.
    return [element("phone", "+8613800138000"), element("email", "wang.wei@example.com"), *extra] + [
        element("phone", f"+3361234{n:04d}") for n in range(5)
    ]


def test_a_partner_learns_the_identifiers_in_common_and_nothing_else(our_identifiers: None) -> None:
    partner = FakePartner()
    partnership_with(partner)
    theirs = their_set(element("name", "zhang wei"))
    state, body, signature, nonce = partner.psi_request(theirs)
    response = post(Client(), "psi", body, signature)
    assert response.status_code == 202
    status, payload = fetched(Client(), partner, response, nonce)
    assert status == "ok"
    # The formatted phone number and the capitalised address meet; the name (a weak key) is never offered.
    assert found(state, payload) == [0, 1]
    run = Run.objects.get(role=Role.ANSWERED)
    assert run.outcome == Outcome.DONE
    assert AuditEvent.objects.filter(action="federation.answered:done").count() == 1


def test_a_cardinality_only_partner_learns_the_number_alone(our_identifiers: None) -> None:
    partner = FakePartner()
    partnership_with(partner, mode=Mode.CARDINALITY)
    state, body, signature, nonce = partner.psi_request(their_set(), mode=Mode.CARDINALITY)
    status, payload = fetched(Client(), partner, post(Client(), "psi", body, signature), nonce)
    assert status == "ok"
    assert found(state, payload) == 2


def test_a_cardinality_only_partner_asking_for_the_intersection_is_refused(our_identifiers: None) -> None:
    partner = FakePartner()
    partnership_with(partner, mode=Mode.CARDINALITY)
    _state, body, signature, nonce = partner.psi_request(their_set(), mode=Mode.INTERSECTION)
    response = post(Client(), "psi", body, signature)
    assert response.status_code == 403
    assert opened(response, nonce) == ("refused", {"reason": "mode"})


def test_a_deployment_not_in_a_partnership_is_refused_without_a_reason(our_identifiers: None) -> None:
    partnership_with(FakePartner())
    stranger = FakePartner()
    _state, body, signature, _nonce = stranger.psi_request(their_set())
    response = post(Client(), "psi", body, signature)
    assert_not_for_us(response)
    assert not Run.objects.exists()


def test_a_request_signed_by_another_key_is_refused(our_identifiers: None) -> None:
    partner = FakePartner()
    partnership_with(partner)
    _state, body, _signature, _nonce = partner.psi_request(their_set())
    _other_state, _other_body, forged, _other_nonce = FakePartner().psi_request(their_set())
    response = post(Client(), "psi", body, forged)
    # The same bare refusal as a stranger's: nobody learns which keys are our partners.
    assert_not_for_us(response)
    assert not AuditEvent.objects.filter(action__startswith="federation.refused").exists()


def test_a_tampered_request_is_refused(our_identifiers: None) -> None:
    partner = FakePartner()
    partnership_with(partner)
    _state, body, signature, _nonce = partner.psi_request(their_set())
    tampered = body.replace(b'"mode":"intersection"', b'"mode":"cardinality"')
    assert tampered != body
    assert_not_for_us(post(Client(), "psi", tampered, signature))


def test_a_replayed_request_is_refused(our_identifiers: None) -> None:
    partner = FakePartner()
    partnership_with(partner)
    _state, body, signature, nonce = partner.psi_request(their_set())
    assert post(Client(), "psi", body, signature).status_code == 202
    response = post(Client(), "psi", body, signature)
    assert response.status_code == 403
    assert opened(response, nonce) == ("refused", {"reason": "replayed"})
    assert Run.objects.filter(role=Role.ANSWERED).count() == 1


def test_a_stale_request_is_refused(our_identifiers: None) -> None:
    partner = FakePartner()
    partnership_with(partner)
    body, signature, nonce = partner.signed(
        "psi", {"mode": "intersection", "request": ""}, now=int(time.time()) - 3600
    )
    assert opened(post(Client(), "psi", body, signature), nonce)[1] == {"reason": "stale"}


def test_a_set_smaller_than_the_partnership_allows_is_refused(our_identifiers: None) -> None:
    partner = FakePartner()
    partnership_with(partner, smallest_set=50)
    # A set of one (or of a few) would test whether we hold one given number.
    _state, body, signature, nonce = partner.psi_request([element("phone", "+8613800138000")])
    assert opened(post(Client(), "psi", body, signature), nonce)[1] == {"reason": "too_small"}
    assert Run.objects.filter(outcome=Outcome.DONE).count() == 0


def test_runs_beyond_the_partnerships_rate_are_refused(our_identifiers: None) -> None:
    partner = FakePartner()
    partnership_with(partner, runs_per_period=1, period_days=7)
    _state, body, signature, _nonce = partner.psi_request(their_set())
    assert post(Client(), "psi", body, signature).status_code == 202
    _state, body, signature, nonce = partner.psi_request(
        their_set(*[element("qq", str(n)) for n in range(40)])
    )
    assert opened(post(Client(), "psi", body, signature), nonce)[1] == {"reason": "too_frequent"}


def test_a_set_that_changed_by_only_a_few_elements_is_refused(our_identifiers: None) -> None:
    partner = FakePartner()
    partnership_with(partner, minimum_change=10)
    _state, body, signature, _nonce = partner.psi_request(their_set())
    assert post(Client(), "psi", body, signature).status_code == 202
    # The same set with one number added: the answer would say whether we hold that number.
    probe = their_set(element("phone", "+442079460000"))
    _state, body, signature, nonce = partner.psi_request(probe)
    assert opened(post(Client(), "psi", body, signature), nonce)[1] == {"reason": "too_similar"}
    # A set that grew by as many as the partnership asks is answered.
    grown = their_set(*[element("qq", str(20000 + n)) for n in range(10)])
    _state, body, signature, nonce = partner.psi_request(grown)
    assert fetched(Client(), partner, post(Client(), "psi", body, signature), nonce)[0] == "ok"


def test_an_inactive_partnership_is_refused(our_identifiers: None) -> None:
    partner = FakePartner()
    partnership_with(partner, active=False)
    _state, body, signature, _nonce = partner.psi_request(their_set())
    assert_not_for_us(post(Client(), "psi", body, signature))


def assert_not_for_us(response: Any) -> None:
    """Unsigned and empty: it names neither us nor the rule that refused."""
    assert response.status_code == 403
    assert response.content == b""
    assert SIGNATURE_HEADER not in response


def test_a_body_shaped_unlike_our_messages_is_refused_before_it_is_parsed(our_identifiers: None) -> None:
    partnership_with(FakePartner())
    for body in (b"[" + b"[]," * 5000 + b"[]]", b"[" * 100_000, b'{"v": 1, "timestamp": 1e999}'):
        assert Client().post("/federation/psi", data=body, content_type="application/json").status_code == 400


def test_a_deployment_without_partners_takes_no_large_body(our_identifiers: None) -> None:
    large = b"x" * (1024 * 1024)
    assert Client().post("/federation/psi", data=large, content_type="application/json").status_code == 413


def test_a_get_or_an_unsigned_body_is_refused(our_identifiers: None) -> None:
    assert Client().get("/federation/psi").status_code == 405
    assert Client().post("/federation/psi", data=b"{}", content_type="application/json").status_code == 400

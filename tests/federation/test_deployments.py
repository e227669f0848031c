"""Three deployments on 127.0.0.1 — this test's own, and two more each with its own process, SQLite database,
keyring and server — find the strong identifiers they hold in common, written differently on each side."""

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from longarm.accounts.models import Role
from longarm.audit.models import AuditEvent
from longarm.cases.models import Case, Identifier
from longarm.core.keyring import current_keyring
from longarm.crypto.signing import new_signing_seed
from longarm.federation.client import federation_run
from longarm.federation.exceptions import RunRefused
from longarm.federation.keyset import element, strong_keys
from longarm.federation.models import Mode, Partnership, PartnershipChange, Run
from longarm.federation.selectors import findings_for
from longarm.federation.services import partnership_approve, partnership_propose
from longarm.federation.terms import Terms, change_digest
from longarm.federation.wire import b64
from tests.cases.helpers import console
from tests.conftest import Cast
from tests.federation.deployments import Deployment
from tests.linking.match_helpers import add, case_held_by

KINDS = ["badge", "email", "phone", "plate", "qq", "wechat"]


def written(entity: int, side: int) -> tuple[str, str]:
    """Entity ``entity`` as deployment ``side`` (0 or 1) would have it typed: the same identifier, written
    the way two caseworkers in two countries write it."""
    kind = KINDS[entity % len(KINDS)]
    n = entity
    forms = {
        "phone": (
            f"+86 139 {1000 + n // 10000:04d} {n % 10000:04d}",
            f"0086-139{1000 + n // 10000:04d}{n % 10000:04d}",
        ),
        "email": (f"Officer.{n}@Example.COM", f"officer.{n}@example.com "),
        "wechat": (f"WXID_Agent{n}", f"wxid_agent{n}"),
        "qq": (f"{700000 + n}", "".join(chr(ord(c) + 0xFEE0) for c in str(700000 + n))),
        "badge": (f"{80000 + n:06d}", f"No. {80000 + n:06d}"),
        "plate": (f"京A·{10000 + n}", f"京a{10000 + n}"),
    }
    return kind, forms[kind][side]


def deployment_set(entities: list[int], side: int) -> list[tuple[str, str]]:
    # Names are weak keys: both sides hold the same one, and it must never be found.
    return [written(entity, side) for entity in entities] + [
        ("name", "Zhang Wei"),
        ("organisation", "Public Security Bureau"),
    ]


def canonical(identifiers: list[tuple[str, str]]) -> set[str]:
    return {
        element(scheme, value)
        for kind, value in identifiers
        for scheme, value in strong_keys(kind=kind, value=value, region=None)
    }


A_ENTITIES = list(range(40))
B_ENTITIES = list(range(10)) + list(range(100, 130)) + list(range(200, 205))
C_ENTITIES = list(range(5, 15)) + list(range(200, 205)) + list(range(300, 320))
A_SET, B_SET, C_SET = (
    deployment_set(A_ENTITIES, 0),
    deployment_set(B_ENTITIES, 1),
    deployment_set(C_ENTITIES, 0),
)


@pytest.fixture(scope="module")
def others(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Deployment]]:
    """Deployments B and C, created, seeded and serving; partners of each other (C asks B)."""
    b = Deployment("B", Path(tmp_path_factory.mktemp("deployment-b")))
    c = Deployment("C", Path(tmp_path_factory.mktemp("deployment-c")))
    b.create(B_SET)
    c.create(C_SET)
    b.partner_with("C", c.public_key, c.endpoint)
    c.partner_with("B", b.public_key, b.endpoint)
    b.start()
    c.start()
    yield {"B": b, "C": c}
    b.stop()
    c.stop()


def our_case(cast: Cast, settings: Any) -> Case:
    settings.LONGARM_IDENTIFIERS_PER_HOUR = settings.LONGARM_IDENTIFIERS_PER_DAY = 1000
    settings.LONGARM_FEDERATION_ALLOW_PLAIN_HTTP = True
    case = case_held_by(cast)
    for kind, value in A_SET:
        add(case, cast.caseworker, kind, value)
    return case


def introduce(ours: str, theirs: Deployment, *, mode: str = Mode.INTERSECTION) -> None:
    """Both sides' administrators enter each other's key and address."""
    theirs.partner_with(
        "A", b64(current_keyring().signing_public_key), "http://127.0.0.1:9/unused/", mode=mode
    )


def partner_through_two_admins(
    cast: Cast, make_staff: Any, settings: Any, deployment: Deployment, *, mode: str
) -> Partnership:
    settings.LONGARM_TWO_PERSON_RULE = True
    second = make_staff(f"second-admin-{deployment.name}", Role.ADMIN)
    terms = Terms(
        name=deployment.name,
        public_key=deployment.public_key,
        endpoint=deployment.endpoint,
        kinds=KINDS,
        mode=mode,
        smallest_set=5,
        largest_set=10000,
        runs_per_period=3,
        period_days=7,
        minimum_change=0,
    )
    outcome = partnership_propose(actor=cast.admin, terms=terms)
    assert outcome.proposal is not None
    assert not Partnership.objects.exists()
    change = PartnershipChange.objects.select_related("partnership").get(proposal=outcome.proposal)
    return partnership_approve(actor=second, proposal=outcome.proposal, digest=change_digest(change))


def found_values(case: Case, partner: str) -> set[str]:
    identifiers = list(Identifier.objects.filter(case=case))
    found = findings_for(identifiers)
    values = {identifier.pk: value for identifier, (_kind, value) in zip(identifiers, A_SET, strict=True)}
    hits = [
        identifier
        for identifier in identifiers
        if any(f.partnership.name == partner for f in found.get(identifier.pk, []))
    ]
    return canonical([(identifier.kind, values[identifier.pk]) for identifier in hits])


def test_two_deployments_find_exactly_the_plaintext_intersection(
    others: dict[str, Deployment], cast: Cast, make_staff: Any, settings: Any
) -> None:
    case = our_case(cast, settings)
    b = others["B"]
    introduce("A", b)
    partnership = partner_through_two_admins(cast, make_staff, settings, b, mode=Mode.INTERSECTION)
    expected = canonical(A_SET) & canonical(B_SET)
    # The variants meet only through the normalisers: as typed, no value is the same on both sides.
    assert len(expected) == 10
    assert not {value for _k, value in A_SET[:40]} & {value for _k, value in B_SET[:45]}

    result = federation_run(partnership=partnership, actor=cast.admin)

    assert result.figures.common == len(expected)
    assert found_values(case, "B") == expected
    assert AuditEvent.objects.filter(action="federation.asked:done").count() == 1
    assert b.remote("messages", {})["runs_answered"] >= 1
    # B's request cost: 35 bytes per blinded element each way, the compressed set a few bytes per element.
    assert result.exchange.sent_bytes < 100 * len(canonical(A_SET))

    page = console(cast.caseworker).get(f"/console/cases/{case.public_id}/")
    assert page.content.decode().count("also known to partner B") == len(expected)


def test_the_contact_message_names_the_identifier_alone_and_reaches_the_partners_administrators(
    others: dict[str, Deployment], cast: Cast, make_staff: Any, settings: Any
) -> None:
    case = our_case(cast, settings)
    b = others["B"]
    introduce("A", b)
    partnership = partner_through_two_admins(cast, make_staff, settings, b, mode=Mode.INTERSECTION)
    federation_run(partnership=partnership, actor=cast.admin)
    # Our first identifier (entity 0) is one B holds too.
    shared = Identifier.objects.filter(case=case).order_by("id").first()
    assert shared is not None
    url = (
        f"/console/federation/cases/{case.public_id}/identifiers/{shared.public_id}"
        f"/contact/{partnership.public_id}/"
    )
    client = console(cast.caseworker)
    # A first POST only asks to confirm: nothing is sent yet.
    assert client.post(url).status_code == 200
    before = len(b.remote("messages", {})["messages"])
    assert client.post(url, {"confirmed": "yes"}).status_code == 302

    received = b.remote("messages", {})["messages"]
    assert len(received) == before + 1
    content = received[0]["content"]
    assert received[0]["partner"] == "A"
    kind, value = A_SET[0]
    assert content["identifiers"] == [
        {"kind": s, "value": v} for s, v in strong_keys(kind=kind, value=value, region=None)
    ]
    assert set(content) == {"identifiers", "run_on"}
    assert AuditEvent.objects.filter(
        action="federation.message:sent", object_id__startswith=str(shared.public_id)
    ).exists()
    # Someone who does not hold the case cannot send one.
    assert console(cast.outsider).post(url, {"confirmed": "yes"}).status_code == 404


def test_a_third_deployment_finds_its_own_intersections(
    others: dict[str, Deployment], cast: Cast, make_staff: Any, settings: Any
) -> None:
    # C asks B, both in their own processes, through the command path.
    outcome = others["C"].remote("run", {"partner": "B"})
    expected = canonical(C_SET) & canonical(B_SET)
    assert outcome["common"] == len(expected) == 10
    assert set(outcome["found"]) == expected

    # We ask C for the number alone: we learn it and nothing about which.
    our_case(cast, settings)
    c = others["C"]
    introduce("A", c, mode=Mode.CARDINALITY)
    partnership = partner_through_two_admins(cast, make_staff, settings, c, mode=Mode.CARDINALITY)
    result = federation_run(partnership=partnership, actor=cast.admin)
    assert result.figures.common == len(canonical(A_SET) & canonical(C_SET)) == 10
    run = Run.objects.get(partnership=partnership)
    assert run.mode == Mode.CARDINALITY
    assert not bytes(run.findings_ciphertext)


def test_a_deployment_the_partner_does_not_know_is_refused(
    others: dict[str, Deployment], cast: Cast, make_staff: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    our_case(cast, settings)
    partnership = partner_through_two_admins(cast, make_staff, settings, others["B"], mode=Mode.INTERSECTION)
    # A deployment whose signing key B was never given: B answers "refused" and says no more.
    stranger = dataclasses.replace(current_keyring(), signing_seed=new_signing_seed())
    monkeypatch.setattr("longarm.federation.client.current_keyring", lambda: stranger)
    with pytest.raises(RunRefused) as refused:
        federation_run(partnership=partnership, actor=cast.admin)
    assert refused.value.code == "refused"
    assert Run.objects.get(partnership=partnership).refusal == "refused"

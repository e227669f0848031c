"""What the approver of a partnership change sees and approves, the bounds of the set sizes, what the
database shows of a run's findings, and what a "contact the partner" message names and how often."""

import json
from typing import Any

import pytest
from django.utils import timezone

from longarm.accounts.models import Role
from longarm.audit.models import AuditEvent
from longarm.crypto.federation import unseal_with_signing_seed
from longarm.federation.exceptions import RunRefused, TermsRefused
from longarm.federation.forms import PartnershipForm
from longarm.federation.models import Mode, Outcome, Partnership, PartnershipChange
from longarm.federation.models import Role as RunRole
from longarm.federation.runs import Figures, element_digest, run_record
from longarm.federation.selectors import key_fingerprint, waiting_changes
from longarm.federation.services import partner_contact, partnership_approve, partnership_propose
from longarm.federation.terms import LARGEST_SET_CEILING, Terms, change_digest
from longarm.federation.wire import b64, unb64
from tests.cases.helpers import console
from tests.conftest import Cast
from tests.federation.helpers import FakePartner, partnership_with
from tests.federation.test_partnerships import terms
from tests.linking.match_helpers import add, case_held_by


@pytest.fixture
def two_person_rule(settings: Any) -> None:
    settings.LONGARM_TWO_PERSON_RULE = True


def existing(cast: Cast, make_staff: Any) -> tuple[Partnership, Any]:
    second = make_staff("second", Role.ADMIN)
    proposal = partnership_propose(actor=cast.admin, terms=terms()).proposal
    change = PartnershipChange.objects.get(proposal=proposal)
    return partnership_approve(actor=second, proposal=proposal, digest=change_digest(change)), second


def test_the_approver_sees_each_proposed_term_beside_the_one_in_force(
    cast: Cast, make_staff: Any, two_person_rule: None
) -> None:
    partnership, second = existing(cast, make_staff)
    new_key = b64(FakePartner().public_key)
    partnership_propose(
        actor=cast.admin,
        terms=terms(public_key=new_key, endpoint="https://evil.example/federation/", largest_set=50_000),
        partnership=partnership,
    )
    [view] = waiting_changes()
    rows = {row.label: row for row in view.rows}
    assert rows["Partner's signing public key"].proposed == new_key
    assert rows["Partner's signing public key"].current == b64(bytes(partnership.public_key))
    assert rows["Key fingerprint"].proposed == key_fingerprint(new_key)
    assert rows["Partner's federation address"].proposed == "https://evil.example/federation/"
    assert rows["Largest set accepted"].current == "10000"
    assert rows["Largest set accepted"].proposed == "50000"
    assert not rows["Partner's name"].changed

    page = console(second).get("/console/federation/").content.decode()
    evil = "https://evil.example/federation/"
    for shown in (new_key, key_fingerprint(new_key), evil, "50000", view.digest):
        assert shown in page


def test_an_approval_makes_only_the_change_that_was_shown(
    cast: Cast, make_staff: Any, two_person_rule: None
) -> None:
    partnership, second = existing(cast, make_staff)
    proposal = partnership_propose(
        actor=cast.admin, terms=terms(mode=Mode.CARDINALITY), partnership=partnership
    ).proposal
    assert proposal is not None
    [view] = waiting_changes()

    # The proposal's terms change after the page was shown: the approval of what was shown is refused.
    change = PartnershipChange.objects.get(proposal=proposal)
    PartnershipChange.objects.filter(pk=change.pk).update(
        terms={**change.terms, "endpoint": "https://evil.example/federation/"}
    )
    with pytest.raises(TermsRefused):
        partnership_approve(actor=second, proposal=proposal, digest=view.digest)
    PartnershipChange.objects.filter(pk=change.pk).update(terms=change.terms)

    # So does one whose partnership changed since (the terms in force it was shown beside).
    Partnership.objects.filter(pk=partnership.pk).update(largest_set=20)
    with pytest.raises(TermsRefused):
        partnership_approve(actor=second, proposal=proposal, digest=view.digest)
    Partnership.objects.filter(pk=partnership.pk).update(largest_set=Terms.largest_set)

    response = console(second).post(
        f"/console/federation/proposals/{proposal.public_id}/", {"decision": "approve", "digest": view.digest}
    )
    assert response.status_code == 302
    partnership.refresh_from_db()
    assert partnership.mode == Mode.CARDINALITY
    assert partnership.endpoint == "https://london.example/federation/"


def test_the_largest_set_has_a_modest_default_and_bounds() -> None:
    assert Partnership._meta.get_field("largest_set").default == 10_000
    assert Terms(name="x", public_key="", endpoint="", kinds=[]).largest_set == 10_000
    base = {
        "name": "Partner",
        "public_key": b64(FakePartner().public_key),
        "endpoint": "https://partner.example/federation/",
        "kinds": ["phone"],
        "mode": Mode.CARDINALITY,
        "smallest_set": 100,
        "runs_per_period": 1,
        "period_days": 7,
        "minimum_change": 10,
    }
    assert PartnershipForm(data={**base, "largest_set": 5_000}).is_valid()
    assert "largest_set" in PartnershipForm(data={**base, "largest_set": LARGEST_SET_CEILING + 1}).errors
    assert "largest_set" in PartnershipForm(data={**base, "largest_set": 50}).errors


def test_terms_beyond_the_ceiling_are_refused(cast: Cast) -> None:
    with pytest.raises(TermsRefused) as refused:
        partnership_propose(actor=cast.admin, terms=terms(largest_set=LARGEST_SET_CEILING + 1))
    assert refused.value.field == "largest_set"


def test_the_database_does_not_show_how_many_identifiers_were_in_common(cast: Cast) -> None:
    partnership = partnership_with(FakePartner())

    def run(common: int) -> tuple[int, int]:
        stored = run_record(
            partnership=partnership,
            role=RunRole.ASKED,
            mode=Mode.INTERSECTION,
            outcome=Outcome.DONE,
            started_at=timezone.now(),
            figures=Figures(ours=common * 1000, common=common),
            found={f"00000000-0000-4000-8000-{n:012d}": [element_digest(str(n))] for n in range(common)},
        )
        return len(bytes(stored.figures_ciphertext)), len(bytes(stored.findings_ciphertext))

    # No row per finding, but one sealed value per run: the same length for one finding as for twenty,
    # and figures of one digit as long as figures of five.
    assert run(1) == run(20)


class Sent:
    """Stands for the partner: keeps what was sent, answers ok."""

    def __init__(self) -> None:
        self.payloads: list[dict[str, Any]] = []

    def __call__(self, *, partnership: Partnership, action: str, payload: dict[str, Any]) -> Any:
        self.payloads.append(payload)
        return "ok", {}, None


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> Sent:
    partner = Sent()
    monkeypatch.setattr("longarm.federation.services.send", partner)
    return partner


def test_a_contact_message_names_only_the_keys_found_in_common(cast: Cast, settings: Any, sent: Sent) -> None:
    settings.LONGARM_IDENTIFIERS_PER_HOUR = 1000
    partner = FakePartner()
    partnership = partnership_with(partner, kinds=["email", "qq"])
    # A QQ Mail address is two strong keys: the address and the QQ number. The partner holds the number only.
    identifier = add(case_held_by(cast), cast.caseworker, "email", "12345678@qq.com")
    run_record(
        partnership=partnership,
        role=RunRole.ASKED,
        mode=Mode.INTERSECTION,
        outcome=Outcome.DONE,
        started_at=timezone.now(),
        figures=Figures(ours=1, common=1),
        found={str(identifier.public_id): [element_digest("qq\x0012345678")]},
    )
    partner_contact(actor=cast.caseworker, identifier=identifier, partnership=partnership)
    [payload] = sent.payloads
    content = json.loads(unseal_with_signing_seed(partner.seed, unb64(payload["sealed"])))
    assert content["identifiers"] == [{"kind": "qq", "value": "12345678"}]


def test_contact_messages_beyond_the_daily_limit_are_refused_and_audited(
    cast: Cast, settings: Any, sent: Sent
) -> None:
    settings.LONGARM_IDENTIFIERS_PER_HOUR = 1000
    settings.LONGARM_FEDERATION_MESSAGES_PER_DAY = 2
    partnership = partnership_with(FakePartner())
    identifier = add(case_held_by(cast), cast.caseworker, "phone", "+86 139 1000 0001")
    run_record(
        partnership=partnership,
        role=RunRole.ASKED,
        mode=Mode.INTERSECTION,
        outcome=Outcome.DONE,
        started_at=timezone.now(),
        figures=Figures(ours=1, common=1),
        found={str(identifier.public_id): [element_digest("phone\x00+8613910000001")]},
    )
    for _ in range(2):
        partner_contact(actor=cast.caseworker, identifier=identifier, partnership=partnership)
    with pytest.raises(RunRefused) as refused:
        partner_contact(actor=cast.caseworker, identifier=identifier, partnership=partnership)
    assert refused.value.code == "too_many_messages"
    assert len(sent.payloads) == 2
    assert AuditEvent.objects.filter(action="federation.message:refused:too_many_messages").count() == 1

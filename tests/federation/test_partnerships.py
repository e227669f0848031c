"""Partnerships under the two-person rule, what the console shows whom, and offering older identifiers."""

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from longarm.accounts.models import Role
from longarm.audit.models import AuditEvent
from longarm.crypto.keyring import load_recovery_private_key
from longarm.crypto.signing import new_signing_seed, signing_public_key
from longarm.federation.backfill import offered_keys_backfill
from longarm.federation.client import federation_run
from longarm.federation.exceptions import RunRefused, TermsRefused
from longarm.federation.keyset import offered_set
from longarm.federation.models import Mode, OfferedKey, Outcome, Partnership, PartnershipChange
from longarm.federation.models import Role as RunRole
from longarm.federation.runs import Figures, element_digest, run_record
from longarm.federation.services import partnership_approve, partnership_propose, partnership_reject
from longarm.federation.terms import Terms, change_digest
from longarm.federation.wire import b64
from tests.cases.helpers import console
from tests.conftest import Cast
from tests.linking.match_helpers import add, case_held_by
from tests.settings import RECOVERY_KEY_PATH


def shown(proposal: Any) -> str:
    """The digest of the change as the approver's page shows it."""
    return change_digest(PartnershipChange.objects.select_related("partnership").get(proposal=proposal))


def terms(**changes: Any) -> Terms:
    values: dict[str, Any] = {
        "name": "London NGO",
        "public_key": b64(signing_public_key(new_signing_seed())),
        "endpoint": "https://london.example/federation/",
        "kinds": ["phone", "email"],
        "mode": Mode.INTERSECTION,
    }
    return Terms(**{**values, **changes})


@pytest.fixture
def two_person_rule(settings: Any) -> None:
    settings.LONGARM_TWO_PERSON_RULE = True


def test_a_partnership_takes_effect_only_when_a_second_administrator_approves(
    cast: Cast, make_staff: Any, two_person_rule: None
) -> None:
    outcome = partnership_propose(actor=cast.admin, terms=terms())
    assert outcome.proposal is not None
    assert not Partnership.objects.exists()
    with pytest.raises(TermsRefused):
        partnership_approve(actor=cast.admin, proposal=outcome.proposal, digest=shown(outcome.proposal))
    partnership = partnership_approve(
        actor=make_staff("second", Role.ADMIN), proposal=outcome.proposal, digest=shown(outcome.proposal)
    )
    assert partnership.kinds == ["email", "phone"]
    assert AuditEvent.objects.filter(action="federation.partnership:add").exists()

    # Changing it is a proposal too.
    change = partnership_propose(
        actor=cast.admin, terms=terms(mode=Mode.CARDINALITY), partnership=partnership
    )
    assert change.proposal is not None
    partnership.refresh_from_db()
    assert partnership.mode == Mode.INTERSECTION
    partnership_reject(actor=cast.admin, proposal=change.proposal)
    partnership.refresh_from_db()
    assert partnership.mode == Mode.INTERSECTION


def test_only_administrators_propose_and_bad_terms_are_refused(cast: Cast) -> None:
    with pytest.raises(TermsRefused):
        partnership_propose(actor=cast.caseworker, terms=terms())
    with pytest.raises(TermsRefused) as refused:
        partnership_propose(actor=cast.admin, terms=terms(endpoint="http://london.example/federation/"))
    assert refused.value.field == "endpoint"
    with pytest.raises(TermsRefused):
        partnership_propose(actor=cast.admin, terms=terms(kinds=["name"]))
    with pytest.raises(TermsRefused):
        partnership_propose(actor=cast.admin, terms=terms(public_key="not a key"))
    partnership_propose(actor=cast.admin, terms=terms(endpoint="http://abcdefghijklmnop.onion/federation/"))
    assert Partnership.objects.count() == 1


def test_the_federation_page_is_for_administrators(cast: Cast) -> None:
    assert console(cast.admin).get("/console/federation/").status_code == 200
    assert console(cast.caseworker).get("/console/federation/").status_code in {403, 404}
    assert Client().get("/console/federation/").status_code == 302


def test_a_partner_badge_shows_to_holders_of_the_case_only(cast: Cast, settings: Any) -> None:
    settings.LONGARM_IDENTIFIERS_PER_HOUR = 1000
    case = case_held_by(cast)
    found = add(case, cast.caseworker, "phone", "+86 139 1000 0001")
    add(case, cast.caseworker, "phone", "+86 139 1000 0002")
    partnership = partnership_propose(actor=cast.admin, terms=terms()).partnership
    assert partnership is not None
    run_record(
        partnership=partnership,
        role=RunRole.ASKED,
        mode=Mode.INTERSECTION,
        outcome=Outcome.DONE,
        started_at=timezone.now(),
        found={str(found.public_id): [element_digest("phone\x00+8613910000001")]},
    )
    page = console(cast.caseworker).get(f"/console/cases/{case.public_id}/").content.decode()
    assert page.count("also known to partner London NGO") == 1
    assert "Contact the partner" in page
    assert console(cast.outsider).get(f"/console/cases/{case.public_id}/").status_code == 404


def test_identifiers_added_before_federation_are_offered_with_the_recovery_key(
    cast: Cast, settings: Any
) -> None:
    settings.LONGARM_IDENTIFIERS_PER_HOUR = 1000
    case = case_held_by(cast)
    add(case, cast.caseworker, "phone", "+86 139 1000 0001")
    add(case, cast.caseworker, "email", "Li.Ming@Example.COM")
    add(case, cast.caseworker, "name", "Li Ming")
    OfferedKey.objects.all().delete()
    assert offered_set(["phone", "email"]).elements == []

    offered_keys_backfill(
        recovery_private_key=load_recovery_private_key(RECOVERY_KEY_PATH), progress=lambda _: None
    )

    assert sorted(offered_set(["phone", "email"]).elements) == [
        "email\x00li.ming@example.com",
        "phone\x00+8613910000001",
    ]
    # The name, a weak key, is never offered; nothing is in clear.
    assert OfferedKey.objects.count() == 2
    assert all(b"139" not in bytes(row.ciphertext) for row in OfferedKey.objects.all())


def test_our_own_limits_refuse_a_run_before_anything_is_sent(cast: Cast, settings: Any) -> None:
    settings.LONGARM_IDENTIFIERS_PER_HOUR = 1000
    case = case_held_by(cast)
    for n in range(3):
        add(case, cast.caseworker, "phone", f"+86 139 1000 000{n}")
    # The address is unreachable: a refusal must come before any request.
    small = partnership_propose(
        actor=cast.admin,
        terms=terms(endpoint="https://127.0.0.1:9/federation/", smallest_set=5),
    ).partnership
    assert small is not None
    with pytest.raises(RunRefused) as refused:
        federation_run(partnership=small, actor=cast.admin)
    assert refused.value.code == "too_small"

    Partnership.objects.filter(pk=small.pk).update(smallest_set=1, runs_per_period=1)
    small.refresh_from_db()
    run_record(
        partnership=small,
        role=RunRole.ASKED,
        mode=Mode.INTERSECTION,
        outcome=Outcome.DONE,
        started_at=timezone.now(),
        figures=Figures(ours=3, common=1),
    )
    with pytest.raises(RunRefused) as refused:
        federation_run(partnership=small, actor=cast.admin)
    assert refused.value.code == "too_frequent"

    Partnership.objects.filter(pk=small.pk).update(runs_per_period=5, minimum_change=2)
    small.refresh_from_db()
    add(case, cast.caseworker, "phone", "+86 139 1000 0009")
    # One more number than last time: comparing the two results would single it out.
    with pytest.raises(RunRefused) as refused:
        federation_run(partnership=small, actor=cast.admin)
    assert refused.value.code == "too_similar"
    assert AuditEvent.objects.filter(action="federation.asked:refused:too_similar").exists()


def test_the_partnership_form_offers_every_strong_identifier_kind() -> None:
    """A strong kind added to linking (LINE IDs were) is offered at once, under the kind's own label."""
    from longarm.cases.models import IdentifierKind
    from longarm.federation.forms import PartnershipForm
    from longarm.linking.keys import STRONG_KINDS

    choices = dict(PartnershipForm().fields["kinds"].choices)  # type: ignore[attr-defined]
    assert set(choices) == STRONG_KINDS
    assert choices["line"] == IdentifierKind.LINE.label


def test_the_identifiers_of_reporters_and_relatives_are_never_offered(cast: Cast, settings: Any) -> None:
    """A partner who guessed a relative's number must not learn that we hold it: only the identifiers of
    perpetrators, intermediaries and those recorded without a person are offered."""
    from longarm.cases.coding.services import PersonInput, identifier_add, person_create
    from longarm.cases.models import IdentifierKind, PersonRole
    from tests.cases.helpers import private_key

    settings.LONGARM_IDENTIFIERS_PER_HOUR = 1000
    case = case_held_by(cast)
    people = {
        role: person_create(
            actor=cast.caseworker,
            private_key=private_key(cast.caseworker),
            case=case,
            data=PersonInput(role=role, label=role.label),
        )
        for role in PersonRole
    }
    for number, role in enumerate(PersonRole):
        identifier_add(
            actor=cast.caseworker,
            private_key=private_key(cast.caseworker),
            case=case,
            kind=IdentifierKind.PHONE,
            value=f"+86 139 2000 000{number}",
            person=people[role],
        )
    add(case, cast.caseworker, "phone", "+86 139 2000 0009")
    offered = sorted(offered_set(["phone"]).elements)
    assert offered == ["phone\x00+8613920000002", "phone\x00+8613920000003", "phone\x00+8613920000009"]
    # A person who becomes a relative takes their identifiers out of the next run.
    people[PersonRole.PERPETRATOR].role = PersonRole.RELATIVE
    people[PersonRole.PERPETRATOR].save(update_fields=["role"])
    assert "phone\x00+8613920000002" not in offered_set(["phone"]).elements

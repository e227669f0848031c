"""The two-person rule (issue 18; threat model §6.3, §9 item 4): with ``LONGARM_TWO_PERSON_RULE`` on, adding a
member, changing a role, changing new-report routing, offboarding — and a custodian's approval of an identity
disclosure — take effect only when a second administrator (custodian) approves; the proposer cannot approve,
nor can the person a change concerns; both steps are audited; a proposal lapses."""

import io
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from longarm.accounts.administration import Change, proposal_approve, proposal_reject, staff_change
from longarm.accounts.exceptions import ChangeRefused
from longarm.accounts.models import Proposal, ProposalKind, ProposalStatus, Role, StaffUser
from longarm.audit.models import AuditEvent
from longarm.cases.disclosure.services import disclosure_approve, disclosure_deny, disclosure_request
from longarm.cases.exceptions import SecondCustodianNeeded
from longarm.cases.models import DisclosureRequest, DisclosureStatus
from longarm.intake.models import KeyKind, Report, SealedKey
from longarm.operations.doctor import Level, examine
from tests.accounts.helpers import confirmed_post, enrol, enrolling_code, enrolment_token
from tests.cases.helpers import new_report, private_key
from tests.conftest import Cast, log_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _rule_on(settings: Any) -> Iterator[None]:
    settings.LONGARM_TWO_PERSON_RULE = True
    settings.LONGARM_PROPOSAL_HOURS = 72
    return


@pytest.fixture
def second_admin(make_staff: Callable[..., StaffUser], cast: Cast) -> StaffUser:
    return make_staff("abby", Role.ADMIN)


def _console(user: StaffUser) -> Client:
    client = Client()
    log_in(client, user)
    return client


def _proposal() -> Proposal:
    return Proposal.objects.get(status=ProposalStatus.PENDING)


def _audited(proposal: Proposal) -> list[tuple[str, int | None]]:
    return list(
        AuditEvent.objects.filter(object_type="proposal", object_id=str(proposal.public_id))
        .order_by("id")
        .values_list("action", "actor_id")
    )


def _changes(cast: Cast) -> dict[str, tuple[Change, Callable[[], bool]]]:
    """Every staff change under the rule, with a test of whether it took effect."""

    def fresh(user: StaffUser) -> StaffUser:
        return StaffUser.objects.get(pk=user.pk)

    return {
        "add_member": (
            Change(kind=ProposalKind.ADD_MEMBER, username="nadia", role=Role.INVESTIGATOR),
            lambda: StaffUser.objects.filter(username="nadia").exists(),
        ),
        "role": (
            Change(kind=ProposalKind.ROLE, staff=cast.analyst, role=Role.ADMIN),
            lambda: fresh(cast.analyst).role == Role.ADMIN,
        ),
        "routing": (
            Change(kind=ProposalKind.ROUTING, staff=cast.other_caseworker, receives=True),
            lambda: fresh(cast.other_caseworker).receives_new_reports,
        ),
        "offboard": (
            Change(kind=ProposalKind.OFFBOARD, staff=cast.operator),
            lambda: fresh(cast.operator).offboarded,
        ),
    }


@pytest.mark.parametrize("kind", ["add_member", "role", "routing", "offboard"])
def test_a_change_waits_for_a_second_administrator_who_makes_it(
    cast: Cast, second_admin: StaffUser, kind: str
) -> None:
    change, took_effect = _changes(cast)[kind]
    outcome = staff_change(actor=cast.admin, change=change)
    assert outcome.waiting
    assert not took_effect()
    proposal = _proposal()
    with pytest.raises(ChangeRefused, match="second administrator"):
        proposal_approve(actor=cast.admin, proposal=proposal)
    assert not took_effect()
    done = proposal_approve(actor=second_admin, proposal=proposal)
    assert took_effect()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.APPROVED
    assert proposal.decided_by == second_admin
    assert _audited(proposal) == [
        (f"proposal.make:{kind}", cast.admin.pk),
        (f"proposal.approve:{kind}", second_admin.pk),
    ]
    # The change's own event names the second administrator, who made it.
    staff = done.staff
    assert staff is not None
    assert AuditEvent.objects.filter(
        object_type="staff", object_id=str(staff.pk), actor=second_admin
    ).exists()


@pytest.mark.parametrize("kind", ["add_member", "role", "routing", "offboard"])
def test_with_the_rule_off_the_same_change_takes_effect_at_once(cast: Cast, settings: Any, kind: str) -> None:
    settings.LONGARM_TWO_PERSON_RULE = False
    change, took_effect = _changes(cast)[kind]
    outcome = staff_change(actor=cast.admin, change=change)
    assert not outcome.waiting
    assert took_effect()
    assert not Proposal.objects.exists()
    staff = outcome.staff
    assert staff is not None
    assert AuditEvent.objects.filter(object_type="staff", object_id=str(staff.pk), actor=cast.admin).exists()


def test_the_person_a_change_concerns_cannot_approve_it(
    cast: Cast, second_admin: StaffUser, make_staff: Callable[..., StaffUser]
) -> None:
    third = make_staff("alma", Role.ADMIN)
    staff_change(
        actor=cast.admin, change=Change(kind=ProposalKind.ROLE, staff=second_admin, role=Role.ANALYST)
    )
    with pytest.raises(ChangeRefused, match="own account"):
        proposal_approve(actor=second_admin, proposal=_proposal())
    proposal_approve(actor=third, proposal=_proposal())
    second_admin.refresh_from_db()
    assert second_admin.role == Role.ANALYST


def test_a_lapsed_proposal_cannot_be_approved_and_is_no_longer_listed(
    cast: Cast, second_admin: StaffUser
) -> None:
    staff_change(actor=cast.admin, change=Change(kind=ProposalKind.ROLE, staff=cast.analyst, role=Role.ADMIN))
    proposal = _proposal()
    assert proposal.expires_at - proposal.proposed_at == timedelta(hours=72)
    Proposal.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ChangeRefused, match="lapsed"):
        proposal_approve(actor=second_admin, proposal=proposal)
    cast.analyst.refresh_from_db()
    assert cast.analyst.role == Role.ANALYST
    page = _console(second_admin).get(reverse("accounts:approvals")).content.decode()
    assert "Nothing is waiting for approval." in page
    # It is listed as lapsed, so that nobody waits for it.
    assert "Lapsed on" in page
    # It no longer blocks proposing the same change again.
    assert staff_change(
        actor=cast.admin, change=Change(kind=ProposalKind.ROLE, staff=cast.analyst, role=Role.ADMIN)
    ).waiting


def test_the_same_change_cannot_be_proposed_twice(cast: Cast, second_admin: StaffUser) -> None:
    change = Change(kind=ProposalKind.ROUTING, staff=cast.other_caseworker, receives=True)
    staff_change(actor=cast.admin, change=change)
    with pytest.raises(ChangeRefused, match="already waiting"):
        staff_change(actor=second_admin, change=change)


def test_a_rejected_or_withdrawn_proposal_changes_nothing(cast: Cast, second_admin: StaffUser) -> None:
    change = Change(kind=ProposalKind.OFFBOARD, staff=cast.operator)
    staff_change(actor=cast.admin, change=change)
    rejected = proposal_reject(actor=second_admin, proposal=_proposal())
    assert rejected.status == ProposalStatus.REJECTED
    staff_change(actor=cast.admin, change=change)
    withdrawn = proposal_reject(actor=cast.admin, proposal=_proposal())
    assert withdrawn.status == ProposalStatus.WITHDRAWN
    cast.operator.refresh_from_db()
    assert cast.operator.is_active
    assert not cast.operator.offboarded
    with pytest.raises(ChangeRefused, match="already decided"):
        proposal_approve(actor=second_admin, proposal=withdrawn)


def test_the_console_proposes_and_the_second_administrator_approves_with_a_count_in_the_header(
    cast: Cast, second_admin: StaffUser
) -> None:
    proposer, approver = _console(cast.admin), _console(second_admin)
    url = reverse("accounts:staff_role", args=[cast.analyst.pk])
    page = confirmed_post(proposer, url, {"role": Role.CASEWORKER.value})
    assert "Pending approvals" in page
    assert "Your proposal: a second administrator must approve it." in page
    assert "(1 to approve)" not in page
    proposal = _proposal()
    # The proposer's own approval is refused on the page too.
    refused = confirmed_post(proposer, reverse("accounts:approval_approve", args=[proposal.public_id]))
    assert "a second administrator must approve it" in refused
    cast.analyst.refresh_from_db()
    assert cast.analyst.role == Role.ANALYST
    listing = approver.get(reverse("accounts:approvals")).content.decode()
    assert "(1 to approve)" in listing
    assert "Change the role of anna from Analyst to Caseworker" in listing
    confirmed_post(approver, reverse("accounts:approval_approve", args=[proposal.public_id]))
    cast.analyst.refresh_from_db()
    assert cast.analyst.role == Role.CASEWORKER
    listing = proposer.get(reverse("accounts:approvals")).content.decode()
    assert "Approved by abby on" in listing


def test_adding_a_member_shows_the_one_time_link_to_the_approving_administrator(
    cast: Cast, second_admin: StaffUser
) -> None:
    proposer, approver = _console(cast.admin), _console(second_admin)
    proposed = proposer.post(reverse("accounts:staff_add"), {"username": "nadia", "role": "caseworker"})
    assert proposed.status_code == 302
    assert not StaffUser.objects.filter(username="nadia").exists()
    page = confirmed_post(approver, reverse("accounts:approval_approve", args=[_proposal().public_id]))
    member = StaffUser.objects.get(username="nadia")
    assert (
        enrol(
            Client(), enrolment_token(page), password="a brand new passphrase 99", code=enrolling_code(member)
        )
        == 302
    )


def test_offboarding_from_the_console_is_proposed_and_the_leaver_keeps_nothing_once_approved(
    cast: Cast, second_admin: StaffUser
) -> None:
    url = reverse("accounts:staff_offboard", args=[cast.operator.pk])
    response = _console(cast.admin).post(url, {"confirm": "on", "unheld_seen": "0"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:approvals")
    cast.operator.refresh_from_db()
    assert cast.operator.is_active
    proposal_approve(actor=second_admin, proposal=_proposal())
    cast.operator.refresh_from_db()
    assert cast.operator.offboarded


def test_a_sole_administrator_is_told_that_a_second_one_is_needed(cast: Cast) -> None:
    page = _console(cast.admin).get(reverse("cases:staff_list")).content.decode()
    assert "you are the only active administrator" in page
    assert "longarm createstaff NAME --role admin" in page
    # The command line stays the bootstrap path: it needs no approval.
    call_command("createstaff", "abby", "--role", "admin", "--generate-password", stdout=io.StringIO())
    assert StaffUser.objects.get(username="abby").is_active
    page = _console(cast.admin).get(reverse("cases:staff_list")).content.decode()
    assert "you are the only active administrator" not in page


def test_outsiders_cannot_see_or_decide_proposals(cast: Cast, second_admin: StaffUser) -> None:
    staff_change(actor=cast.admin, change=Change(kind=ProposalKind.ROLE, staff=cast.analyst, role=Role.ADMIN))
    proposal = _proposal()
    for person in (cast.outsider, cast.analyst, cast.operator):
        client = _console(person)
        assert client.get(reverse("accounts:approvals")).status_code == 403
        url = reverse("accounts:approval_approve", args=[proposal.public_id])
        assert client.post(url, {"confirmed": "yes"}).status_code == 403
    # A custodian sees the page (for disclosures) but cannot decide a staff change.
    custodian = _console(cast.custodian)
    assert "anna" not in custodian.get(reverse("accounts:approvals")).content.decode()
    url = reverse("accounts:approval_approve", args=[proposal.public_id])
    assert custodian.post(url, {"confirmed": "yes"}).status_code == 403
    with pytest.raises(ChangeRefused):
        proposal_approve(actor=cast.custodian, proposal=proposal)
    cast.analyst.refresh_from_db()
    assert cast.analyst.role == Role.ANALYST


# Identity disclosure: two custodians.


@pytest.fixture
def second_custodian(make_staff: Callable[..., StaffUser], cast: Cast) -> StaffUser:
    # Made before any report arrives, so that every identity key is sealed to both custodians.
    return make_staff("cleo", Role.CUSTODIAN)


def _request(cast: Cast) -> tuple[Report, DisclosureRequest]:
    report = new_report()
    worker = cast.caseworker
    request = disclosure_request(
        actor=worker, private_key=private_key(worker), report=report, reason="the police asked"
    )
    return report, request


def _disclosed(report: Report, cast: Cast) -> bool:
    return SealedKey.objects.filter(report=report, kind=KeyKind.IDENTITY, staff=cast.caseworker).exists()


def test_an_identity_is_disclosed_only_when_a_second_custodian_approves(
    cast: Cast, second_custodian: StaffUser
) -> None:
    report, request = _request(cast)
    decided = disclosure_approve(
        actor=cast.custodian, private_key=private_key(cast.custodian), request=request
    )
    assert decided.status == DisclosureStatus.PENDING
    assert not _disclosed(report, cast)
    with pytest.raises(SecondCustodianNeeded):
        disclosure_approve(actor=cast.custodian, private_key=private_key(cast.custodian), request=request)
    assert not _disclosed(report, cast)
    decided = disclosure_approve(
        actor=second_custodian, private_key=private_key(second_custodian), request=request
    )
    assert decided.status == DisclosureStatus.APPROVED
    assert _disclosed(report, cast)
    proposal = Proposal.objects.get(kind=ProposalKind.DISCLOSURE)
    assert proposal.status == ProposalStatus.APPROVED
    assert proposal.decided_by == second_custodian
    actions = list(AuditEvent.objects.filter(object_id=str(report.public_id)).values_list("action", "actor"))
    assert (f"disclosure.first_approval:{proposal.public_id}", cast.custodian.pk) in actions
    assert (f"disclosure.approve:{request.public_id}", second_custodian.pk) in actions


def test_with_the_rule_off_one_custodian_discloses(
    cast: Cast, second_custodian: StaffUser, settings: Any
) -> None:
    settings.LONGARM_TWO_PERSON_RULE = False
    report, request = _request(cast)
    decided = disclosure_approve(
        actor=cast.custodian, private_key=private_key(cast.custodian), request=request
    )
    assert decided.status == DisclosureStatus.APPROVED
    assert _disclosed(report, cast)
    assert not Proposal.objects.exists()


def test_one_custodians_denial_is_enough_and_closes_the_first_approval(
    cast: Cast, second_custodian: StaffUser
) -> None:
    report, request = _request(cast)
    disclosure_approve(actor=cast.custodian, private_key=private_key(cast.custodian), request=request)
    disclosure_deny(actor=second_custodian, request=request)
    request.refresh_from_db()
    assert request.status == DisclosureStatus.DENIED
    assert not _disclosed(report, cast)
    assert Proposal.objects.get().status == ProposalStatus.REJECTED


def test_a_lapsed_first_approval_counts_for_nothing(cast: Cast, second_custodian: StaffUser) -> None:
    report, request = _request(cast)
    disclosure_approve(actor=cast.custodian, private_key=private_key(cast.custodian), request=request)
    Proposal.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    decided = disclosure_approve(
        actor=second_custodian, private_key=private_key(second_custodian), request=request
    )
    # The second custodian's approval is now a first approval of its own.
    assert decided.status == DisclosureStatus.PENDING
    assert not _disclosed(report, cast)
    assert Proposal.objects.filter(status=ProposalStatus.PENDING, proposed_by=second_custodian).exists()


def test_the_custodians_queue_and_header_show_the_first_approval(
    cast: Cast, second_custodian: StaffUser
) -> None:
    _report, request = _request(cast)
    first, second = _console(cast.custodian), _console(second_custodian)
    page = first.post(reverse("cases:disclosure_approve", args=[request.public_id]), follow=True)
    text = page.content.decode()
    assert "Your approval is recorded." in text
    assert "First approval by cora" in text
    assert reverse("cases:disclosure_approve", args=[request.public_id]) not in text
    queue = second.get(reverse("cases:disclosure_queue")).content.decode()
    assert "(1 to approve)" in queue
    assert "First approval by cora" in queue
    approvals = second.get(reverse("accounts:approvals")).content.decode()
    assert f"Disclose the reporter's identity in report {request.report.reference} to casey" in approvals
    second.post(reverse("cases:disclosure_approve", args=[request.public_id]))
    request.refresh_from_db()
    assert request.status == DisclosureStatus.APPROVED


def test_a_sole_custodian_is_told_that_a_second_one_is_needed(cast: Cast) -> None:
    page = _console(cast.custodian).get(reverse("cases:disclosure_queue")).content.decode()
    assert "you are the only active custodian" in page


def test_the_audit_log_names_a_proposal_by_its_change_and_person(cast: Cast, second_admin: StaffUser) -> None:
    staff_change(actor=cast.admin, change=Change(kind=ProposalKind.ROLE, staff=cast.analyst, role=Role.ADMIN))
    page = _console(second_admin).get(reverse("audit:events")).content.decode()
    assert "proposal.make:role" in page
    assert "Change a role: anna" in page
    assert str(_proposal().public_id) not in page


def test_routing_from_the_staff_page_is_proposed_and_marked_as_waiting(
    cast: Cast, second_admin: StaffUser
) -> None:
    admin = _console(cast.admin)
    url = reverse("cases:staff_receives_reports", args=[cast.other_caseworker.pk])
    page = admin.post(url, {"receives": "on"}, follow=True).content.decode()
    assert "Proposed: it takes effect when a second administrator approves it." in page
    assert "change waiting for approval" in page
    cast.other_caseworker.refresh_from_db()
    assert not cast.other_caseworker.receives_new_reports
    new_report()
    assert not SealedKey.objects.filter(staff=cast.other_caseworker).exists()
    confirmed_post(_console(second_admin), reverse("accounts:approval_approve", args=[_proposal().public_id]))
    new_report()
    assert SealedKey.objects.filter(staff=cast.other_caseworker, kind=KeyKind.DATA).count() == 1


def test_a_second_factor_reset_is_not_held_back_by_the_rule(cast: Cast, second_admin: StaffUser) -> None:
    url = reverse("accounts:staff_second_factor", args=[cast.caseworker.pk])
    page = confirmed_post(_console(cast.admin), url)
    assert "It is shown only now." in page
    assert not Proposal.objects.exists()


def test_offboarding_withdraws_what_was_proposed_by_or_about_the_leaver(
    cast: Cast, second_admin: StaffUser, make_staff: Callable[..., StaffUser]
) -> None:
    third = make_staff("alma", Role.ADMIN)
    staff_change(actor=third, change=Change(kind=ProposalKind.ROLE, staff=cast.analyst, role=Role.ADMIN))
    staff_change(actor=cast.admin, change=Change(kind=ProposalKind.ROLE, staff=third, role=Role.ANALYST))
    staff_change(actor=cast.admin, change=Change(kind=ProposalKind.OFFBOARD, staff=third))
    offboarding = Proposal.objects.get(kind=ProposalKind.OFFBOARD)
    proposal_approve(actor=second_admin, proposal=offboarding)
    # The leaver's proposal cannot be approved after they left, nor the change proposed about them.
    assert not Proposal.objects.filter(status=ProposalStatus.PENDING).exists()
    assert set(Proposal.objects.values_list("status", flat=True)) == {
        ProposalStatus.WITHDRAWN,
        ProposalStatus.APPROVED,
    }


def test_offboarding_a_member_who_never_enrolled_voids_their_link(cast: Cast, settings: Any) -> None:
    settings.LONGARM_TWO_PERSON_RULE = False
    page = (
        _console(cast.admin)
        .post(reverse("accounts:staff_add"), {"username": "nadia", "role": "caseworker"})
        .content.decode()
    )
    member = StaffUser.objects.get(username="nadia")
    staff_change(actor=cast.admin, change=Change(kind=ProposalKind.OFFBOARD, staff=member))
    member.refresh_from_db()
    assert member.offboarded
    assert enrol(Client(), enrolment_token(page), password="a brand new passphrase 99", code="123456") == 404


def test_doctor_warns_when_only_one_person_could_approve(
    cast: Cast, make_staff: Callable[..., StaffUser]
) -> None:
    warnings = [item.message for item in examine() if item.name == "two-person rule"]
    assert len(warnings) == 2
    assert all(item.level is Level.WARNING for item in examine() if item.name == "two-person rule")
    assert "only one active administrator" in warnings[0]
    assert "only one active custodian" in warnings[1]
    make_staff("abby", Role.ADMIN)
    make_staff("cleo", Role.CUSTODIAN)
    assert [item.level for item in examine() if item.name == "two-person rule"] == [Level.OK]

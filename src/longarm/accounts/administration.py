"""Staff administration in the console, under the two-person rule (threat model §6.3, §9 item 4).

Adding a member, changing a role, changing new-report routing and offboarding are *changes*. With
``LONGARM_TWO_PERSON_RULE`` on, an administrator's change becomes a ``Proposal`` that takes effect only when a
second active administrator approves it — never the proposer, never the person it concerns — before it
lapses (``LONGARM_PROPOSAL_HOURS``). With the rule off (a single-administrator deployment) it takes effect at
once. Either way every step is audited, and no administrator can make a change to their own account.

Every check a change must pass is made when it is proposed (so that a proposal that could never succeed is
refused at once) and again when it is approved (the world may have moved on meanwhile). Resetting a second
factor is not under the rule: it grants nothing — the member still needs their own password — and waiting two
days for it would leave a colleague who lost their phone locked out.

A custodian's approval of an identity disclosure is under the same rule, with custodians in place of
administrators: that flow lives with the disclosure requests (``cases.disclosure.services``) and uses the
same ``Proposal`` rows.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from longarm.accounts.enrolment import enrolment_issue
from longarm.accounts.exceptions import ChangeRefused, OffboardingRefused, UnheldAfterOffboarding
from longarm.accounts.models import (
    CONTENT_ROLES,
    Proposal,
    ProposalKind,
    ProposalStatus,
    Role,
    StaffUser,
)
from longarm.accounts.selectors import other_active_admins, other_receivers_of_new_reports
from longarm.accounts.services import (
    end_sessions,
    staff_offboard,
    staff_set_receives_new_reports,
)
from longarm.audit.models import ActorKind
from longarm.audit.services import audit_append
from longarm.core.database import release_freed_pages

STAFF_KINDS = (ProposalKind.ADD_MEMBER, ProposalKind.ROLE, ProposalKind.ROUTING, ProposalKind.OFFBOARD)


def two_person_rule() -> bool:
    return bool(settings.LONGARM_TWO_PERSON_RULE)


def proposal_lifetime() -> timedelta:
    return timedelta(hours=settings.LONGARM_PROPOSAL_HOURS)


@dataclass(frozen=True)
class Change:
    """One administration change, proposed or made: ``staff`` is whom it concerns (none when adding)."""

    kind: ProposalKind
    staff: StaffUser | None = None
    username: str = ""
    role: str = ""
    receives: bool | None = None
    accept_unheld: bool = False

    @classmethod
    def of(cls, proposal: Proposal) -> "Change":
        return cls(
            kind=ProposalKind(proposal.kind),
            staff=proposal.staff,
            username=proposal.username,
            role=proposal.role,
            receives=proposal.receives,
            accept_unheld=proposal.accept_unheld,
        )


@dataclass(frozen=True)
class Outcome:
    """What a change did: either a proposal now waits for a second administrator, or it took effect.
    ``staff`` is the member it concerns and, when a member was added, ``enrolment_token`` the secret of
    their one-time link, to show once."""

    proposal: Proposal | None = None
    staff: StaffUser | None = None
    enrolment_token: str = ""

    @property
    def waiting(self) -> bool:
        return self.proposal is not None and self.proposal.status == ProposalStatus.PENDING


def _audit(actor: StaffUser, action: str, object_type: str, object_id: str) -> None:
    audit_append(
        actor=actor, actor_kind=ActorKind.STAFF, action=action, object_type=object_type, object_id=object_id
    )


def _require_admin(actor: StaffUser) -> None:
    if actor.role != Role.ADMIN or not actor.is_active:
        raise ChangeRefused(_("Only an active administrator can do this."))


def _waiting(kind: ProposalKind) -> QuerySet[Proposal]:
    return Proposal.objects.filter(kind=kind, status=ProposalStatus.PENDING, expires_at__gt=timezone.now())


def _check_member(change: Change) -> None:
    name = change.username.strip()
    try:
        UnicodeUsernameValidator()(name)
    except ValidationError as error:
        raise ChangeRefused(" ".join(error.messages), field="username") from error
    if not name or StaffUser.objects.filter(username__iexact=name).exists():
        raise ChangeRefused(_("That user name is taken."), field="username")
    if change.role not in Role.values:
        raise ChangeRefused(_("Choose a role."), field="role")


def _check_role(staff: StaffUser, role: str) -> None:
    if role not in Role.values:
        raise ChangeRefused(_("Choose a role."))
    if staff.offboarded:
        raise ChangeRefused(_("This account is offboarded."))
    if staff.role == role:
        raise ChangeRefused(_("This person already has that role."))
    if staff.role == Role.ADMIN and not other_active_admins(staff).exists():
        raise ChangeRefused(_("This is the last active administrator. Create another administrator first."))
    if role not in CONTENT_ROLES:
        _refuse_the_last_receiver(staff)


def _refuse_the_last_receiver(staff: StaffUser) -> None:
    """Refuse a change that would leave nobody receiving new reports: each one would then be sealed to no
    staff member and be readable only with the offline recovery key, however urgent."""
    if staff.receives_new_reports and not other_receivers_of_new_reports(staff).exists():
        raise ChangeRefused(
            _(
                "This is the last person who receives new reports: nobody could read the next one. Choose "
                "another caseworker or investigator to receive them first."
            )
        )


def _check_routing(staff: StaffUser, receives: bool | None) -> None:
    if receives is None:
        raise ChangeRefused(_("Choose whether this person receives new reports."))
    if receives and staff.role not in CONTENT_ROLES:
        raise ChangeRefused(_("Only caseworkers and investigators can receive new reports."))
    if receives and not staff.is_active:
        raise ChangeRefused(_("An inactive account cannot receive new reports."))
    if staff.receives_new_reports == receives:
        raise ChangeRefused(_("New-report routing for this person is already so."))
    if not receives:
        _refuse_the_last_receiver(staff)


def _check_offboarding(staff: StaffUser) -> None:
    if staff.offboarded:
        raise ChangeRefused(_("This account is already offboarded."))
    if staff.role == Role.ADMIN and not other_active_admins(staff).exists():
        raise ChangeRefused(_("This is the last active administrator. Create another administrator first."))
    _refuse_the_last_receiver(staff)


def _check(change: Change, actor: StaffUser, *, proposal: Proposal | None = None) -> None:
    """Refuse a change that cannot be made now (``ChangeRefused``); ``proposal`` is the one being approved,
    which does not count as a duplicate of itself."""
    _require_admin(actor)
    staff = change.staff
    waiting = _waiting(change.kind)
    if proposal is not None:
        waiting = waiting.exclude(pk=proposal.pk)
    if change.kind == ProposalKind.ADD_MEMBER:
        _check_member(change)
        if waiting.filter(username__iexact=change.username.strip()).exists():
            raise ChangeRefused(
                _("Adding someone with that user name is already waiting for approval."), field="username"
            )
        return
    if staff is None:
        raise ChangeRefused(_("Choose a staff member."))
    if staff.pk == actor.pk:
        raise ChangeRefused(_("You cannot change your own account. Ask another administrator."))
    if waiting.filter(staff=staff).exists():
        raise ChangeRefused(_("A change of this kind for this person is already waiting for approval."))
    if change.kind == ProposalKind.ROLE:
        _check_role(staff, change.role)
    elif change.kind == ProposalKind.ROUTING:
        _check_routing(staff, change.receives)
    elif change.kind == ProposalKind.OFFBOARD:
        _check_offboarding(staff)


def _member_add(*, actor: StaffUser, username: str, role: str) -> Outcome:
    staff = StaffUser(username=username.strip(), role=role, is_active=False)
    staff.public_key = staff.private_key_salt = staff.private_key_locked = b""
    staff.private_key_opslimit = staff.private_key_memlimit = 0
    staff.set_unusable_password()
    staff.save()
    token = enrolment_issue(staff=staff, actor=actor)
    _audit(actor, f"staff.create:{role}", "staff", str(staff.pk))
    return Outcome(staff=staff, enrolment_token=token)


def _role_set(*, actor: StaffUser, staff: StaffUser, role: str) -> Outcome:
    previous = staff.role
    staff.role = role
    if role not in CONTENT_ROLES:
        # Routing belongs to roles that read reports; a former caseworker keeps the keys already sealed to
        # them (offboarding removes those), but no new report is sealed to an analyst or an administrator.
        staff.receives_new_reports = False
    staff.save(update_fields=["role", "receives_new_reports"])
    _audit(actor, f"staff.role:{previous}>{role}", "staff", str(staff.pk))
    return Outcome(staff=staff)


def _apply(change: Change, actor: StaffUser) -> Outcome:
    """Make the (checked) change now, in the caller's transaction."""
    if change.kind == ProposalKind.ADD_MEMBER:
        return _member_add(actor=actor, username=change.username, role=change.role)
    if change.staff is None:
        raise ChangeRefused(_("Choose a staff member."))
    staff = StaffUser.objects.select_for_update(no_key=True).get(pk=change.staff.pk)
    if change.kind == ProposalKind.ROLE:
        return _role_set(actor=actor, staff=staff, role=change.role)
    if change.kind == ProposalKind.ROUTING:
        try:
            staff_set_receives_new_reports(actor=actor, staff=staff, receives=bool(change.receives))
        except ValidationError as error:
            raise ChangeRefused(" ".join(error.messages)) from error
        return Outcome(staff=staff)
    staff_offboard(actor=actor, staff=staff, accept_unheld=change.accept_unheld)
    return Outcome(staff=staff)


def staff_change(*, actor: StaffUser, change: Change) -> Outcome:
    """Propose ``change`` (rule on) or make it (rule off); returns what happened.

    Raises ``ChangeRefused`` with the reason when ``actor`` is not an active administrator, the change
    concerns their own account, the same change already waits, or the change cannot be made (a taken user
    name, the last administrator, a role that cannot receive reports, …); offboarding at once raises what
    ``staff_offboard`` raises (``UnheldAfterOffboarding`` when the unheld were not accepted).
    """
    with transaction.atomic():
        _check(change, actor)
        if not two_person_rule():
            outcome = _apply(change, actor)
        else:
            now = timezone.now()
            proposal = Proposal.objects.create(
                kind=change.kind,
                staff=change.staff,
                username=change.username.strip(),
                role=change.role,
                receives=change.receives,
                accept_unheld=change.accept_unheld,
                proposed_by=actor,
                proposed_at=now,
                expires_at=now + proposal_lifetime(),
            )
            _audit(actor, f"proposal.make:{change.kind}", "proposal", str(proposal.public_id))
            outcome = Outcome(proposal=proposal, staff=change.staff)
    if change.kind == ProposalKind.OFFBOARD and not outcome.waiting:
        release_freed_pages()
    return outcome


def _locked_pending(proposal: Proposal) -> Proposal:
    locked = (
        Proposal.objects.select_for_update(no_key=True, of=("self",))
        .select_related("staff")
        .get(pk=proposal.pk)
    )
    if locked.status != ProposalStatus.PENDING:
        raise ChangeRefused(_("This proposal was already decided."))
    if locked.expired:
        raise ChangeRefused(_("This proposal has lapsed. Propose the change again if it is still needed."))
    return locked


def proposal_approve(*, actor: StaffUser, proposal: Proposal) -> Outcome:
    """Approve a pending staff change as the second administrator and make it; returns what it did.

    Raises ``ChangeRefused`` when ``actor`` proposed it or is the person it concerns, when it was decided or
    has lapsed, and when the change can no longer be made (nothing is changed then).
    """
    with transaction.atomic():
        proposal = _locked_pending(proposal)
        if proposal.kind not in STAFF_KINDS:
            raise ChangeRefused(_("A custodian decides this on the disclosure requests page."))
        if proposal.proposed_by_id == actor.pk:
            raise ChangeRefused(_("You proposed this change: a second administrator must approve it."))
        change = Change.of(proposal)
        _check(change, actor, proposal=proposal)
        try:
            outcome = _apply(change, actor)
        except UnheldAfterOffboarding as error:
            raise ChangeRefused(
                _(
                    "Offboarding would now leave cases or reports to the recovery key, which the proposal "
                    "did not accept. Reject it and propose it again from the offboarding page."
                )
            ) from error
        except OffboardingRefused as error:
            raise ChangeRefused(_("This account cannot be offboarded now.")) from error
        proposal.status, proposal.decided_by, proposal.decided_at = (
            ProposalStatus.APPROVED,
            actor,
            timezone.now(),
        )
        proposal.save(update_fields=["status", "decided_by", "decided_at"])
        _audit(actor, f"proposal.approve:{proposal.kind}", "proposal", str(proposal.public_id))
    if proposal.kind == ProposalKind.OFFBOARD:
        release_freed_pages()
    return Outcome(proposal=proposal, staff=outcome.staff, enrolment_token=outcome.enrolment_token)


def proposal_reject(*, actor: StaffUser, proposal: Proposal) -> Proposal:
    """Reject a pending staff change (or withdraw it, when ``actor`` proposed it); returns the proposal.

    Raises ``ChangeRefused`` when ``actor`` is not an active administrator or the proposal was decided.
    """
    with transaction.atomic():
        _require_admin(actor)
        proposal = _locked_pending(proposal)
        if proposal.kind not in STAFF_KINDS:
            raise ChangeRefused(_("A custodian decides this on the disclosure requests page."))
        withdrawn = proposal.proposed_by_id == actor.pk
        proposal.status = ProposalStatus.WITHDRAWN if withdrawn else ProposalStatus.REJECTED
        proposal.decided_by, proposal.decided_at = actor, timezone.now()
        proposal.save(update_fields=["status", "decided_by", "decided_at"])
        _audit(actor, f"proposal.{proposal.status}:{proposal.kind}", "proposal", str(proposal.public_id))
    return proposal


def staff_reset_second_factor(*, actor: StaffUser, staff: StaffUser) -> str:
    """Remove ``staff``'s second factor, end their sessions and issue a one-time link with which they enrol a
    new one (with their own password); for a member who has not enrolled yet, a fresh link. Returns the link's
    token, to show once. Raises ``ChangeRefused`` for one's own account and for an offboarded one."""
    with transaction.atomic():
        _require_admin(actor)
        if staff.pk == actor.pk:
            raise ChangeRefused(_("You cannot change your own account. Ask another administrator."))
        staff = StaffUser.objects.select_for_update(no_key=True).get(pk=staff.pk)
        if staff.offboarded:
            raise ChangeRefused(_("This account is offboarded."))
        token = enrolment_issue(staff=staff, actor=actor)
        # The old authenticator goes at once: it may be on a lost or seized phone.
        TOTPDevice.objects.filter(user=staff, confirmed=True).delete()
        sessions = end_sessions(staff)
        _audit(actor, f"staff.second_factor_reset:sessions={sessions}", "staff", str(staff.pk))
    return token

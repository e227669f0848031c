from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import SESSION_KEY, authenticate, update_session_auth_hash
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from longarm.accounts.exceptions import (
    AlreadyOffboarded,
    CodesForbidden,
    KeysLocked,
    LastAdministrator,
    LoginRefused,
    OffboardingSelf,
    PasskeyRefused,
    UnheldAfterOffboarding,
)
from longarm.accounts.models import CONTENT_ROLES, Enrolment, Proposal, ProposalStatus, Role, StaffUser
from longarm.accounts.passkeys import ENROLMENT_ONLY, has_passkey, passkey_match, totp_allowed
from longarm.accounts.selectors import OffboardingPlan, offboarding_plan, other_active_admins
from longarm.api.models import ApiToken
from longarm.api.services import api_tokens_revoke_all
from longarm.audit.models import ActorKind, AuditEvent
from longarm.audit.services import audit_append
from longarm.audit.tally import audit_count, current_window
from longarm.cases.models import (
    Assignment,
    CaseKey,
    DisclosureReasonKey,
    DisclosureRequest,
    DisclosureStatus,
)
from longarm.core.database import release_freed_pages
from longarm.core.keyring import staff_cost
from longarm.core.session_vault import vault_clear, vault_load, vault_rotate, vault_store
from longarm.core.throttle import Limit, current_count, hashed_key, record_failure
from longarm.crypto.envelopes import new_keypair
from longarm.crypto.errors import DecryptionError
from longarm.crypto.staff_keys import LockedPrivateKey, lock_private_key, unlock_private_key
from longarm.evidence.models import EvidenceKey, KeyHolder
from longarm.gate.tokens import clamp_level
from longarm.intake.models import RecipientKind, SealedKey
from longarm.linking.models import AccessRequest, RequestStatus

_PRIVATE_KEY_VAULT_NAME = "staff-private-key"
# Failed log-ins under one user name (any spelling of its case) within the window raise the gate level that
# name's next attempt must pay by one per this many: a back-off that the right password and code always
# get through, never a lock that anyone typing the name could set off (issue 11 item 8).
LOGIN_FAILURES_PER_LEVEL = 5
LOGIN_WINDOW = timedelta(minutes=15)
AUDIT_ACTION_LENGTH = AuditEvent._meta.get_field("action").max_length or 64


@dataclass(frozen=True)
class StaffCreation:
    user: StaffUser
    totp_uri: str


def staff_create(
    *,
    username: str,
    password: str,
    role: Role,
    receives_new_reports: bool = False,
    actor: StaffUser | None = None,
) -> StaffCreation:
    """Create a staff account with its key pair and its (mandatory) TOTP device.

    Returns the user and the TOTP provisioning URI to show once. Raises ``ValidationError`` for a weak
    password, a taken user name, or a role that may not receive reports.
    """
    if receives_new_reports and role not in CONTENT_ROLES:
        raise ValidationError(_("Only caseworkers and investigators can receive new reports."))
    if StaffUser.objects.filter(username__iexact=username).exists():
        raise ValidationError(_("That user name is taken."))
    candidate = StaffUser(username=username, role=role)
    validate_password(password, user=candidate)
    keypair = new_keypair()
    cost = staff_cost()
    locked = lock_private_key(keypair.private, password, cost=cost)
    with transaction.atomic():
        candidate.public_key = keypair.public
        candidate.private_key_salt = locked.salt
        candidate.private_key_locked = locked.ciphertext
        candidate.private_key_opslimit = cost.opslimit
        candidate.private_key_memlimit = cost.memlimit
        candidate.receives_new_reports = receives_new_reports
        candidate.set_password(password)
        candidate.save()
        device = TOTPDevice.objects.create(user=candidate, name="default", confirmed=True)
        audit_append(
            actor=actor,
            actor_kind=ActorKind.STAFF if actor else ActorKind.SYSTEM,
            action="staff.create",
            object_type="staff",
            object_id=str(candidate.pk),
        )
    return StaffCreation(user=candidate, totp_uri=device.config_url)


def _audit_staff(*, actor: StaffUser, action: str, staff: StaffUser) -> None:
    audit_append(
        actor=actor, actor_kind=ActorKind.STAFF, action=action, object_type="staff", object_id=str(staff.pk)
    )


def _unlock(user: StaffUser, password: str) -> bytes:
    locked = LockedPrivateKey(salt=bytes(user.private_key_salt), ciphertext=bytes(user.private_key_locked))
    return unlock_private_key(locked, password, cost=user.private_key_cost)


def _login_failures(username: str) -> Limit:
    # Counted for any name typed, existing or not, so the level says nothing about which accounts exist.
    return Limit(
        scope="staff-login",
        key=hashed_key("staff-login", username.casefold()),
        maximum=LOGIN_FAILURES_PER_LEVEL,
        window=LOGIN_WINDOW,
    )


def staff_login_level(*, username: str) -> int:
    """The gate level a log-in attempt under ``username`` must pay: higher after recent failures."""
    return clamp_level(current_count(_login_failures(username)) // LOGIN_FAILURES_PER_LEVEL)


def _second_factor(
    request: HttpRequest, user: StaffUser, otp_token: str, passkey: str
) -> TOTPDevice | WebAuthnCredential | None:
    if passkey:
        try:
            return passkey_match(request=request, user=user, response=passkey)
        except PasskeyRefused:
            return None
    device: TOTPDevice | None = match_token(user, otp_token) if otp_token else None
    return device


def staff_login(
    *, request: HttpRequest, username: str, password: str, otp_token: str = "", passkey: str = ""
) -> StaffUser:
    """Check the password and the second factor (a one-time code, or the response of a passkey to this
    session's challenge), log in, and keep the unlocked private key in the session vault.

    The caller has made the attempt pay the gate at ``staff_login_level`` first; failures are counted for
    that back-off, and nothing here locks an account. Raises ``LoginRefused`` for any failure, without
    saying which factor was wrong, and ``CodesForbidden`` when both were right but the account's role must
    use the passkey it holds. A code for a role that forbids codes, from someone with no passkey yet, opens
    a session limited to enrolling one (``passkeys.ENROLMENT_ONLY``).
    """
    limit = _login_failures(username)
    user = authenticate(request, username=username, password=password)
    device = _second_factor(request, user, otp_token, passkey) if isinstance(user, StaffUser) else None
    if not isinstance(user, StaffUser) or device is None:
        record_failure(limit)
        if isinstance(user, StaffUser):
            _audit_refused(staff=user, reason="code")
        else:
            _audit_refused(staff=StaffUser.objects.filter(username=username).first(), reason="password")
        raise LoginRefused
    enrolment_only = isinstance(device, TOTPDevice) and not totp_allowed(role=user.role)
    if enrolment_only and has_passkey(user=user):
        _audit_refused(staff=user, reason="code_forbidden")
        raise CodesForbidden
    try:
        private_key = _unlock(user, password)
    except DecryptionError as error:
        _audit_refused(staff=user, reason="key")
        raise LoginRefused from error
    with transaction.atomic():
        auth_login(request, user)
        otp_login(request, device)
        store_private_key(request, private_key)
        if enrolment_only:
            request.session[ENROLMENT_ONLY] = True
        action = "staff.login.passkey" if isinstance(device, WebAuthnCredential) else "staff.login"
        _audit_staff(actor=user, action=action + (".enrolment_only" if enrolment_only else ""), staff=user)
    return user


def store_private_key(request: HttpRequest, private_key: bytes) -> None:
    """Keep the unlocked private key in the session vault of a session just logged in."""
    # Django keeps the session key when the same person logs in again; the vault key changes anyway, so a
    # vault cookie planted in this browser never wraps the private key.
    vault_rotate(request)
    vault_store(request, _PRIVATE_KEY_VAULT_NAME, private_key)


def _audit_refused(*, staff: StaffUser | None, reason: str) -> None:
    """Record a refused log-in: never what was typed, only which account and which factor failed.

    A name that is no account's stays an anonymous attempt, counted per window (``audit.tally``) like every
    public form, so that typing random names cannot write to the chain. An existing account gets a chained
    event ``staff.login_refused.<reason>`` naming it — a wrong code after the right password means the
    password is known to someone, so that one is the alert ``alert.login_wrong_code`` — at most one per
    account, reason and tally window: further failures in the window are counted, so a flood against one
    name still adds one chain row a window.
    """
    if staff is None:
        audit_count(action="staff.login", outcome="refused")
        return
    # The right password with a wrong code means someone else may know the password: an alert for admins.
    action = "alert.login_wrong_code" if reason == "code" else f"staff.login_refused.{reason}"
    window = current_window()
    with transaction.atomic():
        already = AuditEvent.objects.filter(
            action=action, object_type="staff", object_id=str(staff.pk), created_at__gte=window.start
        ).exists()
        if already:
            audit_count(action=action, outcome="refused")
        else:
            audit_append(
                actor=None,
                actor_kind=ActorKind.SYSTEM,
                action=action,
                object_type="staff",
                object_id=str(staff.pk),
            )


def staff_logout(*, request: HttpRequest) -> None:
    vault_clear(request)
    auth_logout(request)


def staff_private_key(request: HttpRequest) -> bytes:
    """The logged-in staff member's private key; raises ``KeysLocked`` when the session lost it."""
    key = vault_load(request, _PRIVATE_KEY_VAULT_NAME)
    if key is None:
        raise KeysLocked
    return key


@transaction.atomic
def staff_set_receives_new_reports(*, actor: StaffUser, staff: StaffUser, receives: bool) -> StaffUser:
    """Choose whether new reports are sealed to ``staff``. Raises ``ValidationError`` for other roles and for
    an inactive account."""
    if receives and staff.role not in CONTENT_ROLES:
        raise ValidationError(_("Only caseworkers and investigators can receive new reports."))
    if receives and not staff.is_active:
        raise ValidationError(_("An inactive account cannot receive new reports."))
    staff.receives_new_reports = receives
    staff.save(update_fields=["receives_new_reports"])
    _audit_staff(
        actor=actor, action="staff.receives_new_reports." + ("on" if receives else "off"), staff=staff
    )
    return staff


@transaction.atomic
def staff_change_password(*, request: HttpRequest, user: StaffUser, current: str, new: str) -> None:
    """Re-lock the private key under a new password. Raises ``LoginRefused`` if ``current`` is wrong and
    ``ValidationError`` if ``new`` is too weak; the session stays logged in either way."""
    if not user.check_password(current):
        raise LoginRefused
    validate_password(new, user=user)
    private_key = _unlock(user, current)
    cost = staff_cost()
    locked = lock_private_key(private_key, new, cost=cost)
    user.private_key_salt, user.private_key_locked = locked.salt, locked.ciphertext
    user.private_key_opslimit, user.private_key_memlimit = cost.opslimit, cost.memlimit
    user.set_password(new)
    user.save()
    update_session_auth_hash(request, user)
    _audit_staff(actor=user, action="staff.password_change", staff=user)
    api_tokens_revoke_all(user=user)


@dataclass(frozen=True)
class Offboarding:
    """What ``staff_offboard`` did: the plan it carried out and the sessions it ended."""

    plan: OffboardingPlan
    sessions: int


def end_sessions(staff: StaffUser) -> int:
    # Django keys sessions by a random id, not by user: every stored session is read to find the person's.
    # Expired rows are included, since they still hold the private key sealed under the browser's cookie.
    user_id = str(staff.pk)
    theirs = [
        session.pk
        for session in Session.objects.iterator(chunk_size=500)
        if session.get_decoded().get(SESSION_KEY) == user_id
    ]
    Session.objects.filter(pk__in=theirs).delete()
    return len(theirs)


def _offboard_action(**counts: int) -> str:
    """Counts only, never references; names are shortened if very large counts overflow the column."""
    action = "staff.offboard:" + ",".join(f"{name}={count}" for name, count in counts.items())
    if len(action) > AUDIT_ACTION_LENGTH:
        action = "staff.offboard:" + ",".join(f"{name[0]}={count}" for name, count in counts.items())
    return action


def _check_offboarding(*, actor: StaffUser | None, staff: StaffUser) -> None:
    if actor is not None and actor.pk == staff.pk:
        raise OffboardingSelf
    if staff.offboarded:
        raise AlreadyOffboarded
    # Locked, so that two administrators offboarding each other at once cannot both succeed.
    if staff.role == Role.ADMIN and not list(other_active_admins(staff).select_for_update(no_key=True)):
        raise LastAdministrator


def staff_offboard(*, actor: StaffUser | None, staff: StaffUser, accept_unheld: bool = False) -> Offboarding:
    """Take every key and every way in from ``staff`` for good (threat model §6.3).

    Deactivates the account and makes its password unusable; ends its sessions; deletes every key sealed to
    it (reports, cases, evidence files, disclosure reasons), its wrapped private key and public key, its
    TOTP devices and its case assignments; revokes its API tokens (destroying their wrapped keys); withdraws
    its pending access and disclosure requests; stops new reports being sealed to it. One audit event records
    the counts. ``actor`` is None when run from the command line.

    Returns what was done. Raises ``OffboardingSelf``, ``LastAdministrator``, ``AlreadyOffboarded``, and
    ``UnheldAfterOffboarding`` (with the plan) when some case or report would be left to the recovery key
    alone and ``accept_unheld`` is false.
    """
    with transaction.atomic():
        staff = StaffUser.objects.select_for_update(no_key=True).get(pk=staff.pk)
        _check_offboarding(actor=actor, staff=staff)
        plan = offboarding_plan(staff=staff)
        if plan.unheld and not accept_unheld:
            raise UnheldAfterOffboarding(plan)
        SealedKey.objects.filter(staff=staff, recipient_kind=RecipientKind.STAFF).delete()
        CaseKey.objects.filter(staff=staff).delete()
        EvidenceKey.objects.filter(staff=staff, holder=KeyHolder.STAFF).delete()
        DisclosureReasonKey.objects.filter(staff=staff).delete()
        # Withdrawn: a custodian approving one later would seal an identity key to a departed colleague.
        DisclosureRequest.objects.filter(requester=staff, status=DisclosureStatus.PENDING).delete()
        AccessRequest.objects.filter(requester=staff, status=RequestStatus.PENDING).delete()
        Assignment.objects.filter(staff=staff).delete()
        now = timezone.now()
        ApiToken.objects.filter(user=staff, revoked_at__isnull=True).update(revoked_at=now)
        ApiToken.objects.filter(user=staff).update(wrapped_private_key=b"")
        for device in list(devices_for_user(staff, confirmed=None)):
            device.delete()
        Enrolment.objects.filter(staff=staff).delete()
        # A leaver's half of a two-person decision, and changes still proposed about them, lapse with them.
        Proposal.objects.filter(Q(proposed_by=staff) | Q(staff=staff), status=ProposalStatus.PENDING).update(
            status=ProposalStatus.WITHDRAWN, decided_by=actor, decided_at=now
        )
        sessions = end_sessions(staff)
        staff.is_active = False
        staff.receives_new_reports = False
        staff.set_unusable_password()
        # Without the public key nothing can be sealed to the account again by mistake: sealing fails loudly.
        staff.public_key = staff.private_key_salt = staff.private_key_locked = b""
        staff.save()
        audit_append(
            actor=actor,
            actor_kind=ActorKind.STAFF if actor else ActorKind.SYSTEM,
            action=_offboard_action(
                keys=plan.keys, tokens=plan.live_tokens, sessions=sessions, unheld=plan.unheld
            ),
            object_type="staff",
            object_id=str(staff.pk),
        )
    release_freed_pages()
    return Offboarding(plan=plan, sessions=sessions)

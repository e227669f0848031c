from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import authenticate, update_session_auth_hash
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from longarm.accounts.exceptions import KeysLocked, LoginRefused
from longarm.accounts.models import CONTENT_ROLES, Role, StaffUser
from longarm.api.services import api_tokens_revoke_all
from longarm.audit.models import ActorKind
from longarm.audit.services import audit_append
from longarm.core.keyring import staff_cost
from longarm.core.session_vault import vault_clear, vault_load, vault_rotate, vault_store
from longarm.core.throttle import Limit, hashed_key, is_exceeded, record_failure
from longarm.crypto.envelopes import new_keypair
from longarm.crypto.errors import DecryptionError
from longarm.crypto.staff_keys import LockedPrivateKey, lock_private_key, unlock_private_key

_PRIVATE_KEY_VAULT_NAME = "staff-private-key"
LOGIN_ATTEMPTS_PER_ACCOUNT = 10
LOGIN_WINDOW = timedelta(minutes=15)


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


def staff_login(*, request: HttpRequest, username: str, password: str, otp_token: str) -> StaffUser:
    """Check password and one-time code, log in, and keep the unlocked private key in the session vault.

    Raises ``LoginRefused`` for any failure, without saying which factor was wrong.
    """
    limit = Limit(
        scope="staff-login",
        key=hashed_key("staff-login", username.casefold()),
        maximum=LOGIN_ATTEMPTS_PER_ACCOUNT,
        window=LOGIN_WINDOW,
    )
    if is_exceeded(limit):
        raise LoginRefused
    user = authenticate(request, username=username, password=password)
    device = match_token(user, otp_token) if isinstance(user, StaffUser) else None
    if not isinstance(user, StaffUser) or device is None:
        record_failure(limit)
        raise LoginRefused
    try:
        private_key = _unlock(user, password)
    except DecryptionError as error:
        raise LoginRefused from error
    with transaction.atomic():
        auth_login(request, user)
        otp_login(request, device)
        # Django keeps the session key when the same person logs in again; the vault key changes anyway, so a
        # vault cookie planted in this browser never wraps the private key.
        vault_rotate(request)
        vault_store(request, _PRIVATE_KEY_VAULT_NAME, private_key)
        _audit_staff(actor=user, action="staff.login", staff=user)
    return user


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
    """Choose whether new reports are sealed to ``staff``. Raises ``ValidationError`` for other roles."""
    if receives and staff.role not in CONTENT_ROLES:
        raise ValidationError(_("Only caseworkers and investigators can receive new reports."))
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

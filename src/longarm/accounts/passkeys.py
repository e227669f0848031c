"""Passkeys and security keys (WebAuthn/FIDO2) as the staff second factor (issue 18), through
django-otp-webauthn: a credential is a django-otp device, so ``is_verified`` and the access matrix are
unchanged, and py_webauthn verifies every ceremony.

A passkey stands beside the password, never instead of it: the password still unlocks the staff private key
(threat model §6), so log-in is one form — user name, password, and either a code or a passkey's signature —
checked in one step. The passkey is asked for before the form is sent, without naming the account (a
discoverable credential, the browser offering whichever passkey it holds for this site), so the page never
says whether a password was right or which accounts have passkeys.

An administrator can forbid authenticator-app codes per role (``SecondFactorPolicy``). Staff of such a role
who hold a passkey can then log in with it only; one who holds none yet may log in with a code once, into a
session that can do nothing but enrol a passkey (``ENROLMENT_ONLY``).
"""

import json
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.http.request import split_domain_port
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.exceptions import OTPWebAuthnApiError
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential
from django_otp_webauthn.utils import rewrite_exceptions
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import ResidentKeyRequirement

from longarm.accounts.exceptions import PasskeyRefused
from longarm.accounts.models import Role, SecondFactorPolicy, StaffUser
from longarm.audit.models import ActorKind
from longarm.audit.services import audit_append

# Set on a session opened with a code by someone whose role forbids codes and who has no passkey yet: every
# staff page but enrolment sends them to enrol one (``accounts.access.staff_view``).
ENROLMENT_ONLY = "longarm_passkey_enrolment_only"
_LOGIN_STATE = "longarm_passkey_login_state"
_REGISTER_STATE = "longarm_passkey_register_state"
# A WebAuthn response is a few kilobytes at most (credential ids are at most 1023 bytes, attestation less).
MAX_RESPONSE_CHARS = 16_000
# What the browser may be told beyond the challenge: nothing that names the account or its credentials.
_CEREMONY_ERRORS = (OTPWebAuthnApiError, WebAuthnException, ValueError, TypeError, KeyError)


def relying_party_id(request: HttpRequest) -> str:
    """The WebAuthn relying party: LONGARM_WEBAUTHN_RP_ID, or the host the console is reached at."""
    configured: str = settings.LONGARM_WEBAUTHN_RP_ID
    if configured:
        return configured
    domain, _port = split_domain_port(request.get_host())
    return domain


class PasskeyHelper(WebAuthnHelper):  # type: ignore[misc]  # the library has no type hints
    """The library's WebAuthn helper with Longarm's two decisions."""

    def get_allowed_origins(self) -> list[str]:
        # The origin the browser signs must be the one the request came to; the host was checked against
        # ALLOWED_HOSTS, so a phishing site relaying a signature made for itself is refused.
        return [f"{self.request.scheme}://{self.request.get_host()}"]

    def get_discoverable_credentials_preference(self) -> ResidentKeyRequirement:
        # Log-in asks for a passkey without naming the account, which only discoverable credentials answer.
        return ResidentKeyRequirement.REQUIRED


def _helper(request: HttpRequest) -> PasskeyHelper:
    return PasskeyHelper(request=request)


def _response_data(response: str) -> dict[str, Any]:
    if len(response) > MAX_RESPONSE_CHARS:
        raise PasskeyRefused
    try:
        data = json.loads(response)
    except ValueError as error:
        raise PasskeyRefused from error
    if not isinstance(data, dict):
        raise PasskeyRefused
    return data


def _pop_state(request: HttpRequest, key: str) -> dict[str, Any]:
    # Popped and saved before anything is checked: a challenge is answered once at most (no replay).
    state = request.session.pop(key, None)
    request.session.save()
    if not isinstance(state, dict):
        raise PasskeyRefused
    return state


def passkeys_for(*, user: StaffUser) -> QuerySet[WebAuthnCredential]:
    found: QuerySet[WebAuthnCredential] = WebAuthnCredential.objects.filter(user=user)
    return found.order_by("created_at", "pk")


def has_passkey(*, user: StaffUser) -> bool:
    return passkeys_for(user=user).filter(confirmed=True).exists()


def verified_by_code(request: HttpRequest) -> bool:
    return str(request.session.get(DEVICE_ID_SESSION_KEY, "")).startswith(TOTPDevice.model_label() + "/")


def totp_allowed(*, role: str) -> bool:
    """Whether staff of ``role`` may log in with an authenticator-app code; yes unless forbidden."""
    policy = SecondFactorPolicy.objects.filter(role=role).first()
    return policy is None or policy.totp_allowed


def passkey_login_options(*, request: HttpRequest) -> dict[str, Any]:
    """The options for ``navigator.credentials.get``: a fresh challenge, kept in this session, and no
    credential ids (the account is not known yet and is never revealed)."""
    options, state = _helper(request).authenticate_begin(user=None, require_user_verification=False)
    request.session[_LOGIN_STATE] = state
    return dict(options)


def passkey_match(*, request: HttpRequest, user: StaffUser, response: str) -> WebAuthnCredential:
    """The passkey of ``user`` that signed this session's log-in challenge in ``response``.

    Raises ``PasskeyRefused`` for no challenge, a response that does not verify, or a credential that is
    someone else's or not confirmed.
    """
    state = _pop_state(request, _LOGIN_STATE)
    data = _response_data(response)
    try:
        with rewrite_exceptions():
            device: WebAuthnCredential = _helper(request).authenticate_complete(
                user=user, state=state, data=data
            )
    except _CEREMONY_ERRORS as error:
        raise PasskeyRefused from error
    if not device.confirmed:
        raise PasskeyRefused
    return device


def passkey_registration_options(*, request: HttpRequest, user: StaffUser) -> dict[str, Any]:
    """The options for ``navigator.credentials.create`` for ``user``, the challenge kept in the session."""
    options, state = _helper(request).register_begin(user=user)
    request.session[_REGISTER_STATE] = state
    return dict(options)


def passkey_register(
    *, request: HttpRequest, user: StaffUser, name: str, response: str
) -> WebAuthnCredential:
    """Add the passkey the browser created in ``response`` to ``user``'s second factors, named ``name``.

    A session limited to enrolment becomes a full one, verified by the new passkey: the ceremony just proved
    the person holds it. Returns the credential; raises ``PasskeyRefused`` when the response does not answer
    this session's challenge.
    """
    state = _pop_state(request, _REGISTER_STATE)
    data = _response_data(response)
    with transaction.atomic():
        try:
            with rewrite_exceptions():
                device: WebAuthnCredential = _helper(request).register_complete(
                    user=user, state=state, data=data
                )
        except _CEREMONY_ERRORS as error:
            raise PasskeyRefused from error
        device.name = name
        device.save(update_fields=["name"])
        _audit(actor=user, action="staff.passkey_add", staff=user)
    if request.session.pop(ENROLMENT_ONLY, False):
        otp_login(request, device)
    return device


@transaction.atomic
def passkey_remove(*, actor: StaffUser, device: WebAuthnCredential) -> None:
    """Delete a passkey: by its holder, or by an administrator for someone who lost it."""
    staff = device.user
    device.delete()
    _audit(actor=actor, action="staff.passkey_remove", staff=staff)


def _audit(*, actor: StaffUser, action: str, staff: StaffUser) -> None:
    audit_append(
        actor=actor, actor_kind=ActorKind.STAFF, action=action, object_type="staff", object_id=str(staff.pk)
    )


def _end_code_sessions(role: Role, keep: str | None) -> int:
    """End the sessions of staff of ``role`` that were verified with a code, now that codes are forbidden,
    but ``keep`` (the acting administrator's, which their view ends itself once the answer is ready)."""
    members = {str(pk) for pk in StaffUser.objects.filter(role=role).values_list("pk", flat=True)}
    prefix = TOTPDevice.model_label() + "/"
    ended = []
    # Sessions are keyed by a random id, not by user: every live one is read (as offboarding does).
    live = Session.objects.filter(expire_date__gt=timezone.now()).exclude(session_key=keep or "")
    for session in live.iterator(chunk_size=500):
        data = session.get_decoded()
        if data.get(SESSION_KEY) in members and str(data.get(DEVICE_ID_SESSION_KEY, "")).startswith(prefix):
            ended.append(session.pk)
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)


@transaction.atomic
def second_factor_policy_set(
    *, actor: StaffUser, role: Role, totp_allowed: bool, keep_session: str | None = None
) -> SecondFactorPolicy:
    """Allow or forbid log-in with an authenticator-app code for ``role``, audited. Forbidding it ends the
    role's sessions that a code opened, so the rule bites at once rather than at their next log-in.

    Returns the policy row.
    """
    policy, _created = SecondFactorPolicy.objects.update_or_create(
        role=role, defaults={"totp_allowed": totp_allowed, "changed_at": timezone.now(), "changed_by": actor}
    )
    ended = 0 if totp_allowed else _end_code_sessions(role, keep_session)
    audit_append(
        actor=actor,
        actor_kind=ActorKind.STAFF,
        action=(
            "second_factor.totp_allowed" if totp_allowed else f"second_factor.totp_forbidden:ended={ended}"
        ),
        object_type="role",
        object_id=role.value,
    )
    return policy

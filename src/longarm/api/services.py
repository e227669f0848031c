"""Creating, revoking and checking staff API tokens (DESIGN §3: content stays sealed to the user's key, so
a token must also unlock that key)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from longarm.accounts.models import StaffUser
from longarm.api.exceptions import TokenRefused
from longarm.api.models import ApiToken
from longarm.api.scopes import valid_scopes
from longarm.audit.models import ActorKind
from longarm.audit.services import audit_append
from longarm.core.keyring import current_keyring
from longarm.crypto.api_tokens import (
    new_api_token,
    token_bytes,
    token_lookup_hash,
    unwrap_private_key,
    unwrap_session_key,
    wrap_private_key,
    wrap_session_key,
)
from longarm.crypto.errors import DecryptionError


@dataclass(frozen=True)
class CreatedToken:
    token: ApiToken
    # Shown once, never stored.
    secret: str = field(repr=False)


@dataclass(frozen=True)
class ApiPrincipal:
    """Who an API request acts as, with their private key unlocked for this request only."""

    user: StaffUser
    private_key: bytes = field(repr=False)
    token: ApiToken


def _lookup_hash(raw: bytes) -> bytes:
    # The blind-index key with its own BLAKE2b personalisation: the outputs are unrelated to blind indexes.
    return token_lookup_hash(current_keyring().index_key, raw)


def _session_alive(raw: bytes, token: ApiToken, now: datetime) -> bool:
    """Whether the console session ``token`` is bound to still exists, unexpired, for the token's owner."""
    try:
        session_key = unwrap_session_key(raw, bytes(token.bound_session))
    except DecryptionError:
        return False
    session = Session.objects.filter(session_key=session_key, expire_date__gt=now).first()
    return session is not None and session.get_decoded().get(SESSION_KEY) == str(token.user_id)


def _audit(actor: StaffUser, action: str, token: ApiToken) -> None:
    audit_append(
        actor=actor,
        actor_kind=ActorKind.STAFF,
        action=action,
        object_type="api_token",
        object_id=str(token.pk),
    )


@transaction.atomic
def api_token_create(
    *, user: StaffUser, private_key: bytes, label: str, scopes: list[str], session_key: str | None = None
) -> CreatedToken:
    """Make a token for ``user`` that unlocks ``private_key`` (taken from their verified console session),
    holding ``scopes``; with ``session_key``, the token works only while that console session lives.

    Returns the stored token and its secret, to be shown once. Raises ``ValidationError`` for no scope or
    an unknown one.
    """
    if not scopes or not valid_scopes(scopes):
        raise ValidationError(_("Choose at least one thing the token may do."))
    secret = new_api_token()
    raw = token_bytes(secret)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        label=label,
        lookup_hash=_lookup_hash(raw),
        wrapped_private_key=wrap_private_key(raw, private_key),
        created_at=now,
        expires_at=now + timedelta(days=settings.LONGARM_API_TOKEN_DAYS),
        scopes=sorted(set(scopes)),
        bound_session=wrap_session_key(raw, session_key) if session_key else b"",
    )
    # Who gave a program write access is an auditor's question; the row keeps the full list of scopes.
    writes = any(scope.endswith(":write") for scope in token.scopes)
    _audit(user, "api_token.create." + ("write" if writes else "read"), token)
    return CreatedToken(token=token, secret=secret)


@transaction.atomic
def api_token_revoke(*, actor: StaffUser, token: ApiToken) -> ApiToken:
    """Revoke ``token`` for good: its wrapped private key is destroyed."""
    token.revoked_at = timezone.now()
    token.wrapped_private_key = b""
    token.save(update_fields=["revoked_at", "wrapped_private_key"])
    _audit(actor, "api_token.revoke", token)
    return token


@transaction.atomic
def api_tokens_revoke_all(*, user: StaffUser) -> int:
    """Revoke every live token of ``user`` (their password changed: a token made under the old one must
    not outlive it), each audited; returns how many."""
    live = list(ApiToken.objects.select_for_update(no_key=True).filter(user=user, revoked_at__isnull=True))
    for token in live:
        api_token_revoke(actor=user, token=token)
    return len(live)


def api_token_authenticate(*, secret: str) -> ApiPrincipal:
    """The staff member a token belongs to, with their private key unlocked.

    Raises ``TokenRefused`` for a malformed, unknown, revoked or expired token, a token whose bound console
    session ended, or an inactive account, without saying which.
    """
    try:
        raw = token_bytes(secret)
    except DecryptionError as error:
        raise TokenRefused from error
    token = ApiToken.objects.select_related("user").filter(lookup_hash=_lookup_hash(raw)).first()
    now = timezone.now()
    if token is None or token.revoked_at is not None or token.expires_at <= now or not token.user.is_active:
        raise TokenRefused
    if bytes(token.bound_session) and not _session_alive(raw, token, now):
        raise TokenRefused
    try:
        private_key = unwrap_private_key(raw, bytes(token.wrapped_private_key))
    except DecryptionError as error:
        raise TokenRefused from error
    if token.last_used_on != now.date():
        # A day, not a time, and at most one write a day: when a token is used is itself sensitive.
        ApiToken.objects.filter(pk=token.pk).update(last_used_on=now.date())
    return ApiPrincipal(user=token.user, private_key=private_key, token=token)

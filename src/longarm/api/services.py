"""Creating, revoking and checking staff API tokens (DESIGN §3: content stays sealed to the user's key, so
a token must also unlock that key)."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from longarm.accounts.models import StaffUser
from longarm.api.exceptions import TokenRefused
from longarm.api.models import ApiToken
from longarm.audit.models import ActorKind
from longarm.audit.services import audit_append
from longarm.core.keyring import current_keyring
from longarm.crypto.api_tokens import (
    new_api_token,
    token_bytes,
    token_lookup_hash,
    unwrap_private_key,
    wrap_private_key,
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


def _audit(actor: StaffUser, action: str, token: ApiToken) -> None:
    audit_append(
        actor=actor,
        actor_kind=ActorKind.STAFF,
        action=action,
        object_type="api_token",
        object_id=str(token.pk),
    )


@transaction.atomic
def api_token_create(*, user: StaffUser, private_key: bytes, label: str) -> CreatedToken:
    """Make a token for ``user`` that unlocks ``private_key`` (taken from their verified console session).

    Returns the stored token and its secret, to be shown once.
    """
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
    )
    _audit(user, "api_token.create", token)
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
    live = list(ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True))
    for token in live:
        api_token_revoke(actor=user, token=token)
    return len(live)


def api_token_authenticate(*, secret: str) -> ApiPrincipal:
    """The staff member a token belongs to, with their private key unlocked.

    Raises ``TokenRefused`` for a malformed, unknown, revoked or expired token or an inactive account,
    without saying which.
    """
    try:
        raw = token_bytes(secret)
    except DecryptionError as error:
        raise TokenRefused from error
    token = ApiToken.objects.select_related("user").filter(lookup_hash=_lookup_hash(raw)).first()
    now = timezone.now()
    if token is None or token.revoked_at is not None or token.expires_at <= now or not token.user.is_active:
        raise TokenRefused
    try:
        private_key = unwrap_private_key(raw, bytes(token.wrapped_private_key))
    except DecryptionError as error:
        raise TokenRefused from error
    if token.last_used_on != now.date():
        # A day, not a time, and at most one write a day: when a token is used is itself sensitive.
        ApiToken.objects.filter(pk=token.pk).update(last_used_on=now.date())
    return ApiPrincipal(user=token.user, private_key=private_key, token=token)

"""Secrets held for the length of a browser session without the server being able to read them alone.

A secret (a staff member's private key, a reporter's report key) is encrypted under a random key that lives
only in an HttpOnly, SameSite=Strict cookie; the server-side session row holds only the ciphertext. A stolen
database or session table therefore opens nothing, and a stolen cookie alone holds no secret either
(DESIGN §3, "Staff keys").
"""

import base64
import binascii
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from longarm.crypto.envelopes import decrypt, encrypt, new_data_key
from longarm.crypto.errors import DecryptionError

COOKIE_NAME = "longarm_vault"
_SESSION_PREFIX = "vault:"
_NEW_KEY_ATTRIBUTE = "_longarm_vault_new_key"
_CLEARED_ATTRIBUTE = "_longarm_vault_cleared"


def _context(name: str) -> bytes:
    return f"longarm session vault:{name}".encode()


def _cookie_key(request: HttpRequest) -> bytes | None:
    fresh: bytes | None = getattr(request, _NEW_KEY_ATTRIBUTE, None)
    if fresh is not None:
        return fresh
    raw = request.COOKIES.get(COOKIE_NAME)
    if not raw:
        return None
    try:
        key = base64.urlsafe_b64decode(raw.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError):
        return None
    return key if len(key) == 32 else None


def vault_store(request: HttpRequest, name: str, secret: bytes) -> None:
    """Keep ``secret`` for this session; the response then carries the cookie key if it is new."""
    key = _cookie_key(request)
    if key is None:
        key = new_data_key()
        setattr(request, _NEW_KEY_ATTRIBUTE, key)
    sealed = encrypt(key, secret, context=_context(name))
    request.session[_SESSION_PREFIX + name] = base64.b64encode(sealed).decode("ascii")


def vault_load(request: HttpRequest, name: str) -> bytes | None:
    """The secret stored under ``name``, or None when the session or the cookie no longer has it."""
    stored = request.session.get(_SESSION_PREFIX + name)
    key = _cookie_key(request)
    if not stored or key is None:
        return None
    try:
        return decrypt(key, base64.b64decode(stored), context=_context(name))
    except (DecryptionError, binascii.Error):
        return None


def vault_clear(request: HttpRequest) -> None:
    for name in [item for item in list(request.session.keys()) if item.startswith(_SESSION_PREFIX)]:
        del request.session[name]
    setattr(request, _CLEARED_ATTRIBUTE, True)


class SessionVaultMiddleware:
    """Sets the vault cookie when a request created a key, and removes it when the vault was cleared."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        fresh: bytes | None = getattr(request, _NEW_KEY_ATTRIBUTE, None)
        if fresh is not None:
            response.set_cookie(
                COOKIE_NAME,
                base64.urlsafe_b64encode(fresh).decode("ascii"),
                max_age=None,
                secure=settings.HTTPS,
                httponly=True,
                samesite="Strict",
            )
        elif getattr(request, _CLEARED_ATTRIBUTE, False):
            response.delete_cookie(COOKIE_NAME, samesite="Strict")
        return response

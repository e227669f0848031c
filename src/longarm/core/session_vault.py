"""Secrets held for the length of a browser session without the server being able to read them alone.

A secret (a staff member's private key, a reporter's report key) is encrypted under a random key that lives
only in an HttpOnly, SameSite=Strict cookie; the server-side session row holds only the ciphertext. A stolen
database or session table therefore opens nothing, and a stolen cookie alone holds no secret either
(DESIGN §3, "Staff keys").

The server mints that key itself and trusts a key arriving in a cookie only if it opens the check value this
session stored when the key was minted. A new key is minted at every log-in, receipt log-in, submission and
change of session key (``vault_rotate``), so a key an attacker planted in the browser beforehand (a shared
phone, a cookie set over plain HTTP) never wraps anything the session stores afterwards (issue 11, item 2).
"""

import base64
import binascii
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

from longarm.core.sessions import SessionStore
from longarm.crypto.envelopes import decrypt, encrypt, new_data_key
from longarm.crypto.errors import DecryptionError

_SESSION_PREFIX = "vault:"
# Encrypted under the current key: a cookie key that cannot open it was not minted for this session.
_CHECK = "vault_check"
_CHECK_PLAINTEXT = b"longarm session vault key"
_NEW_KEY_ATTRIBUTE = "_longarm_vault_new_key"
_CLEARED_ATTRIBUTE = "_longarm_vault_cleared"


def _context(name: str) -> bytes:
    return f"longarm session vault:{name}".encode()


def _seal(key: bytes, name: str, plaintext: bytes) -> str:
    return base64.b64encode(encrypt(key, plaintext, context=_context(name))).decode("ascii")


def _open(key: bytes, name: str, stored: str) -> bytes | None:
    try:
        return decrypt(key, base64.b64decode(stored), context=_context(name))
    except (DecryptionError, binascii.Error, ValueError):
        return None


def _cookie_value(request: HttpRequest) -> bytes | None:
    raw = request.COOKIES.get(settings.LONGARM_VAULT_COOKIE_NAME)
    if not raw:
        return None
    try:
        key = base64.urlsafe_b64decode(raw.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None
    return key if len(key) == 32 else None


def _current_key(request: HttpRequest) -> bytes | None:
    """The key minted in this request, or the cookie's key if this session minted it; else None."""
    fresh: bytes | None = getattr(request, _NEW_KEY_ATTRIBUTE, None)
    if fresh is not None:
        return fresh
    key, check = _cookie_value(request), request.session.get(_CHECK)
    if key is None or not isinstance(check, str) or _open(key, _CHECK, check) != _CHECK_PLAINTEXT:
        return None
    return key


def _entries(request: HttpRequest) -> list[str]:
    return [item for item in list(request.session.keys()) if item.startswith(_SESSION_PREFIX)]


def _mint(request: HttpRequest) -> bytes:
    key = new_data_key()
    request.session[_CHECK] = _seal(key, _CHECK, _CHECK_PLAINTEXT)
    setattr(request, _NEW_KEY_ATTRIBUTE, key)
    return key


def vault_rotate(request: HttpRequest) -> None:
    """Put what the vault holds under a newly minted key; the response carries it in the cookie.

    Whatever the current key cannot open (it was stored under a key this session did not mint) is dropped.
    """
    old = _current_key(request)
    kept: dict[str, bytes] = {}
    for item in _entries(request):
        secret = _open(old, item.removeprefix(_SESSION_PREFIX), request.session[item]) if old else None
        if secret is not None:
            kept[item] = secret
        del request.session[item]
    request.session.pop(_CHECK, None)
    if hasattr(request, _NEW_KEY_ATTRIBUTE):
        delattr(request, _NEW_KEY_ATTRIBUTE)
    if not kept:
        return  # the next vault_store mints a key; no cookie for an empty vault
    key = _mint(request)
    for item, secret in kept.items():
        request.session[item] = _seal(key, item.removeprefix(_SESSION_PREFIX), secret)


def vault_store(request: HttpRequest, name: str, secret: bytes) -> None:
    """Keep ``secret`` for this session; the response then carries the cookie key if it is new."""
    key = _current_key(request)
    if key is None:
        # Entries under a key this request cannot prove it owns are unreadable: drop them with it.
        for item in _entries(request):
            del request.session[item]
        key = _mint(request)
    request.session[_SESSION_PREFIX + name] = _seal(key, name, secret)


def vault_load(request: HttpRequest, name: str) -> bytes | None:
    """The secret stored under ``name``, or None when the session or the cookie no longer has it."""
    stored = request.session.get(_SESSION_PREFIX + name)
    key = _current_key(request)
    if not isinstance(stored, str) or key is None:
        return None
    return _open(key, name, stored)


def vault_delete(request: HttpRequest, name: str) -> None:
    """Forget the secret stored under ``name`` (if any); the rest of the vault stays."""
    request.session.pop(_SESSION_PREFIX + name, None)


def vault_clear(request: HttpRequest) -> None:
    for item in _entries(request):
        del request.session[item]
    request.session.pop(_CHECK, None)
    if hasattr(request, _NEW_KEY_ATTRIBUTE):
        delattr(request, _NEW_KEY_ATTRIBUTE)
    setattr(request, _CLEARED_ATTRIBUTE, True)


class SessionVaultMiddleware:
    """Mints a new vault key whenever the session key changes; sets the vault cookie when a request minted a
    key, and removes it when the vault was cleared."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if not isinstance(session, SessionStore):
            raise ImproperlyConfigured("The session vault needs SESSION_ENGINE = 'longarm.core.sessions'.")
        session.on_cycle(lambda: vault_rotate(request))
        response = self.get_response(request)
        fresh: bytes | None = getattr(request, _NEW_KEY_ATTRIBUTE, None)
        if fresh is not None:
            response.set_cookie(
                settings.LONGARM_VAULT_COOKIE_NAME,
                base64.urlsafe_b64encode(fresh).decode("ascii"),
                max_age=None,
                secure=settings.HTTPS,
                httponly=True,
                samesite="Strict",
            )
        elif getattr(request, _CLEARED_ATTRIBUTE, False):
            response.delete_cookie(settings.LONGARM_VAULT_COOKIE_NAME, samesite="Strict")
        return response

"""Where to send someone back to: the one check for every redirect target taken from a request (``next``).

A target must be a path on this site: it starts with one "/" (not "//" or "/\\", which browsers read as
another host), passes Django's ``url_has_allowed_host_and_scheme`` and is of sane length. Anything else — a
bare word that ``redirect()`` would take for a view name and fail on with a 500, another site, a
``javascript:`` URL — gives the caller's fallback. Referer headers are never followed: they name a full URL,
and the pages that come back somewhere say where in ``next``.
"""

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

# Longer targets are refused rather than echoed into a Location header.
MAX_LENGTH = 2000


def safe_next_url(request: HttpRequest, target: object, *, fallback: str) -> str:
    """``target`` if it is a path on this site, otherwise ``fallback`` (a path the caller chose)."""
    if (
        not isinstance(target, str)
        or not target.startswith("/")
        or target.startswith(("//", "/\\"))
        or len(target) > MAX_LENGTH
        or any(character.isspace() or ord(character) < 32 for character in target)
    ):
        return fallback
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return fallback
    return target

"""One-time tokens on the questionnaire, so that a reloaded or double-clicked form stores one report.

The token is random and says nothing about the reporter; the session keeps the last ten it has seen.
"""

from django.http import HttpRequest

_SESSION_KEY = "used_submission_tokens"
_REMEMBERED = 10


def submission_token_used(request: HttpRequest, token: str) -> bool:
    return token in request.session.get(_SESSION_KEY, [])


def submission_token_remember(request: HttpRequest, token: str) -> None:
    used = list(request.session.get(_SESSION_KEY, []))
    request.session[_SESSION_KEY] = [*used[-(_REMEMBERED - 1) :], token]

"""Token authentication for the API, carrying the same role rule as ``staff_view`` (DESIGN §5)."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import HttpBearer

from longarm.accounts.models import Role
from longarm.api.exceptions import TokenRefused
from longarm.api.services import ApiPrincipal, api_token_authenticate


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``: 401 without a valid token, 403 for a role outside ``roles``."""

    def __init__(self, *roles: Role) -> None:
        super().__init__()
        # The rule, read by the access-matrix test through the URL patterns (see ``longarm.api.routes``).
        self.longarm_roles = frozenset(roles)

    def authenticate(self, request: HttpRequest, token: str) -> ApiPrincipal | None:
        try:
            principal = api_token_authenticate(secret=token)
        except TokenRefused:
            return None
        if principal.user.role not in self.longarm_roles:
            raise HttpError(403, _("Your role may not use this part of the API."))
        return principal


def principal_of(request: HttpRequest) -> ApiPrincipal:
    """The authenticated principal ninja stored on the request."""
    principal: Any = getattr(request, "auth", None)
    if not isinstance(principal, ApiPrincipal):
        raise HttpError(401, _("A valid API token is needed."))
    return principal

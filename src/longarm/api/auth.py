"""Token authentication for the API, carrying the same role rule as ``staff_view`` (DESIGN §5) and the scope
each operation needs (``longarm.api.scopes``)."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import HttpBearer

from longarm.accounts.models import CONTENT_ROLES, Role
from longarm.api.exceptions import TokenRefused
from longarm.api.scopes import Scope, scope_granted
from longarm.api.services import ApiPrincipal, api_token_authenticate

SCOPE_EXTENSION = "x-longarm-scope"
SCHEME_DESCRIPTION = (
    "A token made in the console, sent as `Authorization: Bearer <token>`. A token holds scopes "
    "`<resource>:read` or `<resource>:write` (write includes read); each operation lists the one scope it "
    "needs in its security requirement, and a token without it is answered 403. A token may also be bound "
    "to the console session that made it, and then stops working when that session ends."
)


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``: 401 without a valid token, 403 for a role outside ``roles`` or a
    token without ``scope``."""

    openapi_description = SCHEME_DESCRIPTION

    def __init__(self, *roles: Role, scope: Scope) -> None:
        super().__init__()
        # The rule, read by the access-matrix test through the URL patterns (see ``longarm.api.routes``).
        self.longarm_roles = frozenset(roles)
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> ApiPrincipal | None:
        try:
            principal = api_token_authenticate(secret=token)
        except TokenRefused:
            return None
        if principal.user.role not in self.longarm_roles:
            raise HttpError(403, _("Your role may not use this part of the API."))
        if not scope_granted(list(principal.token.scopes), self.scope):
            raise HttpError(
                403, _("This token does not hold the scope %(scope)s.") % {"scope": str(self.scope)}
            )
        return principal


def scoped(scope: Scope, *, roles: frozenset[Role] = CONTENT_ROLES) -> dict[str, Any]:
    """The keyword arguments of an operation needing ``scope``: its authentication, and its security
    requirement in the OpenAPI schema naming the scope."""
    return {
        "auth": TokenAuth(*roles, scope=scope),
        # Read by ``routes.ScopedNinjaAPI``, which names the scope in the operation's security requirement.
        "openapi_extra": {SCOPE_EXTENSION: str(scope)},
    }


def principal_of(request: HttpRequest) -> ApiPrincipal:
    """The authenticated principal ninja stored on the request."""
    principal: Any = getattr(request, "auth", None)
    if not isinstance(principal, ApiPrincipal):
        raise HttpError(401, _("A valid API token is needed."))
    return principal

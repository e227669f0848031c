"""The staff JSON API under /api/ (django-ninja), its OpenAPI schema at /api/openapi.json.

Each URL pattern is marked with the role rule of its operations, so the access-matrix test checks the API
with the same table as the console.
"""

import inspect
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import PathView

from longarm.accounts.access import public_view
from longarm.api import cases, casework, coding, linking, referrals, reports
from longarm.api.auth import SCOPE_EXTENSION, TokenAuth
from longarm.api.errors import install_error_handlers
from longarm.api.scopes import Scope


class ScopedNinjaAPI(NinjaAPI):
    """The schema names each operation's scope in its security requirement, as OpenAPI 3.1 allows for any
    scheme ("role names which are required for the execution"); ninja itself always leaves it empty."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for methods in schema["paths"].values():
            for operation in methods.values():
                scope = operation.pop(SCOPE_EXTENSION, None)
                if scope is not None:
                    operation["security"] = [{TokenAuth.__name__: [scope]}]
        return schema


api = ScopedNinjaAPI(
    title="Longarm staff API",
    version="1",
    description=(
        "Reports, cases, incidents, persons, referrals, identifiers and their links, clusters and search "
        "for caseworkers and investigators. "
        "Authenticate with a token made in the console (Authorization: Bearer <token>). A token holds "
        "scopes, read or write per resource (reports, messages, cases, incidents, persons, referrals, "
        "identifiers, links, search; write includes read); each operation's security requirement names "
        "the scope it needs. Every read of content is recorded in the audit log."
    ),
    urls_namespace="api",
    # The interactive docs page loads scripts from another host, which the console never does.
    docs_url=None,
    openapi_url="/openapi.json",
    docs_decorator=public_view,
)
install_error_handlers(api)
api.add_router("/reports", reports.router)
api.add_router("/reports", linking.report_router)
api.add_router("/cases", cases.router)
api.add_router("/cases", linking.case_router)
# The writes are on the routers above (one path, one router); importing them registers them.
WRITES = (casework, coding, referrals)
api.add_router("/search", cases.search_router)


def _path_view(callback: Any) -> PathView | None:
    if not inspect.isfunction(callback):
        return None
    view = inspect.getclosurevars(callback).nonlocals.get("self")
    return view if isinstance(view, PathView) else None


def _with_rules(patterns: list[URLPattern | URLResolver]) -> list[URLPattern | URLResolver]:
    for pattern in patterns:
        if not isinstance(pattern, URLPattern):
            raise ImproperlyConfigured("The API has no nested includes.")
        path_view = _path_view(pattern.callback)
        if path_view is None:
            if pattern.name == "api-root":  # ninja's always-404 root, used only to reverse paths
                pattern.callback = public_view(pattern.callback)
            continue
        rules = {
            frozenset(getattr(auth, "longarm_roles", ()))
            for operation in path_view.operations
            for auth in operation.auth_callbacks
        }
        if len(rules) != 1 or not next(iter(rules)):
            raise ImproperlyConfigured(
                f"API path {pattern.pattern} needs one TokenAuth rule for all methods."
            )
        pattern.callback.longarm_roles = rules.pop()  # type: ignore[attr-defined]  # read by the matrix
        pattern.callback.longarm_api = True  # type: ignore[attr-defined]
    return patterns


@dataclass(frozen=True)
class ApiOperation:
    """One registered operation: its URL pattern under /api/ (``cases/<uuid:public_id>``), its HTTP
    method, and the scope each of its authentications demands (None for one that names no scope)."""

    route: str
    method: str
    scopes: tuple[Scope | None, ...]


def api_operations() -> list[ApiOperation]:
    """Every operation the API serves, read from its URL patterns, as the access-matrix and scope tests
    see them."""
    found: list[ApiOperation] = []
    for pattern in api.urls[0]:
        path_view = _path_view(getattr(pattern, "callback", None))
        if path_view is None or not isinstance(pattern, URLPattern):
            continue
        for operation in path_view.operations:
            scopes = tuple(
                auth.scope if isinstance(auth, TokenAuth) else None for auth in operation.auth_callbacks
            )
            found.extend(ApiOperation(str(pattern.pattern), method, scopes) for method in operation.methods)
    # ninja lists a path of several methods once per method; each operation once is what callers want.
    return list(dict.fromkeys(found))


def api_urls() -> tuple[list[URLPattern | URLResolver], str, str]:
    patterns, app_name, namespace = api.urls
    return _with_rules(patterns), app_name, namespace

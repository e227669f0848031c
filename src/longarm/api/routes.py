"""The staff JSON API under /api/ (django-ninja), its OpenAPI schema at /api/openapi.json.

Each URL pattern is marked with the role rule of its operations, so the access-matrix test checks the API
with the same table as the console.
"""

import inspect
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI
from ninja.operation import PathView

from longarm.accounts.access import public_view
from longarm.api import cases, linking, reports

api = NinjaAPI(
    title="Longarm staff API",
    version="1",
    description=(
        "Reports, cases, incidents, persons, referrals, identifiers and their links, clusters and search "
        "for caseworkers and investigators. "
        "Authenticate with a token made in the console (Authorization: Bearer <token>). Every read of "
        "content is recorded in the audit log."
    ),
    urls_namespace="api",
    # The interactive docs page loads scripts from another host, which the console never does.
    docs_url=None,
    openapi_url="/openapi.json",
    docs_decorator=public_view,
)
api.add_router("/reports", reports.router)
api.add_router("/reports", linking.report_router)
api.add_router("/cases", cases.router)
api.add_router("/cases", linking.case_router)
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


def api_urls() -> tuple[list[URLPattern | URLResolver], str, str]:
    patterns, app_name, namespace = api.urls
    return _with_rules(patterns), app_name, namespace

"""Every list the API answers with is a page: the total, the links to the next and previous pages, and the
items (``schemas.Page``). Clients ask for ``limit`` items from ``offset``; the links keep every other query
parameter as it was. They are paths on this host, never URLs built from the request's Host header."""

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja.params.functions import Query

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_OFFSET = 1_000_000


def limit_param() -> Any:
    return Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="How many items a page holds.")


def offset_param() -> Any:
    return Query(0, ge=0, le=MAX_OFFSET, description="How many items come before this page.")


def link_with(request: HttpRequest, **changed: int) -> str:
    query = request.GET.copy()
    for name, value in changed.items():
        query[name] = str(value)
    return f"{request.path}?{query.urlencode()}"


def page_links(request: HttpRequest, *, count: int, limit: int, offset: int) -> dict[str, str | None]:
    """The ``next`` and ``previous`` links of the page of ``limit`` items from ``offset`` of ``count``."""
    following = offset + limit
    return {
        "next": link_with(request, limit=limit, offset=following) if following < count else None,
        "previous": (
            link_with(request, limit=limit, offset=max(0, min(offset, count) - limit)) if offset > 0 else None
        ),
    }


def page_of[T](
    request: HttpRequest, items: "QuerySet[Any] | Sequence[T]", *, limit: int, offset: int
) -> tuple[list[Any], dict[str, Any]]:
    """The items of the page, and the page's ``count``, ``next`` and ``previous``, for a schema's other
    fields. A query set is counted and sliced in the database."""
    count = items.count() if isinstance(items, QuerySet) else len(items)
    return list(items[offset : offset + limit]), {
        "count": count,
        **page_links(request, count=count, limit=limit, offset=offset),
    }

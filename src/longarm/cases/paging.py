"""Pages of long lists without counting all of them."""

from functools import cached_property
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

# How many pages past the requested one are counted.
PAGES_AHEAD = 10


class BoundedPaginator(Paginator[Any]):
    """Counts rows only up to ``PAGES_AHEAD`` pages past the requested page: an exact count of a long
    filtered list is a pass over all of it on every view, while a reader pages a few pages at a time.
    ``exact`` says whether ``num_pages`` is the real total or a lower bound."""

    def __init__(self, object_list: QuerySet[Any], per_page: int, *, number: object) -> None:
        super().__init__(object_list, per_page)
        self.queryset = object_list
        try:
            page = max(1, int(str(number or 1)))
        except ValueError:
            page = 1
        self.bound = (page + PAGES_AHEAD) * per_page + 1

    @cached_property
    def count(self) -> int:
        return self.queryset.order_by()[: self.bound].count()

    @property
    def exact(self) -> bool:
        return self.count < self.bound

    def page(self, number: int | str) -> Page[Any]:
        """The page's ids first, from the ordering index alone, then only those rows: walking the offset
        over whole rows would read every skipped row."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        ids = list(self.queryset.values_list("pk", flat=True)[bottom : bottom + self.per_page])
        rows = self.queryset.order_by().filter(pk__in=ids).in_bulk()
        return Page([rows[pk] for pk in ids if pk in rows], number, self)

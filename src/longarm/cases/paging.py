"""Pages of long lists without counting all of them."""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import DatabaseError, connection, transaction
from django.db.models import QuerySet

# How many pages past the requested one are counted.
PAGES_AHEAD = 4
# A page number past the end of any list: a larger one (an edited link) is read as this, and so as the last
# page, rather than overflowing the database's OFFSET.
MAX_PAGE = 1_000_000


class BoundedPaginator(Paginator[Any]):
    """Pages of ``queryset`` that count rows only up to ``PAGES_AHEAD`` pages past the requested page: an
    exact count of a long filtered list is a pass over all of it on every view, while a reader pages a few
    pages at a time. One query reads the ids of the requested page and of the pages ahead, from the
    ordering index alone; a second reads the page's rows. ``exact`` says whether ``num_pages`` is the
    real total or a lower bound."""

    def __init__(self, queryset: QuerySet[Any], per_page: int, *, number: object) -> None:
        super().__init__(queryset, per_page)
        self.queryset = queryset
        try:
            self.requested = min(MAX_PAGE, max(1, int(str(number or 1))))
        except ValueError:
            self.requested = 1
        self.limit = (PAGES_AHEAD + 1) * per_page + 1

    def _ids(self, bottom: int, limit: int) -> list[int]:
        return list(self.queryset.values_list("pk", flat=True)[bottom : bottom + limit])

    def get_page(self, number: object) -> Page[Any]:
        """The page requested, as read when made: a number below 1 or not a number is the first page, one past
        the end the last (Django's own reading would turn 0 into the last page)."""
        return super().get_page(self.requested)

    @cached_property
    def _window(self) -> tuple[int, list[int], bool]:
        """The offset of the requested page, the ids from there on, and whether they reach the end."""
        bottom = (self.requested - 1) * self.per_page
        with walking_the_order(deep=bottom > 0):
            ids = self._ids(bottom, self.limit)
        if not ids and bottom:
            # Past the end (an old link): the exact count finds the last page.
            return self.queryset.order_by().count(), [], True
        return bottom, ids, len(ids) < self.limit

    @cached_property
    def count(self) -> int:
        bottom, ids, _ = self._window
        return bottom + len(ids)

    @property
    def exact(self) -> bool:
        return self._window[2]

    def page(self, number: int | str) -> Page[Any]:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        start, window, _ = self._window
        if window and start == bottom:
            ids = window[: self.per_page]
        else:
            with walking_the_order(deep=bottom > 0):
                ids = self._ids(bottom, self.per_page)
        rows = self.queryset.order_by().filter(pk__in=ids).in_bulk()
        return Page([rows[pk] for pk in ids if pk in rows], number, self)


class SegmentedPaginator(BoundedPaginator):
    """A ``BoundedPaginator`` of a list in consecutive parts: ``segments`` are querysets, each ordered (by
    an index it can walk), that together hold the rows of ``queryset`` once each. A page's ids come from the
    parts it spans; a part before the requested page is counted, never read."""

    def __init__(
        self, queryset: QuerySet[Any], segments: list[QuerySet[Any]], per_page: int, *, number: object
    ) -> None:
        super().__init__(queryset, per_page, number=number)
        self.segments = segments

    def _ids(self, bottom: int, limit: int) -> list[int]:
        ids: list[int] = []
        for segment in self.segments:
            if len(ids) == limit:
                break
            found = list(segment.values_list("pk", flat=True)[bottom : bottom + limit - len(ids)])
            if found:
                ids += found
                bottom = 0
            elif bottom:
                # The page starts past this part: skip it whole.
                bottom -= segment.order_by().count()
        return ids


@contextmanager
def walking_the_order(*, deep: bool) -> Iterator[None]:
    """A deep page's ids read by walking the list's ordering index, checking each row's filters (nested
    loops), inside ``serial_reads``' transaction on PostgreSQL. Past the first pages its planner prices that
    walk above a hash join over every row the reader may see followed by a sort, and picks the latter: a
    pass over all of them (a third of a second at 100k reports, ten times more at a million) where the walk
    reads the rows up to the page. Hash and merge joins are off for the query inside the block alone: the
    settings it found are put back as it ends (a failed query aborts the transaction, whose rollback puts
    them back). Nothing changes on SQLite, for a first page, or outside a transaction."""
    if not (deep and connection.vendor == "postgresql" and connection.in_atomic_block):
        yield
        return
    with connection.cursor() as cursor:
        # The list is read left to right: the settings as they were, then off.
        cursor.execute(
            "SELECT current_setting('enable_hashjoin'), current_setting('enable_mergejoin'),"
            " set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true)"
        )
        hashjoin, mergejoin, _, _ = cursor.fetchone()
    try:
        yield
    except DatabaseError:
        raise
    except BaseException:
        _join_settings(hashjoin, mergejoin)
        raise
    else:
        _join_settings(hashjoin, mergejoin)


def _join_settings(hashjoin: str, mergejoin: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('enable_hashjoin', %s, true), set_config('enable_mergejoin', %s, true)",
            [hashjoin, mergejoin],
        )


@contextmanager
def serial_reads() -> Iterator[None]:
    """Reads of one page without PostgreSQL's parallel workers: starting them takes longer than such a
    query runs, and far longer on a busy server. A transaction scopes the setting; on SQLite, where a
    transaction would take the write lock, nothing changes."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        yield

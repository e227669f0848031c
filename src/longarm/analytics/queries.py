"""Counting coded facts: cross-tabulations, time series, the share with relatives targeted, referral outcomes.

Every function returns a ``CountTable`` of the full counts: the analyst role sees them; anything leaving that
role goes through disclosure control first (``views``; the publication app). Tables are counted from an
in-process copy of the facts (``snapshot``), which answers any combination of filters in milliseconds;
grouping the facts in SQL gives the same counts (``tests/analytics/test_queries.py``) and is kept as the
reference.
"""

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Final, Literal, NamedTuple

from django.db import connection
from django.db.models import Count

from longarm.analytics import snapshot
from longarm.analytics.dimensions import DIMENSIONS, NO, UNKNOWN, YES, dimension, period_code
from longarm.analytics.tables import CountTable
from longarm.cases.models import Referral, ReferralKind, ReferralStatus
from longarm.intake.models import Report

TOTAL: Final = "total"
_PERIODS: Final = frozenset({"year", "month"})
_EQUAL_FILTERS: Final = ("community", "host_country", "host_region", "intake_channel")
Source = Literal["snapshot", "facts"]


class Month(NamedTuple):
    year: int
    month: int

    @property
    def number(self) -> int:
        return self.year * 100 + self.month

    def __str__(self) -> str:
        return period_code(self.year, self.month)


@dataclass(frozen=True)
class AnalyticsFilters:
    """Which facts to count. Empty strings and ``None`` mean "no restriction".

    With ``start`` or ``end`` set, only facts whose month is known are counted. ``host_region`` implies its
    country. ``tactic`` keeps the facts that have that tactic among theirs. ``intake_channel`` is the source:
    the online form, the hotline, or the form reached through a survey link.
    """

    start: Month | None = None
    end: Month | None = None
    community: str = ""
    host_country: str = ""
    host_region: str = ""
    tactic: str = ""
    intake_channel: str = ""

    def as_query(self) -> dict[str, str]:
        """The filters as GET parameters (what the dashboard's form sends), for links and audit records."""
        query = {
            "start": str(self.start) if self.start else "",
            "end": str(self.end) if self.end else "",
            "community": self.community,
            "host": self.host_region or self.host_country,
            "tactic": self.tactic,
            "source": self.intake_channel,
        }
        return {key: value for key, value in query.items() if value}


@dataclass(frozen=True)
class _Axis:
    # SQL expressions selected and grouped for this axis.
    expressions: tuple[str, ...]
    code: Callable[[tuple[object, ...]], str]


def _code(value: object) -> str:
    return str(value) if value not in ("", None) else UNKNOWN


def _month_code(values: tuple[object, ...]) -> str:
    year, month = int(str(values[0])), int(str(values[1]))
    return period_code(year, month) if year and month else UNKNOWN


def _year_code(values: tuple[object, ...]) -> str:
    year = int(str(values[0]))
    return f"{year:04d}" if year else UNKNOWN


def _relatives_code(values: tuple[object, ...]) -> str:
    value = values[0]
    if isinstance(value, str):
        return value or UNKNOWN
    return YES if value else NO


def _key_axis(name: str, alias: str) -> _Axis:
    if name == "month":
        return _Axis((f"{alias}.year", f"{alias}.month"), _month_code)
    if name == "year":
        return _Axis((f"{alias}.year",), _year_code)
    return _Axis((f"{alias}.{name}",), lambda values: _code(values[0]))


@dataclass
class _Query:
    joins: list[str]
    where: list[str]
    params: list[int | str]


def _period_filters(filters: AnalyticsFilters, alias: str, query: _Query) -> None:
    if filters.start is None and filters.end is None:
        return
    query.where.append(f"{alias}.month > 0")
    if filters.start is not None:
        query.where.append(f"({alias}.year * 100 + {alias}.month) >= %s")
        query.params.append(filters.start.number)
    if filters.end is not None:
        query.where.append(f"({alias}.year * 100 + {alias}.month) <= %s")
        query.params.append(filters.end.number)


def _key_filters(filters: AnalyticsFilters, alias: str, query: _Query) -> None:
    _period_filters(filters, alias, query)
    for column in ("community", "host_country", "intake_channel"):
        value = getattr(filters, column)
        if value:
            query.where.append(f"{alias}.{column} = %s")
            query.params.append(value)


def _entry_code(values: tuple[object, ...]) -> str:
    return _code(values[0])


def _facts_sql(
    rows: str, columns: str | None, filters: AnalyticsFilters
) -> tuple[str, list[int | str], _Axis, _Axis | None]:
    query = _Query(joins=[], where=["1 = 1"], params=[])
    _key_filters(filters, "f", query)
    if filters.host_region:
        query.where.append("f.host_region = %s")
        query.params.append(filters.host_region)
    if filters.tactic:
        query.joins.append(
            "JOIN analytics_factcode tf ON tf.fact_id = f.id AND tf.dimension = 'tactic' AND tf.code = %s"
        )
        query.params.insert(0, filters.tactic)

    def axis(name: str, alias: str) -> _Axis:
        if dimension(name).multi:
            query.joins.append(f"JOIN analytics_factcode {alias} ON {alias}.fact_id = f.id")
            query.where.append(f"{alias}.dimension = %s")
            query.params.append(name)
            return _Axis((f"{alias}.code",), _entry_code)
        if name == "relatives_targeted":
            return _Axis(("f.relatives_targeted",), _relatives_code)
        return _key_axis(name, "f")

    row_axis = axis(rows, "r")
    column_axis = axis(columns, "c") if columns else None
    return _select("COUNT(*)", "analytics_factincident f", query, row_axis, column_axis)


def _select(
    count: str, source: str, query: _Query, row_axis: _Axis, column_axis: _Axis | None
) -> tuple[str, list[int | str], _Axis, _Axis | None]:
    grouped = [*row_axis.expressions, *(column_axis.expressions if column_axis else ())]
    sql = (
        f"SELECT {', '.join(grouped)}, {count} FROM {source} {' '.join(query.joins)} "  # noqa: S608 - fixed SQL
        f"WHERE {' AND '.join(query.where)} GROUP BY {', '.join(grouped)}"
    )
    # Join parameters come before WHERE parameters in the text: the tactic filter's join was put first.
    return sql, query.params, row_axis, column_axis


def _order(name: str, present: set[str]) -> tuple[str, ...]:
    if name in ("year", "month"):
        return tuple(sorted(present - {UNKNOWN})) + ((UNKNOWN,) if UNKNOWN in present else ())
    known = dimension(name).codes()
    # A vocabulary may have its own "unknown" term ("I don't know"): it is the same row as a missing value,
    # kept last, once.
    ordered = [code for code in known if code in present and code != UNKNOWN]
    extra = sorted(present - set(known) - {UNKNOWN})
    return (*ordered, *extra, *((UNKNOWN,) if UNKNOWN in present else ()))


def _unit(rows: str, columns: str | None) -> str:
    multi = [name for name in (rows, columns) if name and dimension(name).multi]
    if not multi:
        return "incidents"
    return f"{dimension(multi[0]).name} mentions" if len(multi) == 1 else "code pairs"


def crosstab(
    *, rows: str, columns: str | None, filters: AnalyticsFilters, source: Source = "snapshot"
) -> CountTable:
    """Count the facts matching ``filters`` by ``rows`` (by ``columns`` too); a one-way table without columns.

    Dimension names are those of ``dimensions.DIMENSIONS``. A missing value counts under ``unknown``; only
    codes with a count appear, in taxonomy order (periods in time order). A multi-valued dimension counts
    mentions (see ``CountTable``). Raises ``ValueError`` for an unknown dimension or the same on both axes
    when it is single-valued.

    ``source`` "snapshot" counts this process's in-memory copy of the facts (``snapshot``), "facts" the facts
    in SQL; both give the same table.
    """
    dimension(rows)
    if columns is not None:
        dimension(columns)
        if columns == rows and not dimension(rows).multi:
            raise ValueError(f"{rows!r} cannot be crossed with itself.")
    counts = (
        _snapshot_counts(rows, columns, filters)
        if source == "snapshot"
        else _sql_counts(rows, columns, filters)
    )
    nonzero = {key: value for key, value in counts.items() if value}
    row_codes = _order(rows, {row for row, _ in nonzero})
    column_codes = _order(columns, {column for _, column in nonzero}) if columns else (TOTAL,)
    title = (
        f"{DIMENSIONS[rows].name} by {DIMENSIONS[columns].name}" if columns else f"{DIMENSIONS[rows].name}"
    )
    return CountTable(
        title=title,
        unit=_unit(rows, columns),
        row_dimension=rows,
        rows=row_codes,
        column_dimension=columns,
        columns=column_codes,
        cells=tuple(tuple(nonzero.get((row, column), 0) for column in column_codes) for row in row_codes),
    )


def _snapshot_counts(rows: str, columns: str | None, filters: AnalyticsFilters) -> dict[tuple[str, str], int]:
    facts = snapshot.current()
    positions = facts.select(
        start=filters.start.number if filters.start else None,
        end=filters.end.number if filters.end else None,
        equal=[(name, getattr(filters, name)) for name in _EQUAL_FILTERS if getattr(filters, name)],
        tactic=filters.tactic,
    )
    return facts.count(rows, columns, positions)


def _sql_counts(rows: str, columns: str | None, filters: AnalyticsFilters) -> dict[tuple[str, str], int]:
    sql, params, row_axis, column_axis = _facts_sql(rows, columns, filters)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        width = len(row_axis.expressions)
        for record in cursor.fetchall():
            row = row_axis.code(tuple(record[:width]))
            column = column_axis.code(tuple(record[width:-1])) if column_axis else TOTAL
            counts[row, column] += int(record[-1] or 0)
    return counts


def time_series(*, filters: AnalyticsFilters, columns: str | None = None) -> CountTable:
    """Incidents per month (by ``columns`` too), with every month between the first and the last, zeros too.
    Facts whose month is unknown are left out."""
    table = crosstab(rows="month", columns=columns, filters=filters)
    months = [code for code in table.rows if code != UNKNOWN]
    if not months:
        return replace(table, rows=(), cells=())
    filled = _month_range(months[0], months[-1])
    by_row = dict(zip(table.rows, table.cells, strict=True))
    empty = tuple(0 for _ in table.columns)
    return replace(
        table,
        title=f"{table.title} per month" if columns else "incidents per month",
        rows=tuple(filled),
        cells=tuple(by_row.get(month, empty) for month in filled),
    )


def _month_range(first: str, last: str) -> list[str]:
    year, month = (int(part) for part in first.split("-"))
    end = tuple(int(part) for part in last.split("-"))
    months = []
    while (year, month) <= end:
        months.append(period_code(year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


@dataclass(frozen=True)
class Share:
    part: int
    whole: int

    @property
    def percent(self) -> float | None:
        return 100 * self.part / self.whole if self.whole else None


def relatives_targeted(*, filters: AnalyticsFilters) -> CountTable:
    """Incidents with and without relatives targeted (a one-way table over ``yes``/``no``)."""
    return crosstab(rows="relatives_targeted", columns=None, filters=filters)


def relatives_share(*, filters: AnalyticsFilters) -> Share:
    """The share of counted incidents and reports in which relatives were targeted."""
    table = relatives_targeted(filters=filters)
    counts = dict(zip(table.rows, table.row_totals(), strict=True))
    return Share(part=counts.get(YES, 0), whole=sum(counts.values()))


def counted_cases_referrals() -> "Sequence[tuple[str, str, int]]":
    """(kind, status, count) of referrals of cases counted in statistics: cases none of whose reports
    declined statistics."""
    declined = Report.objects.filter(statistics_consent=False, case_link__isnull=False).values(
        "case_link__case"
    )
    return [
        (row["kind"], row["status"], row["n"])
        for row in Referral.objects.exclude(case__in=declined)
        .filter(case__case_reports__isnull=False)
        .values("kind", "status")
        .annotate(n=Count("id", distinct=True))
        .order_by()
    ]


def referral_outcomes() -> CountTable:
    """Referrals by kind and status (coded fields of ``cases.Referral``). Date and place filters do not apply:
    a referral has neither."""
    counts = {(kind, status): n for kind, status, n in counted_cases_referrals()}
    kinds = tuple(kind for kind in ReferralKind.values if any(k == kind for k, _ in counts))
    statuses = tuple(status for status in ReferralStatus.values if any(s == status for _, s in counts))
    return CountTable(
        title="referrals by kind and status",
        unit="referrals",
        row_dimension="referral_kind",
        rows=kinds,
        column_dimension="referral_status",
        columns=statuses,
        cells=tuple(tuple(counts.get((kind, status), 0) for status in statuses) for kind in kinds),
    )

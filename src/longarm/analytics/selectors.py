"""The dashboard's tables, labelled in the active language, with their charts."""

from dataclasses import dataclass
from typing import Final

from django.utils.formats import number_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from longarm.analytics import charts
from longarm.analytics.dimensions import dimension
from longarm.analytics.queries import (
    AnalyticsFilters,
    Share,
    crosstab,
    referral_outcomes,
    relatives_targeted,
    time_series,
)
from longarm.analytics.tables import CountTable
from longarm.cases.models import ReferralKind, ReferralStatus

# One-way tables on every dashboard, in the order shown.
ONE_WAY: Final = (
    "tactic",
    "community",
    "channel",
    "actor",
    "host_country",
    "host_region",
    "origin_region",
    "year",
)
TABLE_KEYS: Final = (*ONE_WAY, "months", "relatives_targeted", "referrals", "crosstab")
_UNITS: Final = {
    "incidents": _("Incidents"),
    "code pairs": _("Pairs of codes"),
    "referrals": _("Referrals"),
}


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[int, ...]
    total: int


@dataclass(frozen=True)
class TableView:
    key: str
    title: str
    unit: str
    table: CountTable
    row_heading: str
    column_heading: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    column_totals: tuple[int, ...]
    grand_total: int
    chart: SafeString | None

    @property
    def one_way(self) -> bool:
        return self.table.column_dimension is None


@dataclass(frozen=True)
class Dashboard:
    total: int
    share: Share
    tables: tuple[TableView, ...]

    def table(self, key: str) -> TableView:
        return next(view for view in self.tables if view.key == key)


def _unit_label(unit: str) -> str:
    if unit in _UNITS:
        return str(_UNITS[unit])
    return gettext("Mentions")


def _label(dimension_name: str | None, code: str) -> str:
    if dimension_name == "referral_kind":
        return str(ReferralKind(code).label)
    if dimension_name == "referral_status":
        return str(ReferralStatus(code).label)
    if dimension_name is None:
        return gettext("Total")
    return dimension(dimension_name).label_for(code)


def _heading(dimension_name: str | None) -> str:
    if dimension_name == "referral_kind":
        return gettext("Kind of referral")
    if dimension_name == "referral_status":
        return gettext("Status")
    if dimension_name is None:
        return ""
    return str(dimension(dimension_name).label)


def _chart(key: str, title: str, unit: str, table: CountTable, *, rtl: bool) -> SafeString | None:
    if not table.rows or table.column_dimension is not None:
        return None
    totals = table.row_totals()
    if key == "months":
        description = gettext(
            "Column chart of %(unit)s per month from %(first)s to %(last)s; the highest month has %(most)s. "
            "The table beside the chart gives every number."
        ) % {"unit": unit, "first": table.rows[0], "last": table.rows[-1], "most": number_format(max(totals))}
        return charts.column_chart(
            chart_id=f"chart-{key}",
            title=title,
            description=description,
            periods=table.rows,
            values=totals,
            value_axis=unit,
            time_axis=gettext("Month"),
            rtl=rtl,
        )
    largest = max(range(len(totals)), key=totals.__getitem__)
    labels = [_label(table.row_dimension, code) for code in table.rows]
    description = gettext(
        "Bar chart of %(unit)s by %(dimension)s; the largest is %(label)s with %(value)s. "
        "The table beside the chart gives every number."
    ) % {
        "unit": unit,
        "dimension": _heading(table.row_dimension),
        "label": labels[largest],
        "value": number_format(totals[largest]),
    }
    return charts.bar_chart(
        chart_id=f"chart-{key}",
        title=title,
        description=description,
        labels=labels,
        values=totals,
        value_axis=unit,
        category_axis=_heading(table.row_dimension),
        rtl=rtl,
    )


def table_view(key: str, table: CountTable, *, rtl: bool = False) -> TableView:
    """A count table with labels in the active language and, for a one-way table, its chart."""
    unit = _unit_label(table.unit)
    if key == "months":
        title = gettext("Incidents per month")
    elif key == "relatives_targeted":
        title = gettext("Relatives targeted")
    elif key == "referrals":
        title = gettext("Referral outcomes")
    elif table.column_dimension is not None:
        title = gettext("%(rows)s by %(columns)s") % {
            "rows": _heading(table.row_dimension),
            "columns": _heading(table.column_dimension),
        }
    else:
        title = _heading(table.row_dimension)
    return TableView(
        key=key,
        title=title,
        unit=unit,
        table=table,
        row_heading=_heading(table.row_dimension),
        column_heading=_heading(table.column_dimension),
        columns=tuple(_label(table.column_dimension, code) for code in table.columns),
        rows=tuple(
            Row(label=_label(table.row_dimension, code), cells=cells, total=sum(cells))
            for code, cells in zip(table.rows, table.cells, strict=True)
        ),
        column_totals=table.column_totals(),
        grand_total=table.grand_total(),
        chart=_chart(key, title, unit, table, rtl=rtl),
    )


# Tables the dashboard's date and place filters do not apply to (a referral has neither): a download of one
# names no filter, rather than claim ones that were not applied.
UNFILTERED_TABLES = frozenset({"referrals"})


def dashboard_table(key: str, *, filters: AnalyticsFilters, rows: str, columns: str) -> CountTable:
    """The count table ``key`` of the dashboard (one of ``TABLE_KEYS``); raises ``KeyError`` otherwise."""
    if key in ONE_WAY:
        return crosstab(rows=key, columns=None, filters=filters)
    if key == "months":
        return time_series(filters=filters)
    if key == "relatives_targeted":
        return relatives_targeted(filters=filters)
    if key == "referrals":
        return referral_outcomes()
    if key == "crosstab":
        return crosstab(rows=rows, columns=columns, filters=filters)
    raise KeyError(key)


def dashboard(*, filters: AnalyticsFilters, rows: str, columns: str, rtl: bool) -> Dashboard:
    tables = tuple(
        table_view(key, dashboard_table(key, filters=filters, rows=rows, columns=columns), rtl=rtl)
        for key in TABLE_KEYS
    )
    relatives = next(view.table for view in tables if view.key == "relatives_targeted")
    counts = dict(zip(relatives.rows, relatives.row_totals(), strict=True))
    share = Share(part=counts.get("yes", 0), whole=sum(counts.values()))
    return Dashboard(total=share.whole, share=share, tables=tables)

"""A release's content as the pages show it: labels in the active language, suppressed cells marked."""

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from longarm.analytics.dimensions import DIMENSIONS
from longarm.analytics.publication.models import Release, ReleaseKind

_UNITS = {
    "incidents": _("Incidents"),
    "tactic mentions": _("Tactic mentions"),
    "channel mentions": _("Channel mentions"),
    "actor type mentions": _("Actor type mentions"),
    "harm mentions": _("Harm mentions"),
    "code pairs": _("Pairs of codes"),
}


def _label(dimension: str | None, code: str) -> str:
    if dimension in DIMENSIONS:
        return DIMENSIONS[dimension].label_for(code)
    return code


def dimension_label(dimension: str | None) -> str:
    return str(DIMENSIONS[dimension].label) if dimension in DIMENSIONS else (dimension or "")


@dataclass(frozen=True)
class ShownRow:
    label: str
    cells: list[int | None]
    total: int | None


@dataclass(frozen=True)
class ShownTable:
    title: str
    unit: str
    row_heading: str
    one_way: bool
    columns: list[str]
    rows: list[ShownRow]
    column_totals: list[int | None]
    grand_total: int | None
    any_suppressed: bool


def release_title(release: Release) -> str:
    if release.kind == ReleaseKind.OPEN_DATA:
        return gettext("Coded incident records")
    rows = dimension_label(release.row_dimension)
    if release.column_dimension:
        return gettext("%(rows)s by %(columns)s") % {
            "rows": rows,
            "columns": dimension_label(release.column_dimension),
        }
    return rows


def shown_table(release: Release) -> ShownTable:
    content: dict[str, Any] = release.content
    one_way = content["column_dimension"] is None
    rows = [
        ShownRow(label=_label(content["row_dimension"], code), cells=list(cells), total=total)
        for code, cells, total in zip(content["rows"], content["cells"], content["row_totals"], strict=True)
    ]
    suppressed = (
        any(value is None for row in content["cells"] for value in row)
        or None in content["row_totals"]
        or None in content["column_totals"]
        or content["grand_total"] is None
    )
    return ShownTable(
        title=release_title(release),
        unit=str(_UNITS.get(content["unit"], content["unit"])),
        row_heading=dimension_label(content["row_dimension"]),
        one_way=one_way,
        columns=[_label(content["column_dimension"], code) for code in content["columns"]],
        rows=rows,
        column_totals=list(content["column_totals"]),
        grand_total=content["grand_total"],
        any_suppressed=suppressed,
    )

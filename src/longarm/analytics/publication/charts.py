"""A server-drawn SVG bar chart of a released table's row totals, shown beside the table.

Plain SVG with presentation attributes only (the content security policy forbids inline styles and
scripts). Bars run from the start edge of the reading direction, so the chart mirrors in right-to-left
languages. A withheld total has no bar and is marked "—", as in the table.
"""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from longarm.analytics.publication.presentation import ShownTable

_ROW = 26
_LABEL = 190
_BAR = 280
_VALUE = 60


def _number(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def bar_chart(table: ShownTable, *, chart_id: str, rtl: bool) -> SafeString:
    """The chart's markup; its title names the table, and the table itself carries the numbers."""
    values = [row.cells[0] if table.one_way else row.total for row in table.rows]
    largest = max((value for value in values if value is not None), default=0) or 1
    width = _LABEL + _BAR + _VALUE
    height = _ROW * len(values) + 8

    def x(position: float, length: float = 0) -> str:
        # Positions are measured from the start edge; in right-to-left layouts the start is on the right.
        return _number(width - position - length if rtl else position)

    anchor_label, anchor_value = ("start", "end") if rtl else ("end", "start")
    bars = []
    for index, (row, value) in enumerate(zip(table.rows, values, strict=True)):
        top = 4 + index * _ROW
        length = 0.0 if value is None else _BAR * value / largest
        bars.append(
            (
                x(_LABEL - 8),
                top + 17,
                anchor_label,
                row.label,
                x(_LABEL, length),
                top + 4,
                _number(length),
                x(_LABEL + length + 6),
                top + 17,
                anchor_value,
                "—" if value is None else value,
            )
        )
    body = format_html_join(
        "\n",
        '<text x="{}" y="{}" text-anchor="{}" font-size="13">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="18" fill="#0b5cad"></rect>'
        '<text x="{}" y="{}" text-anchor="{}" font-size="13">{}</text>',
        bars,
    )
    return format_html(
        '<svg class="release-chart" role="img" aria-labelledby="{}-title" viewBox="0 0 {} {}" '
        'width="{}" height="{}" direction="{}" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{}-title">{}</title>\n{}\n</svg>',
        chart_id,
        width,
        height,
        width,
        height,
        "rtl" if rtl else "ltr",
        chart_id,
        gettext("Bar chart: %(title)s, totals by row. The numbers are in the table.")
        % {"title": table.title},
        body,
    )

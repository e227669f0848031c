"""Charts as accessible SVG, drawn on the server: no script, no font or file from anywhere.

Every chart is an ``<svg role="img">`` named by its ``<title>`` and described by its ``<desc>``, with labelled
axes; the page puts the same numbers in a table beside it. Colours and sizes are presentation attributes,
not inline styles, so the strict Content-Security-Policy holds. In a right-to-left language a bar chart is
mirrored (categories on the right, bars growing leftwards) and its text runs right to left; a time axis
keeps the earliest month on the left, as charts in right-to-left publications commonly do.
"""

import math
from collections.abc import Sequence
from typing import Final

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH: Final = 640
BAR_HEIGHT: Final = 22
GAP: Final = 6
LABEL_WIDTH: Final = 210
TOP: Final = 10
AXIS_SPACE: Final = 44
FILL: Final = "#2b5f8a"
AXIS: Final = "#333333"
GRID: Final = "#d0d0d0"


def nice_ticks(maximum: int, count: int = 4) -> list[int]:
    """Round tick values from 0 to at least ``maximum``."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(1, int(step))
    return list(range(0, int(step * math.ceil(maximum / step)) + 1, step))


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _open(chart_id: str, title: str, description: str, height: int, *, rtl: bool) -> tuple[str, str]:
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    direction = ' direction="rtl"' if rtl else ""
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" aria-labelledby="{title_id} {desc_id}"'
        f'{direction} font-family="sans-serif" font-size="12">'
        f'<title id="{title_id}">{escape(title)}</title><desc id="{desc_id}">{escape(description)}</desc>'
    )
    return head, "</svg>"


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    values: Sequence[int | None],
    value_axis: str,
    category_axis: str,
    rtl: bool = False,
) -> SafeString:
    """Horizontal bars, one per category, with a labelled value axis underneath. A withheld value
    (``None``, suppressed by disclosure control) has no bar and is marked "—", as in its table."""
    height = TOP + len(values) * (BAR_HEIGHT + GAP) + AXIS_SPACE
    head, tail = _open(chart_id, title, description, height, rtl=rtl)
    ticks = nice_ticks(max((value for value in values if value is not None), default=0))
    top = ticks[-1] or 1
    plot = WIDTH - LABEL_WIDTH - 20
    plot_bottom = TOP + len(values) * (BAR_HEIGHT + GAP)

    def x(offset: float, width: float = 0) -> float:
        """Left edge of something ``offset`` from the category side, mirrored in right-to-left."""
        start = LABEL_WIDTH + offset
        return WIDTH - start - width if rtl else start

    parts = [head]
    for tick in ticks:
        position = x(plot * tick / top)
        parts.append(
            f'<line x1="{position:.1f}" y1="{TOP}" x2="{position:.1f}" y2="{plot_bottom}" stroke="{GRID}"/>'
            f'<text x="{position:.1f}" y="{plot_bottom + 16}" text-anchor="middle" fill="{AXIS}">'
            f"{tick}</text>"
        )
    label_x = x(-8)
    anchor = "start" if rtl else "end"
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = TOP + index * (BAR_HEIGHT + GAP)
        width = 0.0 if value is None else plot * value / top
        parts.append(
            f'<text x="{label_x:.1f}" y="{y + BAR_HEIGHT * 0.7:.1f}" text-anchor="{anchor}" fill="{AXIS}">'
            f"{escape(_short(label))}</text>"
            f'<rect x="{x(0, width):.1f}" y="{y}" width="{width:.1f}" height="{BAR_HEIGHT}" fill="{FILL}"/>'
        )
        if value is None:
            mark_anchor = "end" if rtl else "start"
            parts.append(
                f'<text x="{x(8):.1f}" y="{y + BAR_HEIGHT * 0.7:.1f}" text-anchor="{mark_anchor}" '
                f'fill="{AXIS}">—</text>'
            )
    axis_x = x(0)
    parts.append(
        f'<line x1="{axis_x:.1f}" y1="{TOP}" x2="{axis_x:.1f}" y2="{plot_bottom}" stroke="{AXIS}"/>'
        f'<text x="{x(plot / 2):.1f}" y="{height - 6}" text-anchor="middle" fill="{AXIS}">'
        f"{escape(value_axis)}</text>"
        f'<text x="{label_x:.1f}" y="{height - 6}" text-anchor="{anchor}" fill="{AXIS}" font-weight="bold">'
        f"{escape(category_axis)}</text>"
    )
    parts.append(tail)
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def column_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    periods: Sequence[str],
    values: Sequence[int],
    value_axis: str,
    time_axis: str,
    rtl: bool = False,
) -> SafeString:
    """Vertical bars over time (``periods`` are ``YYYY-MM``), the year marked under each January."""
    height = 260
    left, right, bottom = 56, 12, 52
    plot_width, plot_height = WIDTH - left - right, height - TOP - bottom
    head, tail = _open(chart_id, title, description, height, rtl=rtl)
    ticks = nice_ticks(max(values, default=0))
    top = ticks[-1] or 1
    parts = [head]
    for tick in ticks:
        y = TOP + plot_height * (1 - tick / top)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{AXIS}" direction="ltr">'
            f"{tick}</text>"
        )
    step = plot_width / max(len(values), 1)
    for index, (period, value) in enumerate(zip(periods, values, strict=True)):
        bar = plot_height * value / top
        x = left + index * step
        parts.append(
            f'<rect x="{x + step * 0.1:.1f}" y="{TOP + plot_height - bar:.1f}" '
            f'width="{max(step * 0.8, 0.5):.1f}" height="{bar:.1f}" fill="{FILL}"/>'
        )
        if index == 0 or period.endswith("-01") or len(values) <= 12:
            label = period if len(values) <= 12 else period[:4]
            parts.append(
                f'<text x="{x + step / 2:.1f}" y="{TOP + plot_height + 16}" text-anchor="middle" '
                f'fill="{AXIS}" direction="ltr">{escape(label)}</text>'
            )
    parts.append(
        f'<line x1="{left}" y1="{TOP + plot_height}" x2="{WIDTH - right}" y2="{TOP + plot_height}" '
        f'stroke="{AXIS}"/>'
        f'<text x="{left + plot_width / 2:.1f}" y="{height - 8}" text-anchor="middle" fill="{AXIS}">'
        f"{escape(time_axis)}</text>"
        f'<text x="14" y="{TOP + plot_height / 2:.1f}" text-anchor="middle" fill="{AXIS}" '
        f'transform="rotate(-90 14 {TOP + plot_height / 2:.1f})">{escape(value_axis)}</text>'
    )
    parts.append(tail)
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped

"""The chart beside a released table: the dashboard's bar chart of the table's row totals (or its one
column), so that the public page and the console draw alike. A withheld total has no bar and is marked "—",
as in the table."""

from django.utils.safestring import SafeString
from django.utils.translation import gettext

from longarm.analytics.charts import bar_chart
from longarm.analytics.publication.presentation import ShownTable


def release_chart(table: ShownTable, *, chart_id: str, rtl: bool) -> SafeString:
    return bar_chart(
        chart_id=chart_id,
        title=table.title,
        description=gettext("Bar chart: %(title)s, totals by row. The numbers are in the table.")
        % {"title": table.title},
        labels=[row.label for row in table.rows],
        values=[row.cells[0] if table.one_way else row.total for row in table.rows],
        value_axis=table.unit,
        category_axis=table.row_heading,
        rtl=rtl,
    )

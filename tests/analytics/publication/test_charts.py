import re

from longarm.analytics.charts import LABEL_WIDTH, WIDTH
from longarm.analytics.publication.charts import release_chart
from longarm.analytics.publication.presentation import ShownRow, ShownTable


def table() -> ShownTable:
    return ShownTable(
        title="Community <by> host country",
        unit="Incidents",
        row_heading="Community",
        one_way=False,
        columns=["GB", "JP"],
        rows=[ShownRow("Uyghur", [None, None], 40), ShownRow("Tibetan", [None, None], None)],
        column_totals=[None, None],
        grand_total=None,
        any_suppressed=True,
    )


def bars(svg: str) -> list[tuple[float, float]]:
    return [
        (float(x), float(width))
        for x, width in re.findall(r'<rect x="([0-9.]+)" y="[0-9]+" width="([0-9.]+)"', svg)
    ]


def test_the_chart_is_an_image_titled_after_its_table_with_no_bar_for_a_withheld_total() -> None:
    svg = release_chart(table(), chart_id="c1", rtl=False)

    assert 'role="img"' in svg
    assert 'aria-labelledby="c1-title c1-desc"' in svg
    assert '<title id="c1-title">Community &lt;by&gt; host country</title>' in svg
    assert bars(svg)[1][1] == 0
    assert ">—<" in svg


def test_bars_start_from_the_right_in_right_to_left_languages() -> None:
    ltr = bars(release_chart(table(), chart_id="c", rtl=False))[0]
    rtl = bars(release_chart(table(), chart_id="c", rtl=True))[0]

    assert ltr[1] == rtl[1] > 0
    # The bar starts at the category labels' edge: the left one in English, the right one in Uyghur.
    assert ltr[0] == LABEL_WIDTH
    assert rtl[0] + rtl[1] == WIDTH - LABEL_WIDTH

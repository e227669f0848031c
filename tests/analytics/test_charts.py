import re
from xml.etree import ElementTree

from longarm.analytics.charts import bar_chart, column_chart, nice_ticks

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)  # noqa: S314 - our own chart, not outside input


def chart(**overrides: object) -> str:
    arguments: dict[str, object] = {
        "chart_id": "chart-x",
        "title": "Tactic",
        "description": "Bar chart of incidents by tactic.",
        "labels": ["Threats", "Coercion <b>via</b> family"],
        "values": [12, 30],
        "value_axis": "Incidents",
        "category_axis": "Tactic",
    }
    arguments.update(overrides)
    return str(bar_chart(**arguments))  # type: ignore[arg-type]


def test_a_bar_chart_is_an_image_named_and_described_for_screen_readers() -> None:
    root = parse(chart())

    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart-x-title chart-x-desc"
    assert root.find(f"{SVG}title").text == "Tactic"  # type: ignore[union-attr]
    assert root.find(f"{SVG}desc").text == "Bar chart of incidents by tactic."  # type: ignore[union-attr]
    texts = [element.text for element in root.iter(f"{SVG}text")]
    assert "Incidents" in texts  # the value axis is labelled
    assert "Coercion <b>via</b> family" in texts  # as text, escaped, never markup


def test_bar_lengths_are_proportional_to_the_counts() -> None:
    root = parse(chart())
    widths = [float(rect.get("width", 0)) for rect in root.iter(f"{SVG}rect")]

    assert widths[1] / widths[0] == 30 / 12


def test_right_to_left_mirrors_the_bars_and_the_labels() -> None:
    ltr = parse(chart())
    rtl = parse(chart(rtl=True))

    assert rtl.get("direction") == "rtl"
    ltr_bar = next(ltr.iter(f"{SVG}rect"))
    rtl_bar = next(rtl.iter(f"{SVG}rect"))
    # The bar starts at the category side: left in LTR, right in RTL, and ends at the mirrored place.
    assert float(ltr_bar.get("x", 0)) + float(rtl_bar.get("x", 0)) + float(rtl_bar.get("width", 0)) == 640
    labels = [text for text in rtl.iter(f"{SVG}text") if text.text == "Threats"]
    assert labels[0].get("text-anchor") == "start"


def test_a_column_chart_marks_each_year_and_labels_both_axes() -> None:
    periods = [f"{year}-{month:02d}" for year in (2023, 2024) for month in range(1, 13)]
    svg = str(
        column_chart(
            chart_id="chart-months",
            title="Incidents per month",
            description="Column chart.",
            periods=periods,
            values=list(range(24)),
            value_axis="Incidents",
            time_axis="Month",
        )
    )
    root = parse(svg)
    texts = [element.text for element in root.iter(f"{SVG}text")]

    assert {"2023", "2024", "Month", "Incidents"} <= set(texts)
    assert len(list(root.iter(f"{SVG}rect"))) == 24
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", svg)  # nothing from another host


def test_ticks_are_round_and_cover_the_largest_value() -> None:
    assert nice_ticks(0) == [0, 1]
    assert nice_ticks(30) == [0, 10, 20, 30]
    assert nice_ticks(987)[-1] >= 987
    assert nice_ticks(7) == [0, 2, 4, 6, 8]

import xml.etree.ElementTree as ET

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from bdtx.lib.svgcharts import (
    Bar,
    bar_chart,
    column_chart,
    format_number,
    format_percent,
    heat_map,
    progress_bar,
    stacked_bar_chart,
)

SVG = "{http://www.w3.org/2000/svg}"
RATINGS = ["Tốt", "Khá", "Đạt", "Chưa đạt"]


def parse(svg) -> ET.Element:
    """The chart as XML: it must parse (an unescaped name would break it)."""
    return ET.fromstring(str(svg))


def shapes(root: ET.Element, tag: str, css: str) -> list[ET.Element]:
    return [e for e in root.iter(f"{SVG}{tag}") if css in e.get("class", "").split()]


def texts(root: ET.Element) -> list[str]:
    return [e.text for e in root.iter(f"{SVG}text")]


def words(root: ET.Element) -> tuple[str, str]:
    """The chart's name and its text alternative, found through aria-labelledby as a screen reader does."""
    by_id = {e.get("id"): e.text for e in root.iter() if e.get("id")}
    title_id, desc_id = root.get("aria-labelledby").split()
    return by_id[title_id], by_id[desc_id]


def test_bars_are_as_long_as_their_values_and_the_target_line_sits_at_its_share():
    root = parse(
        bar_chart([("Trường A", 93.5), ("Trường B", 46.75), ("Trường C", 0)], title="Hoàn thành BDTX", target=90)
    )
    bars = [float(rect.get("width")) for rect in shapes(root, "rect", "bar")]
    assert bars[0] == pytest.approx(2 * bars[1], abs=0.2) and bars[2] == 0
    left = float(shapes(root, "rect", "bar")[0].get("x"))
    (target,) = shapes(root, "line", "target")
    assert target.get("stroke-dasharray")  # a dashed line, not a colour alone
    assert (float(target.get("x1")) - left) / bars[0] == pytest.approx(90 / 93.5, abs=0.002)
    assert [t for t in texts(root) if t in ("93,5%", "46,8%", "0%")][-3:] == ["93,5%", "46,8%", "0%"]
    # Under the target in another colour, and the words say so too.
    fills = [rect.get("fill") for rect in shapes(root, "rect", "bar")]
    assert fills[0] != fills[1] == fills[2]


def test_every_chart_is_an_image_named_by_its_title_with_its_figures_in_words():
    root = parse(bar_chart([("Trường A", 93.5), ("Trường B", 80)], title="Hoàn thành BDTX 2025-2026", target=90))
    assert root.get("role") == "img"
    title, description = words(root)
    assert title == "Hoàn thành BDTX 2025-2026"
    assert description == "Trường A: 93,5%; Trường B: 80%. Chỉ tiêu: 90%. 1/2 chưa đạt chỉ tiêu."
    assert "Chỉ tiêu: 90%" in texts(root)


def test_counts_without_a_percent_scale_run_to_a_round_top_and_show_thousands_with_a_dot():
    root = parse(bar_chart([("Sở", 1234), ("Phòng", 617)], title="Số giáo viên", percent=False))
    bars = [float(rect.get("width")) for rect in shapes(root, "rect", "bar")]
    assert bars[0] == pytest.approx(2 * bars[1], abs=0.2)
    assert "1.234" in texts(root) and "2.000" in texts(root)  # the scale's top: 2,000


def test_a_unit_name_with_markup_characters_is_escaped_everywhere():
    name = 'Trường <b>A</b> & "B"'
    svg = str(bar_chart([Bar(name, 50, "/dashboards/?unit=1&year=2025")], title="<script>x</script>", target=60))
    root = parse(svg)
    assert "<b>" not in svg and "<script>" not in svg
    assert name in texts(root)
    assert words(root)[0] == "<script>x</script>"
    (link,) = root.iter(f"{SVG}a")
    assert link.get("href") == "/dashboards/?unit=1&year=2025"


def test_a_long_unit_name_is_cut_on_the_chart_but_whole_in_the_words():
    name = "Trường Phổ thông Dân tộc Bán trú Trung học cơ sở Mường Tè số 2"
    root = parse(bar_chart([(name, 75)], title="Hoàn thành"))
    assert any(t.endswith("…") and name.startswith(t[:-1]) for t in texts(root))
    assert name in words(root)[1]


@pytest.mark.parametrize(
    "chart",
    [
        lambda: bar_chart([], title="Hoàn thành"),
        lambda: bar_chart([("Trường A", None)], title="Hoàn thành"),
        lambda: stacked_bar_chart([("Trường A", [0, 0, 0, 0])], categories=RATINGS, title="Xếp loại"),
        lambda: column_chart([], series=["Mầm non"], title="Nghỉ hưu"),
        lambda: heat_map(["Trường A"], ["TC1"], [[None]], title="Nhu cầu"),
        lambda: progress_bar(None, 90, title="Khá trở lên"),
    ],
)
def test_no_data_draws_a_clear_message_instead_of_a_broken_chart(chart):
    root = parse(chart())
    assert texts(root) == ["Chưa có số liệu"]
    assert words(root)[1] == "Chưa có số liệu"
    assert not shapes(root, "rect", "bar")


def test_a_unit_without_figures_among_others_says_so_on_its_row():
    root = parse(bar_chart([("Trường A", 90), ("Trường B", None)], title="Hoàn thành"))
    assert "Chưa có số liệu" in texts(root) and len(shapes(root, "rect", "bar")) == 1
    assert "Trường B: chưa có số liệu" in words(root)[1]


def test_the_rating_distribution_splits_each_bar_by_share_and_prints_the_shares():
    root = parse(
        stacked_bar_chart(
            [("Trường A", [10, 20, 5, 5]), ("Trường B", [0, 3, 1, 0])], categories=RATINGS, title="Xếp loại chuẩn"
        )
    )
    segments = shapes(root, "rect", "segment")
    first = [float(s.get("width")) for s in segments[:4]]
    assert first[1] == pytest.approx(2 * first[0], abs=0.2) and first[2] == pytest.approx(first[3], abs=0.2)
    second = [float(s.get("width")) for s in segments[4:]]
    assert sum(first) == pytest.approx(sum(second), abs=0.3)  # both bars are 100 %
    assert {"25%", "50%", "13%", "75%"} <= set(texts(root))
    assert [t for t in texts(root) if t in RATINGS] == RATINGS  # the legend names the colours
    assert words(root)[1] == (
        "Trường A (40 người): Tốt 25% (10), Khá 50% (20), Đạt 12,5% (5), Chưa đạt 12,5% (5); "
        "Trường B (4 người): Tốt 0% (0), Khá 75% (3), Đạt 25% (1), Chưa đạt 0% (0)"
    )


def test_the_retirement_forecast_draws_columns_as_tall_as_their_counts_grouped_by_year():
    root = parse(
        column_chart(
            [("2026-2027", [12, 30, 6]), ("2027-2028", [24, 15, 0])],
            series=["Mầm non", "Tiểu học", "THCS"],
            title="Dự báo nghỉ hưu",
        )
    )
    heights = [float(rect.get("height")) for rect in shapes(root, "rect", "column")]
    assert heights[0] * 2 == pytest.approx(heights[3], abs=0.2)
    assert heights[1] == pytest.approx(heights[4] * 2, abs=0.2) and heights[5] == 0
    assert {"2026-2027", "2027-2028", "12", "30", "Mầm non", "THCS"} <= set(texts(root))
    assert words(root)[1] == "2026-2027: Mầm non 12, Tiểu học 30, THCS 6; 2027-2028: Mầm non 24, Tiểu học 15, THCS 0"


def test_the_heat_map_shades_each_cell_by_its_band_and_prints_its_share():
    root = parse(
        heat_map(["Trường A", "Trường B"], ["TC1", "TC2", "TC3"], [[5, 45, 100], [None, 0, 81]], title="Nhu cầu")
    )
    fills = [rect.get("fill") for rect in shapes(root, "rect", "cell")]
    assert fills == ["#fdecea", "#f2a195", "#c8402b", "#ffffff", "#ffffff", "#c8402b"]
    cells = texts(root)
    assert {"5", "45", "100", "—", "0", "81", "TC1"} <= set(cells)
    assert "Tỷ lệ số người (%)" in cells and "80–100" in cells  # the legend
    assert words(root)[1] == "Trường A: TC1: 5%, TC2: 45%, TC3: 100%; Trường B: TC1: —, TC2: 0%, TC3: 81%"


def test_progress_against_a_threshold_says_whether_it_is_reached():
    root = parse(progress_bar(88.24, 93.5, title="GVMN đạt Khá trở lên", label="Giáo viên mầm non"))
    (track,) = shapes(root, "rect", "track")
    (bar,) = shapes(root, "rect", "bar")
    assert float(bar.get("width")) / float(track.get("width")) == pytest.approx(0.8824, abs=0.001)
    assert words(root)[1] == "Giáo viên mầm non: 88,2%, chỉ tiêu 93,5%: chưa đạt"
    assert "Chỉ tiêu: 93,5%" in texts(root)
    assert words(parse(progress_bar(100, 100, title="Hoàn thành")))[1] == "100%, chỉ tiêu 100%: đạt"


def test_no_chart_carries_a_style_attribute_a_style_element_or_a_script():
    charts = [
        bar_chart([("A", 1)], title="t", target=2),
        stacked_bar_chart([("A", [1, 2, 3, 4])], categories=RATINGS, title="t"),
        column_chart([("2026", [1, 2])], series=["a", "b"], title="t"),
        heat_map(["A"], ["B"], [[50]], title="t"),
        progress_bar(50, 60, title="t"),
        bar_chart([], title="t"),
    ]
    for chart in charts:
        markup = str(chart)
        assert "style=" not in markup and "<style" not in markup and "<script" not in markup and " on" not in markup


def test_the_same_chart_gets_the_same_id_and_different_charts_different_ones():
    one = parse(bar_chart([("A", 1)], title="t"))
    assert one.get("id") == parse(bar_chart([("A", 1)], title="t")).get("id")
    assert one.get("id") != parse(bar_chart([("A", 2)], title="t")).get("id")
    assert parse(bar_chart([("A", 1)], title="t", chart_id="completion")).get("id") == "completion"


def test_numbers_are_written_the_vietnamese_way_in_either_language():
    assert (format_number(1234567), format_number(12.34, 1), format_number(0)) == ("1.234.567", "12,3", "0")
    assert (format_percent(93.5), format_percent(100), format_percent(66.666)) == ("93,5%", "100%", "66,7%")
    assert (format_percent(12.5, 0), format_percent(93.45), format_number(2.5)) == ("13%", "93,5%", "3")  # half up
    with translation.override("en"):  # bdtx/formats/en keeps the Vietnamese separators: the data are Vietnamese
        assert (format_number(1234567), format_percent(93.5)) == ("1.234.567", "93,5%")


def test_the_partial_shows_the_chart_and_links_to_its_table():
    html = render_to_string(
        "partials/chart.html", {"chart": bar_chart([("A", 50)], title="t"), "table_id": "completion-table"}
    )
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart"' in html
    assert '<a href="#completion-table">Xem bảng số liệu</a>' in html


def test_a_forecast_of_a_few_people_has_whole_distinct_numbers_on_its_axis():
    root = parse(column_chart([("2027-2028", [1, 0]), ("2028-2029", [0, 1])], series=["MN", "TH"], title="Dự báo"))
    axis = [e.text for e in root.iter(f"{SVG}text") if e.get("text-anchor") == "end"]
    assert axis == ["0", "1"]
    root = parse(column_chart([("2027-2028", [5, 0])], series=["MN", "TH"], title="Dự báo"))
    assert [e.text for e in root.iter(f"{SVG}text") if e.get("text-anchor") == "end"] == ["0", "2", "4", "6"]

import datetime as dt
import io
import logging
from decimal import Decimal

import pytest
from pypdf import PdfReader

from bdtx.lib.excel import Col, Heading
from bdtx.lib.reportpdf import add_chart, cell_text, report_document
from bdtx.lib.svgcharts import bar_chart, heat_map

COLUMNS = [
    Col("Đơn vị"),
    Col("Số giáo viên", "integer"),
    Col("Đã hoàn thành", "integer"),
    Col("Tỷ lệ hoàn thành", "percent"),
    Col("Ngày cập nhật", "date"),
]
HEADING = Heading(
    "Kết quả bồi dưỡng thường xuyên", unit="Sở GDĐT Lai Châu", year="2025-2026", as_of=dt.date(2026, 5, 31)
)


def pages(document) -> list[PdfReader]:
    return PdfReader(io.BytesIO(document.to_bytes())).pages


def texts(document) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in pages(document)]


def test_a_report_prints_its_heading_and_its_table_with_vietnamese_figures():
    rows = [
        ("Trường Mầm non Hoa Hồng", 1234, 1154, 93.5, dt.date(2026, 5, 31)),
        ("Tổng cộng", 1240, 1154, Decimal("93.06"), None),
    ]
    (text,) = texts(report_document(HEADING, COLUMNS, rows, bold_rows={1}))
    assert "KẾT QUẢ BỒI DƯỠNG THƯỜNG XUYÊN Đơn vị: Sở GDĐT Lai Châu Năm học 2025-2026" in text
    assert "Số liệu tính đến 31/05/2026" in text
    assert "Trường Mầm non Hoa Hồng 1.234 1.154 93,5% 31/05/2026 Tổng cộng 1.240 1.154 93,1%" in text
    assert "CỘNG HÒA" not in text and text.endswith("Trang 1/1")


def test_an_official_report_carries_the_national_heading_beside_the_issuing_unit():
    document = report_document(
        HEADING, COLUMNS, [], unit_lines=["UBND tỉnh Lai Châu", "Sở Giáo dục và Đào tạo"], form_label="Biểu 01"
    )
    (text,) = texts(document)
    assert "Biểu 01" in text and "SỞ GIÁO DỤC VÀ ĐÀO TẠO" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc" in text


def test_a_long_report_repeats_its_header_on_every_page_and_numbers_the_pages():
    rows = [(f"Trường Tiểu học Nguyễn Thị Định số {n}", n, n, 100, None) for n in range(1, 71)]
    printed = texts(report_document(HEADING, COLUMNS, rows))
    assert len(printed) >= 2
    assert all("Đơn vị Số giáo viên Đã hoàn thành Tỷ lệ hoàn thành Ngày cập nhật" in page for page in printed)
    assert [page.rsplit(" ", 1)[-1] for page in printed] == [f"{n}/{len(printed)}" for n in range(1, len(printed) + 1)]
    assert "Trường Tiểu học Nguyễn Thị Định số 70 70 70 100%" in printed[-1]


def test_a_wide_table_is_printed_across_a_landscape_page():
    wide = [Col(f"Tiêu chí {n}", "percent") for n in range(1, 16)]
    portrait, landscape = pages(report_document(HEADING, COLUMNS, []))[0], pages(report_document(HEADING, wide, []))[0]
    assert portrait.mediabox.width < portrait.mediabox.height
    assert landscape.mediabox.width > landscape.mediabox.height


def test_charts_are_drawn_above_the_table_with_their_vietnamese_labels(caplog):
    chart = bar_chart([("Trường Tiểu học Tân Phong", 93.5), ("Trường THCS Đồng Lạc", 80)], title="t", target=90)
    heat = heat_map(["Trường Tiểu học Tân Phong"], ["TC1", "TC2"], [[12, None]], title="Nhu cầu")
    with caplog.at_level(logging.WARNING):
        document = report_document(HEADING, COLUMNS, [("Trường A", 1, 1, 100, None)], charts=[chart, heat])
    (text,) = texts(document)
    assert "Chỉ tiêu: 90%" in text and "Trường Tiểu học Tân Phong 93,5% Trường THCS Đồng Lạc 80%" in text
    assert "Tỷ lệ số người (%)" in text and text.index("Chỉ tiêu: 90%") < text.index("Đơn vị Số giáo viên")
    assert not caplog.records  # nothing fpdf2 skipped


def test_a_chart_that_does_not_fit_the_page_starts_a_new_one():
    document = report_document(HEADING, COLUMNS, [(f"Trường {n}", n, n, 100, None) for n in range(1, 21)])
    before = document.page
    add_chart(document, bar_chart([(f"Trường {n}", n) for n in range(1, 16)], title="t"))
    assert document.page == before + 1


@pytest.mark.parametrize(
    "kind, value, shown",
    [
        ("integer", 1234567, "1.234.567"),
        ("percent", 93.45, "93,5%"),
        ("percent", 100, "100%"),
        ("decimal", Decimal("12.25"), "12,3"),
        ("number", 8.25, "8,25"),
        ("number", 8.0, "8"),
        ("date", dt.date(2026, 2, 3), "03/02/2026"),
        ("datetime", dt.datetime(2026, 2, 3, 1, 0, tzinfo=dt.UTC), "03/02/2026 08:00"),
        ("text", "001085000321", "001085000321"),
        ("integer", "—", "—"),
        ("integer", None, ""),
    ],
)
def test_a_cell_is_printed_as_its_column_kind_says(kind, value, shown):
    assert cell_text(kind, value) == shown

import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from bdtx.lib.excel import (
    XLSX_CONTENT_TYPE,
    Col,
    Heading,
    Sheet,
    table_file,
    workbook_file,
    write_table,
    xlsx_response,
)

COLUMNS = [
    Col("Đơn vị"),
    Col("Số giáo viên", "integer"),
    Col("Tỷ lệ hoàn thành", "percent"),
    Col("Số tiết bình quân", "decimal"),
    Col("Ngày báo cáo", "date"),
]
HEADING = Heading(
    "Kết quả BDTX theo đơn vị",
    unit="Sở GDĐT Lai Châu",
    year="2025-2026",
    as_of=dt.datetime(2026, 5, 31, 1, 30, tzinfo=dt.UTC),
)


def write(columns, rows, **options) -> bytes:
    buffer = io.BytesIO()
    write_table(buffer, columns, rows, **options)
    return buffer.getvalue()


def calamine_rows(data: bytes, sheet: int = 0) -> list[list]:
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(sheet).to_python()


def test_a_report_has_its_heading_then_a_frozen_filterable_header_and_vietnamese_number_formats():
    rows = [
        ("Trường Mầm non Hoa Hồng", 1234, 93.5, Decimal("62.25"), dt.date(2026, 5, 31)),
        ("Trường B", 8, 100, 40, None),
    ]
    sheet = openpyxl.load_workbook(io.BytesIO(write(COLUMNS, rows, sheet="Theo đơn vị", heading=HEADING)))[
        "Theo đơn vị"
    ]
    assert [sheet.cell(r, 1).value for r in range(1, 6)] == [
        "Kết quả BDTX theo đơn vị",
        "Đơn vị: Sở GDĐT Lai Châu",
        "Năm học 2025-2026",
        "Số liệu tính đến 31/05/2026 08:30",  # in Vietnam's time
        None,
    ]
    assert [c.value for c in sheet[6]] == [c.header for c in COLUMNS] and sheet["A6"].font.b
    assert sheet.freeze_panes == "A7" and sheet.auto_filter.ref == "A6:E8"
    assert sheet.print_title_rows == "$6:$6"  # the header row on every printed page
    first = sheet[7]
    assert [c.value for c in first] == ["Trường Mầm non Hoa Hồng", 1234, 0.935, 62.25, dt.datetime(2026, 5, 31)]
    assert [c.number_format for c in first] == ["@", "#,##0", "0.0%", "#,##0.0", "dd/mm/yyyy"]
    assert sheet["C8"].value == 1 and sheet["E8"].value is None
    assert sheet.column_dimensions["A"].width > sheet.column_dimensions["B"].width >= 10  # from the values


def test_values_come_back_the_same_through_calamine_however_awkward():
    columns = [Col("Mã"), Col("Ghi chú"), Col("Số", "number"), Col("Ngày giờ", "datetime"), Col("Ngày", "date")]
    morning = dt.datetime(2026, 5, 4, 7, 45, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    awkward = [
        ("001085000321", "Nguyễn Thị Hoà <&> \"trích\"", 3, morning, dt.date(1985, 9, 5)),
        ("  cách đầu", "dòng 1\ndòng 2\tcột", 2.5, dt.datetime(2026, 1, 2, 3, 4, 5), "—"),
        ("_x0041_", "a\x01b", Decimal("1.10"), None, "chưa rõ"),
        ("", "x" * 40_000, -7, None, dt.datetime(2026, 2, 3)),
        (True, None, "—", "", None),
    ]  # fmt: skip
    rows = calamine_rows(write(columns, awkward))
    assert rows[0] == ["Mã", "Ghi chú", "Số", "Ngày giờ", "Ngày"]
    assert rows[1] == [
        "001085000321",
        'Nguyễn Thị Hoà <&> "trích"',
        3,
        dt.datetime(2026, 5, 4, 7, 45),
        dt.date(1985, 9, 5),
    ]
    assert rows[2] == ["  cách đầu", "dòng 1\ndòng 2\tcột", 2.5, dt.datetime(2026, 1, 2, 3, 4, 5), "—"]
    assert rows[3] == ["_x0041_", "a\x01b", 1.1, "", "chưa rõ"]
    assert rows[4][0] == "" and len(rows[4][1]) == 32_767 and rows[4][2] == -7 and rows[4][4] == dt.date(2026, 2, 3)
    assert rows[5] == ["True", "", "—", "", ""]  # a value that does not fit its column is kept as text


def test_a_register_without_heading_keeps_its_header_on_the_first_row_as_the_import_expects():
    columns = [Col("Mã định danh", width=16), Col("Ngày sinh", "date"), Col("Điểm", "number")]
    handle, count = table_file(columns, iter([("007", dt.date(1985, 9, 5), 8.25)]), sheet="Cán bộ, giáo viên")
    sheet = openpyxl.load_workbook(handle).active
    assert count == 1 and sheet.title == "Cán bộ, giáo viên"
    assert [c.value for c in sheet[1]] == ["Mã định danh", "Ngày sinh", "Điểm"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:C2"
    assert [c.value for c in sheet[2]] == ["007", dt.datetime(1985, 9, 5), 8.25]
    assert sheet["C2"].number_format == "General"  # plain numbers keep Excel's own format
    assert sheet.column_dimensions["A"].width == pytest.approx(16.71, abs=0.01)


def test_several_sheets_go_in_one_workbook_each_with_its_own_table():
    handle, count = workbook_file(
        [
            Sheet("Theo đơn vị", COLUMNS, [("Trường A", 10, 50, 1, dt.date(2026, 5, 31))], HEADING),
            Sheet(
                "Theo cấp học: Mầm non / Tiểu học [2025]", [Col("Cấp học"), Col("Số người", "integer")], [("THCS", 3)]
            ),
        ]
    )
    book = openpyxl.load_workbook(handle)
    assert count == 2
    assert book.sheetnames == ["Theo đơn vị", "Theo cấp học- Mầm non - Tiểu họ"]  # Excel's rules for names
    assert [c.value for c in book.worksheets[1][2]] == ["THCS", 3] and book.worksheets[1].freeze_panes == "A2"


def test_an_empty_table_still_has_its_header_and_filter():
    sheet = openpyxl.load_workbook(io.BytesIO(write(COLUMNS, []))).active
    assert [c.value for c in sheet[1]] == [c.header for c in COLUMNS] and sheet.auto_filter.ref == "A1:E2"


def test_rows_stream_from_a_generator_read_once():
    consumed = []

    def rows():
        for number in range(1, 501):
            consumed.append(number)
            yield (f"Trường {number}", number, number / 5, 1, dt.date(2026, 1, 1) + dt.timedelta(days=number))

    data = io.BytesIO()
    assert write_table(data, COLUMNS, rows()) == 500 and consumed == list(range(1, 501))
    last = calamine_rows(data.getvalue())[-1]
    assert last == ["Trường 500", 500, 1.0, 1, dt.date(2027, 5, 16)]


def test_an_unknown_column_kind_is_refused_with_the_kinds_to_choose_from():
    with pytest.raises(
        ValueError, match="'Số': kind must be one of text, date, datetime, number, integer, decimal, percent"
    ):
        Col("Số", "money")


def test_the_download_is_an_xlsx_attachment_under_its_name():
    handle, _count = table_file(COLUMNS, [])
    response = xlsx_response(handle, "ket-qua-bdtx-2025-2026.xlsx")
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="ket-qua-bdtx-2025-2026.xlsx"'
    assert b"".join(response.streaming_content).startswith(b"PK")

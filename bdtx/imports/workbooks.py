"""Workbooks the import hands out: the blank template, and the user's own file with the bad cells marked."""

import io
from collections import defaultdict
from pathlib import Path

from bdtx.lib import spreadsheet
from bdtx.lib.text import header_key
from bdtx.organisations import importing as unit_importing
from bdtx.staff.validation import COLUMNS as STAFF_COLUMNS

TEMPLATE_ROWS = 5000
TEXT_FIELDS = {"code", "citizen_id", "phone", "unit_code", "parent_code"}
DATE_FIELDS = {"birth_date", "joined_on"}
GUIDE = {
    "staff": [
        "Hướng dẫn nhập danh sách cán bộ, giáo viên, nhân viên",
        "",
        "1. Mỗi người một dòng, bắt đầu từ dòng 2 của trang “Danh sách”. Không đổi tên các cột ở dòng 1.",
        "2. Cột có dấu * là bắt buộc: Mã định danh, Họ và tên, Ngày sinh, Mã đơn vị "
        "(Mã đơn vị có thể bỏ trống nếu chọn đơn vị khi tải lên).",
        "3. Ngày ghi theo dạng dd/mm/yyyy, ví dụ 05/09/1985.",
        "4. Số CCCD gồm 12 chữ số, giữ nguyên số 0 ở đầu (các cột này đã được định dạng văn bản).",
        "5. Các cột Giới tính, Nhóm, Trình độ đào tạo, Cốt cán, Tình trạng: chọn trong danh sách thả xuống.",
        "6. Người đã có (cùng Mã định danh) sẽ được cập nhật; đổi Mã đơn vị là điều chuyển công tác.",
        "7. Hệ thống kiểm tra toàn bộ tệp trước: nếu có lỗi, không dòng nào được ghi; "
        "tải về tệp đã đánh dấu ô lỗi (tô đỏ, có ghi chú), sửa rồi tải lên lại.",
        "8. Di chuột vào tiêu đề mỗi cột để xem ghi chú cách nhập.",
    ],
    "units": [
        "Hướng dẫn nhập danh sách đơn vị",
        "",
        "1. Mỗi đơn vị một dòng, bắt đầu từ dòng 2 của trang “Danh sách”. Không đổi tên các cột ở dòng 1.",
        "2. Mã đơn vị và Tên đơn vị là bắt buộc; Mã đơn vị không được trùng.",
        "3. Mã đơn vị cấp trên: mã của một đơn vị trong tệp (thứ tự dòng tuỳ ý) hoặc đã có trong hệ thống.",
        "4. Loại đơn vị: chọn trong danh sách thả xuống "
        "(Sở GDĐT, Phòng GDĐT, UBND xã/phường, Trường, Trung tâm GDTX…).",
        "5. Cấp học: một hoặc nhiều, cách nhau bởi dấu phẩy: Mầm non, Tiểu học, THCS, THPT, GDTX.",
        "6. Đơn vị đã có (cùng mã) sẽ được cập nhật; đổi đơn vị cấp trên là chuyển đơn vị sang nơi mới.",
        "7. Nếu có lỗi, không dòng nào được ghi; tải về tệp đã đánh dấu ô lỗi, sửa rồi tải lên lại.",
    ],
}


def columns_for(kind: str) -> list:
    return STAFF_COLUMNS if kind == "staff" else unit_importing.COLUMNS


def template(kind: str) -> bytes:
    """An .xlsx with the contract headers (bold, frozen, with notes), drop-downs and cell formats."""
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("Danh sách")
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"})
    as_text = workbook.add_format({"num_format": "@"})
    as_date = workbook.add_format({"num_format": "dd/mm/yyyy"})
    for col, column in enumerate(columns_for(kind)):
        sheet.write_string(0, col, column.header, bold)
        if column.note:
            sheet.write_comment(0, col, column.note, {"x_scale": 2, "y_scale": 1.2})
        width = max(14, len(column.header) + 4)
        if column.field in TEXT_FIELDS:
            sheet.set_column(col, col, width, as_text)
        elif column.field in DATE_FIELDS:
            sheet.set_column(col, col, width, as_date)
        else:
            sheet.set_column(col, col, width)
        if column.labels:
            sheet.data_validation(
                1,
                col,
                TEMPLATE_ROWS,
                col,
                {
                    "validate": "list",
                    "source": column.labels,
                    "error_type": "warning",
                    "input_title": column.header[:32],
                    "input_message": column.note[:255],
                },
            )
    sheet.freeze_panes(1, 0)
    guide = workbook.add_worksheet("Hướng dẫn")
    guide.set_column(0, 0, 120)
    title = workbook.add_format({"bold": True, "font_size": 14})
    for row, line in enumerate(GUIDE[kind]):
        guide.write_string(row, 0, line, title if row == 0 else None)
    start = len(GUIDE[kind]) + 1
    guide.write_string(start, 0, "Các cột:", title)
    for offset, column in enumerate(columns_for(kind), 1):
        guide.write_string(
            start + offset, 0, f"{column.header}{' (bắt buộc)' if column.required else ''}: {column.note}"
        )
    workbook.close()
    return buffer.getvalue()


def marked(path: str | Path, name: str, errors: list[dict], *, header_row: int, columns: dict[str, int]) -> bytes:
    """The user's workbook with every bad cell filled red and a comment holding the message(s).

    `columns` maps a header (as the errors name it) to its 0-based column index. A CSV (or .xls/.ods,
    which openpyxl cannot write) comes back as a new .xlsx with the same rows in the same places."""
    from openpyxl import Workbook, load_workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    path = Path(path)
    data = path.read_bytes()
    workbook = None
    if data.startswith(b"PK\x03\x04") and Path(name).suffix.lower() in {".xlsx", ".xlsm", ""}:
        try:
            workbook = load_workbook(path)
        except Exception:  # a zip that openpyxl cannot read (e.g. .ods renamed): rebuild from the rows
            workbook = None
    if workbook is None:
        workbook = Workbook()
        sheet = workbook.active
        for row in spreadsheet.read_rows(data, name=name):
            sheet.append([None if cell == "" else cell for cell in row] or [None])
    sheet = workbook.worksheets[0]
    by_cell: dict[tuple[int, int], list[str]] = defaultdict(list)
    keyed = {header_key(header): index for header, index in columns.items()}
    for error in errors:
        if error["row"] < 1:
            continue
        col = keyed.get(header_key(error["column"]), 0) if error["column"] else 0
        by_cell[(error["row"], col + 1)].append(error["message"])
    fill = PatternFill(fill_type="solid", start_color="FFFFC7CE", end_color="FFFFC7CE")
    for (row, col), messages in by_cell.items():
        cell = sheet.cell(row=row, column=col)
        cell.fill = fill
        comment = Comment("\n".join(messages), "bdtx")
        comment.width, comment.height = 360, 40 + 40 * len(messages)
        cell.comment = comment
    if header_row:
        sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

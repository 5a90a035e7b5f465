"""Spreadsheets made in the tests, the way people make them."""

import csv
import io
import json

import xlsxwriter
from django.core.management import CommandError, call_command

STAFF_HEADERS = ["Mã định danh", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Mã đơn vị", "Nhóm", "Điện thoại"]
UNIT_HEADERS = ["Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Mã đơn vị cấp trên", "Cấp học"]


def person(
    code="GV-A-100",
    name="Lê Văn An",
    birth="05/09/1985",
    gender="Nam",
    cccd="001085000111",
    unit="TA",
    group="Giáo viên",
    phone="0912345678",
):
    return [code, name, birth, gender, cccd, unit, group, phone]


def xlsx(path, rows, *, headers=STAFF_HEADERS, title_rows=(), merged_title=None):
    """Write rows under optional title rows; cells keep their Python types (numbers, dates)."""
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("DS")
    date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
    row = 0
    if merged_title:
        sheet.merge_range(0, 0, 0, len(headers) - 1, merged_title)
        row = 1
    for title in title_rows:
        sheet.write(row, 0, title)
        row += 1
    sheet.write_row(row, 0, headers)
    for values in rows:
        row += 1
        for col, value in enumerate(values):
            if hasattr(value, "year"):
                sheet.write_datetime(row, col, value, date_format)
            elif value is not None:
                sheet.write(row, col, value)
    workbook.close()
    return path


def csv_file(path, rows, *, headers=STAFF_HEADERS, bom=True, delimiter=","):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(headers)
    writer.writerows(rows)
    path.write_bytes(("\ufeff" if bom else "").encode() + buffer.getvalue().encode("utf-8"))
    return path


def run(command, *args):
    """call_command with --json: (exit status, the JSON object printed on stdout)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(command, *map(str, args), "--json", stdout=out, stderr=err)
        status = 0
    except CommandError as error:
        status = error.returncode
    return status, json.loads(out.getvalue())

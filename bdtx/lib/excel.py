"""Writing tables to .xlsx with XlsxWriter, streamed row by row (constant memory), for exports.

The files are meant to come back through the import: text columns keep their leading zeros (CCCD,
codes, phone numbers), dates are real date cells shown as dd/mm/yyyy, the header row is frozen and
filterable."""

import datetime as dt
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO

import xlsxwriter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "dd/mm/yyyy"


@dataclass(frozen=True)
class Col:
    """One column: its header, kind ("text", "date" or "number") and width in characters."""

    header: str
    kind: str = "text"
    width: int = 16


def write_table(
    target: str | IO[bytes], columns: Sequence[Col], rows: Iterable[Sequence[object]], *, sheet: str = "Sheet1"
) -> int:
    """Write a header row and `rows` (already in column order) to `target`; returns the number of data rows."""
    workbook = xlsxwriter.Workbook(target, {"constant_memory": True, "in_memory": False, "strings_to_numbers": False})
    try:
        worksheet = workbook.add_worksheet(sheet[:31])
        header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
        text = workbook.add_format({"num_format": "@"})
        date = workbook.add_format({"num_format": DATE_FORMAT})
        for index, column in enumerate(columns):
            fmt = {"text": text, "date": date}.get(column.kind)
            worksheet.set_column(index, index, column.width, fmt)
        for index, column in enumerate(columns):
            worksheet.write_string(0, index, column.header, header)
        # XlsxWriter's private writers skip the argument-parsing wrapper of the public ones: a third faster
        # on 100,000 rows, and the values here are already of the right type.
        write_string, write_datetime, write_number = (
            worksheet._write_string,
            worksheet._write_datetime,
            worksheet._write_number,
        )
        kinds = [column.kind for column in columns]
        count = 0
        for count, row in enumerate(rows, start=1):
            for index, value in enumerate(row):
                if value is None or value == "":
                    continue  # blank cells keep the column format
                kind = kinds[index]
                if kind == "date" and isinstance(value, dt.date):
                    if not isinstance(value, dt.datetime):
                        value = dt.datetime(value.year, value.month, value.day)
                    write_datetime(count, index, value, date)
                elif kind == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
                    write_number(count, index, value, None)
                else:
                    write_string(count, index, str(value), text)
        worksheet.freeze_panes(1, 0)
        worksheet.autofilter(0, 0, max(count, 1), len(columns) - 1)
    finally:
        workbook.close()
    return count


def table_file(
    columns: Sequence[Col], rows: Iterable[Sequence[object]], *, sheet: str = "Sheet1"
) -> tuple[IO[bytes], int]:
    """The workbook in a temporary file (rewound, ready to stream) and its number of data rows."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the response that streams it
    count = write_table(handle, columns, rows, sheet=sheet)
    handle.seek(0)
    return handle, count

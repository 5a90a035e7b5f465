"""Writing tables to .xlsx with XlsxWriter, streamed row by row (constant memory), for exports and reports.

The files are meant to be read by people and, for the registers, to come back through the import: text columns
keep their leading zeros (CCCD, codes, phone numbers), dates are real date cells shown as dd/mm/yyyy, counts show
thousands separators, percentages one decimal; the header row is frozen and filterable and repeats on every
printed page. A report may carry a heading above its header row (title, unit, school year, "as of"); the
registers that round-trip through the import have none, so their header stays on row 1.

Speed: 100,000 rows × 20 columns must take well under 15 s on a slow CPU. XlsxWriter's per-cell path (argument
checks, a cell object, then an XML writer call per cell) costs about 30 s there, so the data rows are turned into
the worksheet's XML here, one string per row, and handed to XlsxWriter's row file; XlsxWriter still writes
everything else (styles, heading and header rows, panes, filter, print setup, the package). That uses a few of its
private members (`fh`, `_write_single_row`, `_check_dimensions`, `Format._get_xf_index`): XlsxWriter is pinned in
requirements.txt and bdtx/lib/tests/test_excel.py reads the files back with openpyxl and python-calamine.
docs/architecture.md ("Reports: charts, spreadsheets, PDFs") has the figures and why not rustpy-xlsxwriter."""

import datetime as dt
import decimal
import itertools
import math
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import IO

import xlsxwriter
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from xlsxwriter.utility import xl_col_to_name

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
# Excel shows these with the reader's separators: 1.234 and 93,5% on a Vietnamese system.
NUMBER_FORMATS = {
    "text": "@",
    "date": DATE_FORMAT,
    "datetime": DATETIME_FORMAT,
    "number": "General",
    "integer": "#,##0",
    "decimal": "#,##0.0",
    "percent": "0.0%",
}
KINDS = tuple(NUMBER_FORMATS)
SAMPLE_ROWS = 200  # rows looked at to size the columns whose width is not given
MIN_WIDTH, MAX_WIDTH = 10, 50
MAX_TEXT = 32_767  # characters Excel keeps in a cell
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_EPOCH_ORDINAL = _EXCEL_EPOCH.toordinal()
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
_ESCAPED_LOOKALIKE = re.compile(r"(_x[0-9a-fA-F]{4}_)")


@dataclass(frozen=True)
class Col:
    """One column: its header (Vietnamese, as the user reads it), its kind and its width in characters (None: sized
    from the header and the first rows).

    Kinds: "text" (kept as typed, leading zeros too), "date" (dd/mm/yyyy), "datetime" (dd/mm/yyyy hh:mm, shown in
    the local time zone), "number" (as it is, no format), "integer" (1.234), "decimal" (1.234,5), "percent" (the
    value in percent, 93.5, is stored as the fraction 0.935 under the format 0.0%, so it shows 93,5% and formulas
    work). A value that does not fit its column's kind (a "—", a masked date) is written as text."""

    header: str
    kind: str = "text"
    width: int | None = None

    def __post_init__(self):
        if self.kind not in NUMBER_FORMATS:
            raise ValueError(f"Col {self.header!r}: kind must be one of {', '.join(KINDS)}, not {self.kind!r}.")


@dataclass(frozen=True)
class Heading:
    """What a report is and what it covers, printed above its table (spreadsheet and PDF): the title, then "Unit:
    …", "School year …" and "Figures as of dd/mm/yyyy hh:mm" for the parts given, then any further `notes`."""

    title: str
    unit: str = ""
    year: str = ""  # a school year label, "2025-2026"
    as_of: dt.date | dt.datetime | None = None
    notes: Sequence[str] = ()

    def lines(self) -> list[str]:
        """The lines under the title, in the active language."""
        lines = []
        if self.unit:
            lines.append(_("Report unit: %(unit)s") % {"unit": self.unit})
        if self.year:
            lines.append(_("School year %(year)s") % {"year": self.year})
        if self.as_of is not None:
            lines.append(_("Figures as of %(moment)s") % {"moment": format_moment(self.as_of)})
        lines.extend(note for note in self.notes if note)
        return lines


def format_moment(moment: dt.date | dt.datetime) -> str:
    """dd/mm/yyyy, with hh:mm in the local time zone for a date and time."""
    if isinstance(moment, dt.datetime):
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return moment.strftime("%d/%m/%Y %H:%M")
    return moment.strftime("%d/%m/%Y")


@dataclass(frozen=True)
class Sheet:
    """One worksheet of a workbook: its name (at most 31 characters, cut to fit), columns, rows (in column order,
    any iterable: a generator streams) and an optional heading above the header row."""

    name: str
    columns: Sequence[Col]
    rows: Iterable[Sequence[object]]
    heading: Heading | None = None


def write_workbook(target: str | IO[bytes], sheets: Iterable[Sheet]) -> int:
    """Write the sheets, in order, to `target` (a path or a binary file); returns the number of data rows written
    over all sheets. Memory stays constant however many rows there are."""
    workbook = xlsxwriter.Workbook(target, {"constant_memory": True, "in_memory": False, "strings_to_numbers": False})
    total = 0
    try:
        styles = _Styles(workbook)
        for sheet in sheets:
            total += _write_sheet(workbook, styles, sheet)
    finally:
        workbook.close()
    return total


def write_table(
    target: str | IO[bytes],
    columns: Sequence[Col],
    rows: Iterable[Sequence[object]],
    *,
    sheet: str = "Sheet1",
    heading: Heading | None = None,
) -> int:
    """Write one table (a header row and `rows`, already in column order) to `target`; returns the number of data
    rows. With a `heading`, the title and its lines come first and the header row follows them."""
    return write_workbook(target, [Sheet(sheet, columns, rows, heading)])


def workbook_file(sheets: Iterable[Sheet]) -> tuple[IO[bytes], int]:
    """The workbook in a temporary file (rewound, ready to stream) and its number of data rows."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the response that streams it
    count = write_workbook(handle, sheets)
    handle.seek(0)
    return handle, count


def table_file(
    columns: Sequence[Col], rows: Iterable[Sequence[object]], *, sheet: str = "Sheet1", heading: Heading | None = None
) -> tuple[IO[bytes], int]:
    """One table's workbook in a temporary file (rewound, ready to stream) and its number of data rows."""
    return workbook_file([Sheet(sheet, columns, rows, heading)])


def xlsx_response(handle: IO[bytes], filename: str) -> FileResponse:
    """A download of a workbook file (from `table_file` / `workbook_file`) under an ASCII file name."""
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


# Writing -----------------------------------------------------------------------------------------------------


class _Styles:
    """The workbook's formats, made once: a header, the heading's title and lines, and one per column kind."""

    def __init__(self, workbook):
        self.header = workbook.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "vcenter"}
        )
        self.title = workbook.add_format({"bold": True, "font_size": 14})
        self.line = workbook.add_format({"italic": True})
        self.kinds = {kind: workbook.add_format({"num_format": code}) for kind, code in NUMBER_FORMATS.items()}
        self.kinds["number"] = None  # General: no format at all, as before
        # The data rows are written as XML here, so the formats need their style numbers now.
        self.index = {kind: fmt._get_xf_index() for kind, fmt in self.kinds.items() if fmt is not None}
        self.index["number"] = 0


def _write_sheet(workbook, styles: _Styles, sheet: Sheet) -> int:
    columns = list(sheet.columns)
    if not columns:
        raise ValueError(f"Sheet {sheet.name!r} has no columns.")
    worksheet = workbook.add_worksheet(_sheet_name(sheet.name))
    rows = iter(sheet.rows)
    sample = list(itertools.islice(rows, SAMPLE_ROWS))
    widths = [column.width or _width(column, index, sample) for index, column in enumerate(columns)]
    for index, (column, width) in enumerate(zip(columns, widths, strict=True)):
        worksheet.set_column(index, index, width, styles.kinds[column.kind])

    header_row = 0
    if sheet.heading is not None:
        worksheet.write_string(0, 0, sheet.heading.title, styles.title)
        worksheet.set_row(0, 21)
        lines = sheet.heading.lines()
        for offset, line in enumerate(lines, start=1):
            worksheet.write_string(offset, 0, line, styles.line)
        header_row = len(lines) + 2  # a blank row between the heading and the table
    for index, column in enumerate(columns):
        worksheet.write_string(header_row, index, column.header, styles.header)

    # Hand the buffered header row to XlsxWriter's row file, then append the data rows' XML after it.
    worksheet._write_single_row(header_row + 1)
    row_xml = _row_xml(columns, styles.index)
    count, batch = 0, []
    for count, row in enumerate(itertools.chain(sample, rows), start=1):
        batch.append(row_xml(header_row + count, row))
        if len(batch) == 500:
            worksheet.fh.write("".join(batch))
            batch.clear()
    worksheet.fh.write("".join(batch))
    last_row = header_row + count
    if count:
        worksheet._check_dimensions(last_row, len(columns) - 1)
        worksheet.previous_row = last_row + 1  # rows up to here are written: XlsxWriter refuses to go back

    worksheet.freeze_panes(header_row + 1, 0)
    worksheet.autofilter(header_row, 0, max(last_row, header_row + 1), len(columns) - 1)
    # Printing: A4, landscape when the table is wide, one page wide, the header row on every page, numbered.
    worksheet.set_paper(9)
    if sum(widths) > 110:
        worksheet.set_landscape()
    worksheet.fit_to_pages(1, 0)
    worksheet.repeat_rows(header_row)
    worksheet.set_footer("&C" + _("Page %(n)s of %(total)s") % {"n": "&P", "total": "&N"})
    return count


def _sheet_name(name: str) -> str:
    # Excel refuses []:*?/\ in a sheet name and more than 31 characters.
    cleaned = re.sub(r"[\[\]:*?/\\]", "-", name).strip("'") or "Sheet1"
    return cleaned[:31]


def _width(column: Col, index: int, sample: list[Sequence[object]]) -> int:
    """Characters wide enough for the sampled values and for the header in at most two lines (it wraps)."""
    longest = max([len(word) for word in column.header.split()] + [math.ceil(len(column.header) / 2)])
    if column.kind in ("date", "datetime"):
        longest = max(longest, 10 if column.kind == "date" else 16)
    else:
        for row in sample:
            if index < len(row) and row[index] is not None:
                value = row[index]
                length = len(f"{value:,.1f}") if isinstance(value, (float, decimal.Decimal)) else len(str(value))
                longest = max(longest, length + (length // 3 if isinstance(value, int) else 0))
    return max(MIN_WIDTH, min(MAX_WIDTH, longest + 2))


def _row_xml(columns: Sequence[Col], index: dict[str, int]) -> Callable[[int, Sequence[object]], str]:
    """A function turning one data row into the worksheet's XML: inline strings, numbers, date serials; blank
    cells are left out (the column keeps its format)."""
    cells = []
    for number, column in enumerate(columns):
        style = index[column.kind]
        convert = None if column.kind == "text" else CONVERTERS[column.kind]
        cells.append((xl_col_to_name(number), f' s="{style}"' if style else "", convert))
    # A text cell's XML after its reference, shared by text columns and by values that do not fit their column.
    text_prefix = f' s="{index["text"]}" t="inlineStr"><is><t'

    def row_xml(row_number: int, row: Sequence[object]) -> str:
        r = str(row_number + 1)
        parts = [f'<row r="{r}">']
        append = parts.append
        for (letter, style, convert), value in zip(cells, row, strict=False):
            if value is None:
                continue
            if convert is not None:
                number = convert(value)
                if number is not None:
                    append(f'<c r="{letter}{r}"{style}><v>{number}</v></c>')
                    continue
            text = value if value.__class__ is str else str(value)
            if text:
                append(f'<c r="{letter}{r}"{text_prefix}{_text(text)}</t></is></c>')
        append("</row>")
        return "".join(parts)

    return row_xml


def _text(text: str) -> str:
    """The inside of an inline string: the rest of the <t> tag, then the escaped text."""
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT]
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if "_x" in text:  # text that looks like Excel's own escape must not be read as one
        text = _ESCAPED_LOOKALIKE.sub(r"_x005F\1", text)
    if not text.isprintable():
        text = _CONTROL.sub(lambda match: f"_x{ord(match.group()):04X}_", text)
        text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    if text[0].isspace() or text[-1].isspace():
        return ' xml:space="preserve">' + text
    return ">" + text


# What goes in a number or date cell's <v>, by column kind; None when the value is not of that kind (it is then
# written as text). The common classes are tested first, by identity: this runs for every cell.


def _number(value: object) -> str | None:
    cls = value.__class__
    if cls is int:
        return str(value)
    if cls is float:
        return f"{value:.16G}" if math.isfinite(value) else None
    if cls is bool or not isinstance(value, (int, float, decimal.Decimal)):
        return None
    if isinstance(value, int):
        return str(int(value))
    number = float(value)
    return f"{number:.16G}" if math.isfinite(number) else None


def _percent(value: object) -> str | None:
    if value.__class__ is bool or not isinstance(value, (int, float, decimal.Decimal)):
        return None
    number = float(value) / 100
    # 15 digits, as Excel keeps: 99.9 / 100 is stored as 0.999, not 0.9990000000000001.
    return f"{number:.15G}" if math.isfinite(number) else None


def _date(value: object) -> str | None:
    cls = value.__class__
    if cls is dt.date:
        return str(value.toordinal() - _EPOCH_ORDINAL)
    if cls is dt.datetime or isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = timezone.make_naive(value)
        delta = value - _EXCEL_EPOCH
        return f"{delta.days + (delta.seconds + delta.microseconds / 1_000_000) / 86400:.16G}"
    if isinstance(value, dt.date):
        return str(value.toordinal() - _EPOCH_ORDINAL)
    return None


CONVERTERS: dict[str, Callable[[object], str | None]] = {
    "date": _date,
    "datetime": _date,
    "number": _number,
    "integer": _number,
    "decimal": _number,
    "percent": _percent,
}

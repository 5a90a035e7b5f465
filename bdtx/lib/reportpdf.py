"""Reports printed to PDF: a titled table, and the charts above it, on bdtx.lib.pdf's Document (A4, DejaVu Sans
embedded, "Trang x/y" at the foot of every page).

The same `Heading` and `Col`s as the report's spreadsheet (bdtx.lib.excel) describe the printed table, so a report
defines its columns once: headers in Vietnamese, dates dd/mm/yyyy, counts 1.234, percentages 93,5%, numbers
aligned right. The header row repeats on every page; the page turns to landscape when the table is wide. Charts are
the dashboards' own SVG (bdtx.lib.svgcharts) drawn as vectors by fpdf2's SVG support (shapes, lines and text;
their title and description stay on the page and in the table under them).

For tables of thousands of rows, prefer the spreadsheet: fpdf2 lays a table out cell by cell (about 25 rows of 8
columns a page, some milliseconds each), fine for a report by unit, slow for a register of people."""

import datetime as dt
import decimal
import io
import re
from collections.abc import Iterable, Sequence

from django.utils import timezone

from .excel import Col, Heading
from .pdf import Document
from .svgcharts import format_number, format_percent

ALIGN = {"text": "L", "date": "C", "datetime": "C", "number": "R", "integer": "R", "decimal": "R", "percent": "R"}
LANDSCAPE_COLUMNS = 7  # more columns than this, or more characters than LANDSCAPE_WIDTH, print across the page
LANDSCAPE_WIDTH = 110
_FOR_PDF = re.compile(r"<title[^>]*>.*?</title>|<desc[^>]*>.*?</desc>|<a [^>]*>|</a>", re.DOTALL)


def report_document(
    heading: Heading,
    columns: Sequence[Col],
    rows: Iterable[Sequence[object]],
    *,
    unit_lines: Sequence[str] = (),
    form_label: str = "",
    charts: Sequence[str] = (),
    landscape: bool | None = None,
    bold_rows: set[int] | frozenset[int] = frozenset(),
    font_size: float = 10,
) -> Document:
    """A Document with the report: with `unit_lines` (the issuing unit, its parent first) the national heading of
    an official report beside them; the title and its lines (unit, school year, as of); the `charts` (SVG markup
    from bdtx.lib.svgcharts), each across the page; then the table. `bold_rows` (indexes) for totals. Landscape
    when the table is wide unless `landscape` says. The caller may add more (signatures) before `to_bytes()`."""
    rows = [list(row) for row in rows]
    columns = list(columns)
    widths = [column.width or _width(column, index, rows) for index, column in enumerate(columns)]
    if landscape is None:
        landscape = len(columns) > LANDSCAPE_COLUMNS or sum(widths) > LANDSCAPE_WIDTH
    document = Document(title=heading.title, landscape=landscape, font_size=font_size + 1)
    if unit_lines or form_label:
        document.national_header(unit_lines=unit_lines, form_label=form_label)
    document.heading(heading.title, *heading.lines())
    for chart in charts:
        add_chart(document, chart)
    document.grid(
        [column.header for column in columns],
        [[cell_text(column.kind, value) for column, value in zip(columns, row, strict=False)] for row in rows],
        widths=widths,
        align=[ALIGN[column.kind] for column in columns],
        bold_rows=bold_rows,
        font_size=font_size,
    )
    return document


def add_chart(document: Document, svg: str, *, width: float | None = None) -> None:
    """Draw a chart (SVG markup) at the current position, `width` mm wide (the text width by default, at most
    the chart's own size), starting a new page when it does not fit on this one."""
    # fpdf2 draws shapes and text; it skips <title>, <desc> and links (with a warning each), so they go first.
    data = _FOR_PDF.sub("", str(svg)).encode()
    natural_w, natural_h = _svg_size(str(svg))
    width = min(width or document.epw, document.epw)
    height = width * natural_h / natural_w
    if document.will_page_break(height + 4):
        document.add_page()
    document.image(io.BytesIO(data), x=document.l_margin + (document.epw - width) / 2, w=width, h=height)
    document.set_y(document.get_y() + 4)


def cell_text(kind: str, value: object) -> str:
    """A value as the printed table shows it, by the column's kind (bdtx.lib.excel.Col)."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float, decimal.Decimal, dt.date)):
        return str(value)
    if isinstance(value, dt.date):
        if isinstance(value, dt.datetime):
            if timezone.is_aware(value):
                value = timezone.localtime(value)
            return value.strftime("%d/%m/%Y %H:%M" if kind == "datetime" else "%d/%m/%Y")
        return value.strftime("%d/%m/%Y")
    if kind == "percent":
        return format_percent(float(value))
    if kind == "decimal":
        return format_number(float(value), 1)
    if kind in ("integer", "number") and value == int(value):
        return format_number(int(value))
    if kind in ("integer", "number"):
        return format_number(float(value), 2).rstrip("0").rstrip(",.")
    return str(value)


def _width(column: Col, index: int, rows: list[list[object]]) -> int:
    """Relative width: the header's longest word (headers wrap) against the longest value, 4 to 40 characters."""
    longest = max((len(word) for word in column.header.split()), default=0)
    for row in rows[:200]:
        if index < len(row):
            longest = max(longest, len(cell_text(column.kind, row[index])))
    return max(4, min(40, longest + 1))


def _svg_size(svg: str) -> tuple[float, float]:
    """The width and height the chart declares (svgcharts always writes both)."""
    head = svg[: svg.index(">")]
    numbers = {}
    for name in ("width", "height"):
        marker = f' {name}="'
        start = head.index(marker) + len(marker)
        numbers[name] = float(head[start : head.index('"', start)])
    return numbers["width"], numbers["height"]

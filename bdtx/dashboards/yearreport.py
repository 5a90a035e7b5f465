"""The year-end BDTX report of a unit ("Báo cáo kết quả BDTX năm học …"), as PDF and .xlsx, in the layout of the
reports a Sở, a commune/district or a school sends up: the national heading beside the issuing unit, "Số: …/BC" with
the place and date, the title, the addressee (the unit above), the grounds (TT 19/2019), then

  I.   completion by level and staff group: people who must do BDTX, completed, share, not completed, no result yet;
       the reasons of those not completed, grouped (a person with two reasons counts under each);
  II.  ratings on the professional standard by level (confirmed evaluations of the year's cycle);
  III. the rows of the units directly below;
  IV.  an assessment and proposals, left blank to write by hand;

and the head's signature with the recipients. No official form for this report was found (../shared/domain/
REGULATIONS.md: the reporting forms and timelines of TT 19 are UNCONFIRMED): the layout is bdtx's reading of the
reports provinces publish. The figures are the dashboard's (kept tallies, "as of" printed), the reasons are read from
the results themselves."""

import dataclasses
import datetime as dt
import tempfile
from collections import Counter
from typing import IO

import xlsxwriter
from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf.enums import XPos, YPos

from bdtx.appraisals.pdf import Places
from bdtx.appraisals.progress import expected_staff, percent
from bdtx.lib.excel import NUMBER_FORMATS, Col, Heading
from bdtx.lib.pdf import FONT, Document, Signature, dated_line
from bdtx.lib.schoolyear import school_year_label
from bdtx.organisations.models import Unit, UnitKind
from bdtx.results.models import ResultOutcome, YearResult
from bdtx.staff.models import StaffGroup

from . import exports, figures
from .charts import line_label
from .models import Metric

REASONS_SHEET = "Lý do không hoàn thành"
REASONS = ("no_plan", "module_missing", "module_pending", "module_failed", "content_short")
OTHER = "other"


def reason_label(key: str) -> str:
    return {
        "no_plan": _("No approved personal BDTX plan"),
        "module_missing": _("A module not studied (not enrolled in a class covering it)"),
        "module_pending": _("A module waiting for its scores"),
        "module_failed": _("A module not passed"),
        "content_short": _("Not enough periods of a content"),
        OTHER: _("Other (result set by hand, no reason recorded)"),
    }[key]


def signer_title(unit: Unit) -> str:
    """Who signs for the unit, in capitals as the signature block prints it."""
    return {
        UnitKind.MINISTRY: _("MINISTER"),
        UnitKind.DEPARTMENT: _("DIRECTOR"),
        UnitKind.CONTINUING_CENTRE: _("DIRECTOR"),
        UnitKind.DISTRICT_OFFICE: _("HEAD OF THE OFFICE"),
        UnitKind.COMMUNE: _("CHAIRPERSON"),
        UnitKind.SCHOOL: _("PRINCIPAL"),
    }.get(unit.kind, _("HEAD OF THE UNIT"))


@dataclasses.dataclass
class Row:
    """A row of the completion table: a level (bold), a staff group within it, or the total."""

    label: str
    people: int
    completed: int
    not_completed: int
    no_result: int
    strong: bool = False

    @property
    def share(self) -> float | None:
        return percent(self.completed, self.people)


@dataclasses.dataclass
class YearReport:
    unit: Unit
    year: int
    as_of: dt.datetime | None
    day: dt.date
    completion: list[Row]
    total: Row
    reasons: list[tuple[str, int]]  # (reason, people), the commonest first
    ratings: list[figures.RatingLine]
    ratings_total: figures.RatingLine
    children: list[tuple[figures.CompletionLine, figures.RatingLine | None]]
    notes: list[str] = dataclasses.field(default_factory=list)

    @property
    def year_label(self) -> str:
        return school_year_label(self.year)

    @property
    def title(self) -> str:
        return _("Report on the results of continuous professional development (BDTX), school year %(year)s") % {
            "year": self.year_label
        }


def completion_rows(own: figures.Own) -> tuple[list[Row], Row]:
    """Per level (bold) and, under it, per staff group; then the total."""
    cells: dict = {}
    for group, level, bucket, _detail, n in own.of(Metric.COMPLETION):
        for key in ((level, ""), (level, group)):
            counts = cells.setdefault(key, Counter())
            counts[bucket] += n
    rows = []
    groups = [(code, figures.group_name(code)) for code in (StaffGroup.TEACHER, StaffGroup.MANAGER)]
    for level in sorted({level for level, _group in cells}, key=figures.level_order):
        rows.append(_row(figures.level_name(level), cells[(level, "")], strong=True))
        for code, name in groups:
            if (level, code) in cells:
                rows.append(_row(f"– {name}", cells[(level, code)]))
    total = Counter()
    for (_level, group), counts in cells.items():
        if not group:
            total.update(counts)
    return rows, _row(_("Total"), total, strong=True)


def _row(label: str, counts, *, strong: bool = False) -> Row:
    return Row(
        label,
        people=sum(counts.values()),
        completed=counts.get(ResultOutcome.COMPLETED, 0),
        not_completed=counts.get(ResultOutcome.NOT_COMPLETED, 0),
        no_result=counts.get("none", 0),
        strong=strong,
    )


def reasons_of(unit: Unit, year: int) -> list[tuple[str, int]]:
    """Why those expected to complete did not: people per reason (each reason of a person once), from the results
    of the year that are not completed, within the unit's subtree, the commonest first."""
    people = expected_staff()
    if unit.parent_id is not None:
        people = people.filter(unit_id__in=Unit.objects.within(unit).values("pk"))
    results = YearResult.objects.filter(
        year=year, outcome=ResultOutcome.NOT_COMPLETED, staff_id__in=people.values("pk")
    ).values_list("reasons", flat=True)
    counts: Counter = Counter()
    for reasons in results.iterator(chunk_size=5000):
        keys = {key for key, _values in (reasons or []) if key in REASONS}
        counts.update(keys or {OTHER})
    order = {key: index for index, key in enumerate((*REASONS, OTHER))}
    return [(reason_label(key), n) for key, n in sorted(counts.items(), key=lambda item: (-item[1], order[item[0]]))]


def build(unit: Unit, year: int, *, as_of=None, notes=(), day: dt.date | None = None) -> YearReport:
    d = figures.build(unit, year)
    own = figures.Own(d.rows)
    rows, total = completion_rows(own)
    ratings = {line.unit.pk if line.unit and not line.direct else None: line for line in d.ratings["units"]}
    children = [
        (line, ratings.get(line.unit.pk if line.unit and not line.direct else None)) for line in d.completion["units"]
    ]
    return YearReport(
        unit=unit,
        year=year,
        as_of=as_of,
        day=day or timezone.localdate(),
        completion=rows,
        total=total,
        reasons=reasons_of(unit, year),
        ratings=d.ratings["levels"],
        ratings_total=d.ratings["total"],
        children=children,
        notes=list(notes),
    )


# The tables (the same for the PDF and the spreadsheet) ------------------------------------------------------


COMPLETION_COLUMNS = [
    Col("Cấp học, đối tượng", width=34),
    Col("Số người phải BDTX", "integer", 13),
    Col("Số hoàn thành", "integer", 13),
    Col("Tỷ lệ hoàn thành", "percent", 12),
    Col("Số không hoàn thành", "integer", 13),
    Col("Chưa có kết quả", "integer", 12),
]
REASON_COLUMNS = [Col("Lý do không hoàn thành", width=70), Col("Số người", "integer", 12)]
RATING_COLUMNS = [Col("Cấp học", width=30), Col("Số người được xếp loại", "integer", 13), *exports.RATINGS]
CHILD_COLUMNS = [
    Col("Đơn vị", width=40),
    Col("Số người phải BDTX", "integer", 12),
    Col("Số hoàn thành", "integer", 12),
    Col("Tỷ lệ hoàn thành", "percent", 11),
    Col("Số không hoàn thành", "integer", 12),
    Col("Chưa có kết quả", "integer", 11),
    Col("Tỷ lệ xếp loại Khá, Tốt", "percent", 12),
]


def tables(report: YearReport) -> list[exports.Table]:
    completion = [[row.label, row.people, row.completed, row.share, row.not_completed, row.no_result]
                  for row in [*report.completion, report.total]]  # fmt: skip
    strong = {index for index, row in enumerate([*report.completion, report.total]) if row.strong}
    not_completed = report.total.not_completed
    reasons = [[label, n] for label, n in report.reasons]
    ratings = [_rating_cells(line.label, line) for line in report.ratings]
    ratings.append(_rating_cells(_("Total"), report.ratings_total))
    found = [
        exports.Table("Theo cấp học, đối tượng", _("I. Completion by level and staff group"), COMPLETION_COLUMNS,
                      completion, strong),
        exports.Table(
            REASONS_SHEET,
            _("Reasons of the %(count)s people who did not complete (a person may have several)")
            % {"count": not_completed},
            REASON_COLUMNS,
            reasons,
        ),
        exports.Table("Xếp loại chuẩn nghề nghiệp", _("II. Ratings on the professional standard by level"),
                      RATING_COLUMNS, ratings, {len(ratings) - 1}),
    ]  # fmt: skip
    if report.children:
        rows = [
            [
                line_label(line),
                line.people,
                line.completed,
                line.percent,
                line.not_completed,
                line.no_result,
                rating.kha_or_better if rating is not None else None,
            ]
            for line, rating in report.children
        ]
        total = report.total
        rows.append(
            [_("Total"), total.people, total.completed, total.share, total.not_completed, total.no_result,
             report.ratings_total.kha_or_better]
        )  # fmt: skip
        found.append(exports.Table("Đơn vị trực thuộc", _("III. Units below"), CHILD_COLUMNS, rows, {len(rows) - 1}))
    return found


def _rating_cells(label: str, line: figures.RatingLine) -> list:
    return [label, line.rated, line.tot, line.kha, line.dat, line.chua_dat, line.not_rated, line.kha_or_better]


# Outputs --------------------------------------------------------------------------------------------------


def heading(report: YearReport) -> Heading:
    return Heading(
        report.title, unit=report.unit.name, year=report.year_label, as_of=report.as_of, notes=tuple(report.notes)
    )


def workbook(report: YearReport) -> tuple[IO[bytes], int]:
    """The report as .xlsx: a first sheet "Báo cáo" laid out as the printed report (national heading, number and
    date, title, addressee, the tables one under another, the blank assessment, recipients and signer), then each
    table on a sheet of its own with a frozen, filterable header, ready to add up or paste elsewhere. Returns the
    rewound file and the number of table rows. A small file: written with XlsxWriter's own calls."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the response that streams it
    book = xlsxwriter.Workbook(handle, {"in_memory": True, "strings_to_numbers": False})
    styles = _XlsxStyles(book)
    found = tables(report)
    _layout_sheet(book, styles, report, found)
    count = 0
    for table in found:
        count += _table_sheet(book, styles, report, table)
    book.close()
    handle.seek(0)
    return handle, count


class _XlsxStyles:
    def __init__(self, book):
        def add(**options):
            return book.add_format({"font_name": "Times New Roman", "font_size": 12, "valign": "vcenter", **options})

        self.centre = add(align="center", text_wrap=True)
        self.centre_bold = add(align="center", bold=True, text_wrap=True)
        self.unit_bold = add(align="center", bold=True, underline=1, text_wrap=True)
        self.motto = add(align="center", bold=True, underline=1)
        self.italic_centre = add(align="center", italic=True)
        self.title = add(align="center", bold=True, font_size=14)
        self.text = add(text_wrap=True, align="justify")
        self.bold = add(bold=True)
        self.small = add(font_size=11)
        self.small_bold = add(font_size=11, bold=True, italic=True)
        self.header = add(bold=True, border=1, align="center", text_wrap=True, bg_color="#DDEBF7", font_size=11)
        self.cells = {}
        for strong in (False, True):
            for kind, code in NUMBER_FORMATS.items():
                self.cells[(kind, strong)] = add(num_format=code, border=1, bold=strong, font_size=11,
                                                 text_wrap=kind == "text")  # fmt: skip


LAYOUT_COLUMNS = 8


def _layout_sheet(book, styles: _XlsxStyles, report: YearReport, found: list) -> None:
    sheet = book.add_worksheet("Báo cáo")
    sheet.set_column(0, 0, 38)
    sheet.set_column(1, LAYOUT_COLUMNS - 1, 12)
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=0.7, right=0.5, top=0.6, bottom=0.6)
    last = LAYOUT_COLUMNS - 1
    places = Places(report.unit)
    parent, unit = places.header_lines()
    sheet.merge_range(0, 0, 0, 2, parent.upper(), styles.centre)
    sheet.merge_range(0, 3, 0, last, _("SOCIALIST REPUBLIC OF VIETNAM"), styles.centre_bold)
    sheet.merge_range(1, 0, 1, 2, unit.upper(), styles.unit_bold)
    sheet.merge_range(1, 3, 1, last, _("Independence - Freedom - Happiness"), styles.motto)
    sheet.merge_range(3, 0, 3, 2, _("No.: ……/BC"), styles.centre)
    sheet.merge_range(3, 3, 3, last, dated_line(places.place, report.day), styles.italic_centre)
    sheet.merge_range(5, 0, 5, last, _("REPORT"), styles.title)
    subtitle = _("Results of the continuous professional development of teachers and managers, school year %(year)s")
    sheet.merge_range(6, 0, 6, last, subtitle % {"year": report.year_label}, styles.centre_bold)
    row = 8
    if places.parent is not None:
        sheet.merge_range(row, 0, row, last, _("To: %(unit)s") % {"unit": places.parent.name}, styles.centre)
        row += 2
    for text in (_grounds(), _opening(report), *heading(report).lines()[2:]):
        sheet.merge_range(row, 0, row, last, text, styles.text)
        sheet.set_row(row, 16 * (1 + len(text) // 110))
        row += 1
    row += 1
    for table in found:
        bold = table.sheet != REASONS_SHEET
        sheet.merge_range(row, 0, row, last, table.caption, styles.bold if bold else styles.small_bold)
        row += 1
        row = _write_table(sheet, styles, table, row) + 1
    sheet.merge_range(row, 0, row, last, _("IV. ASSESSMENT AND PROPOSALS"), styles.bold)
    for offset in range(1, 4):
        sheet.merge_range(row + offset, 0, row + offset, last, "…" * 70, styles.small)
    row += 5
    sheet.merge_range(row, 4, row, last, signer_title(report.unit), styles.centre_bold)
    sheet.merge_range(row + 1, 4, row + 1, last, _("(Signature, full name and seal)"), styles.italic_centre)
    sheet.write(row, 0, _("Recipients:"), styles.small_bold)
    recipients = ([_("- As above;")] if places.parent is not None else []) + [_("- Filed.")]
    for offset, line in enumerate(recipients, start=1):
        sheet.write(row + offset, 0, line, styles.small)


def _write_table(sheet, styles: _XlsxStyles, table, row: int) -> int:
    """The table from `row` (header, then its rows); returns the row after it."""
    for column, col in enumerate(table.columns):
        sheet.write(row, column, col.header, styles.header)
    sheet.set_row(row, 32)
    for index, values in enumerate(table.rows, start=1):
        strong = index - 1 in table.bold
        for column, (col, value) in enumerate(zip(table.columns, values, strict=False)):
            style = styles.cells[(col.kind, strong)]
            if value is None or value == "":
                sheet.write_blank(row + index, column, None, style)
            elif col.kind == "percent":
                sheet.write_number(row + index, column, float(value) / 100, style)
            elif col.kind == "text" or isinstance(value, str):
                sheet.write_string(row + index, column, str(value), styles.cells[("text", strong)])
            else:
                sheet.write_number(row + index, column, value, style)
    return row + len(table.rows) + 1


def _table_sheet(book, styles: _XlsxStyles, report: YearReport, table) -> int:
    sheet = book.add_worksheet(table.sheet[:31])
    for column, col in enumerate(table.columns):
        sheet.set_column(column, column, col.width or 12)
    sheet.write_string(0, 0, report.title, styles.bold)
    lines = [*heading(report).lines(), table.caption]
    for offset, line in enumerate(lines, start=1):
        sheet.write_string(offset, 0, line, styles.small)
    header = len(lines) + 2
    end = _write_table(sheet, styles, table, header)
    sheet.freeze_panes(header + 1, 0)
    sheet.autofilter(header, 0, max(end - 1, header + 1), len(table.columns) - 1)
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(header)
    return len(table.rows)


def _grounds() -> str:
    return _(
        "Pursuant to Circular 19/2019/TT-BGDĐT of 12/11/2019 of the Minister of Education and Training issuing "
        "the Regulation on continuous professional development of teachers and managers;"
    )


def _opening(report: YearReport) -> str:
    return _(
        "%(unit)s reports the results of continuous professional development in school year %(year)s as follows:"
    ) % {
        "unit": report.unit.name,
        "year": report.year_label,
    }


def document(report: YearReport) -> Document:
    places = Places(report.unit)
    doc = Document(title=report.title, font_size=11)
    doc.national_header(unit_lines=places.header_lines())
    # "Số: …/BC" on the left, the place and the date on the right, as on every administrative document.
    top, half = doc.get_y(), doc.epw / 2
    doc.cell(half, 5.5, _("No.: ……/BC"), align="C")
    doc.set_xy(doc.l_margin + half, top)
    doc.multi_cell(half, 5.5, dated_line(places.place, report.day), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.ln(4)
    doc.heading(_("REPORT"))
    doc.paragraph(
        _("Results of the continuous professional development of teachers and managers, school year %(year)s")
        % {"year": report.year_label},
        bold=True,
        align="C",
    )
    doc.ln(2)
    if places.parent is not None:
        doc.paragraph(_("To: %(unit)s") % {"unit": places.parent.name}, align="C")
        doc.ln(2)
    doc.paragraph(_grounds())
    doc.paragraph(_opening(report))
    for line in heading(report).lines()[2:]:  # "as of" and the notes (the unit and year are said above)
        doc.paragraph(line, align="L")
    doc.ln(2)
    for table in tables(report):
        bold = table.sheet != REASONS_SHEET  # the reasons belong to part I
        if table.rows:
            exports.print_table(doc, table, font_size=9, caption_size=doc.base_size, bold_caption=bold)
        else:
            doc.paragraph(table.caption, bold=bold, align="L")
            doc.paragraph(_("None."), align="L")
            doc.ln(2)
    doc.section(_("IV. ASSESSMENT AND PROPOSALS"), blank_lines=4)
    _closing(doc, report)
    return doc


def _closing(doc: Document, report: YearReport) -> None:
    """The recipients on the left, the head's signature on the right, kept together on one page."""
    if doc.will_page_break(48):
        doc.add_page()
    top = doc.get_y()
    doc.signatures([Signature(signer_title(report.unit), hint=_("(Signature, full name and seal)"))], dated=False)
    bottom = doc.get_y()
    doc.set_xy(doc.l_margin, top + 2)
    doc.set_font(FONT, "B", 9.5)
    doc.cell(doc.epw / 2, 5, _("Recipients:"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.set_font(FONT, size=9)
    parent = Places(report.unit).parent
    recipients = [_("- As above;")] if parent is not None else []
    recipients.append(_("- Filed."))
    for line in recipients:
        doc.cell(doc.epw / 2, 4.5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.set_font(FONT, size=doc.base_size)
    doc.set_y(max(bottom, doc.get_y()))

"""The dashboards on paper and in spreadsheets: every section's tables as .xlsx (bdtx.lib.excel: Vietnamese headers,
number formats, frozen and filterable header, a heading with the unit, the school year and "as of"), the whole
dashboard printed to PDF with its charts (bdtx.lib.reportpdf), and the people behind a figure as .xlsx.

A section is described once (`Table`s of `Col`s and rows of plain numbers, the same figures as the page's tables) and
the same description makes the sheet and the printed table. Column headers and sheet names are Vietnamese data
(CONTRACTS.md), not translated; titles and row labels follow the user's language."""

import dataclasses
import re
from collections.abc import Callable, Iterator, Sequence
from typing import IO

from django.utils.translation import gettext as _

from bdtx.lib import reportpdf
from bdtx.lib.db import rows_by_name
from bdtx.lib.excel import Col, Heading, Sheet, workbook_file
from bdtx.lib.pdf import Document
from bdtx.lib.schoolyear import school_year_label
from bdtx.organisations.models import levels_label

from . import figures
from .charts import DashboardCharts, line_label

SECTIONS = ("completion", "ratings", "qualifications", "upgrade", "retirement", "needs", "budget", "core", "targets")
PERSON_LISTS_LIMIT = 200_000  # the largest province has about 100,000 people


def section_titles() -> dict[str, str]:
    """Each section's title as the page shows it (its <h2>)."""
    return {
        "completion": _("BDTX completion"),
        "ratings": _("Ratings on the professional standard"),
        "qualifications": _("Qualifications against Luật Giáo dục 2019, Điều 72"),
        "upgrade": _("Who must upgrade (Nghị định 71/2020)"),
        "retirement": _("Retirement forecast"),
        "needs": _("Training needs by criterion"),
        "budget": _("Budgets of the unit plans"),
        "core": _("Core teachers"),
        "targets": _("Targets"),
    }


@dataclasses.dataclass
class Table:
    """One table of a section: its sheet's name (at most 31 characters, unique in a workbook), what it is by (for
    the titles), its columns and rows; `bold` rows (indexes) are totals."""

    sheet: str
    caption: str
    columns: list[Col]
    rows: list[list]
    bold: set[int] = dataclasses.field(default_factory=set)


UNIT = [Col("Đơn vị", width=40), Col("Mã đơn vị", width=14)]
LEVEL = [Col("Cấp học, nhóm", width=30)]


def _unit_cells(line) -> list:
    code = "" if line.direct or line.unit is None else line.unit.code
    return [line_label(line), code]


def _total_cells(line) -> list:
    return [_("Total"), line.unit.code if line.unit is not None else ""]


def _with_total(lines, total, cells) -> tuple[list[list], set[int]]:
    rows = [[*_unit_cells(line), *cells(line)] for line in lines]
    rows.append([*_total_cells(total), *cells(total)])
    return rows, {len(rows) - 1}


# Sections --------------------------------------------------------------------------------------------------
# Most sections have the same shape: a table of their own first (by level and degree, by spending category…), the
# table by unit (a row per child unit, then the total), and, for some, the table by level and staff group. Each is
# described once (`Shape`), with the columns after the unit or the level and how a line fills them.


COMPLETION = [
    Col("Số người phải BDTX", "integer", 12),
    Col("Hoàn thành", "integer", 12),
    Col("Không hoàn thành", "integer", 12),
    Col("Chưa có kết quả", "integer", 12),
    Col("Tỷ lệ hoàn thành", "percent", 12),
]
RATINGS = [
    Col("Tốt", "integer", 9),
    Col("Khá", "integer", 9),
    Col("Đạt", "integer", 9),
    Col("Chưa đạt", "integer", 9),
    Col("Chưa xếp loại", "integer", 11),
    Col("Tỷ lệ Khá, Tốt", "percent", 11),
]
QUALIFICATIONS = [
    Col("Số người", "integer", 10),
    Col("Đạt chuẩn", "integer", 10),
    Col("Dưới chuẩn", "integer", 10),
    Col("Chưa ghi trình độ", "integer", 12),
    Col("Tỷ lệ đạt chuẩn", "percent", 11),
]
UPGRADE = [
    Col("Phải nâng chuẩn", "integer", 12),
    Col("Không thuộc diện (đủ tuổi nghỉ hưu)", "integer", 14),
    Col("Tuyển dụng sau 01/07/2020", "integer", 12),
    Col("Cấp học ngoài phạm vi nghị định", "integer", 14),
    Col("Thiếu ngày sinh hoặc giới tính", "integer", 14),
]
CORE = [
    Col("Số người", "integer", 10),
    Col("Giáo viên cốt cán", "integer", 12),
    Col("Trên 100 người", "decimal", 10),
    Col("Cốt cán hoàn thành năm học", "integer", 14),
    Col("Tỷ lệ hoàn thành", "percent", 12),
]
BUDGET = [Col("Đã phê duyệt (đồng)", "integer", 16), Col("Chưa phê duyệt (đồng)", "integer", 16)]
PAST = Col("Đã quá thời điểm nghỉ hưu, vẫn công tác", "integer", 14)


def _retirement_columns(section: dict) -> list[Col]:
    return [*(Col(f"Năm học {school_year_label(year)}", "integer", 11) for year in section["years"]), PAST]


def _qualifications_first(section: dict) -> list[Table]:
    levels = section["levels"]
    if not levels:
        return []
    names = [name for name, _n in section["total"].degrees]
    columns = [Col("Cấp học", width=24), *(Col(name, "integer", 11) for name in names)]
    columns.append(Col("Tỷ lệ đạt chuẩn", "percent", 11))
    rows = [[line.label, *(n for _name, n in line.degrees), line.meets_share] for line in levels]
    return [Table("Trình độ - cấp học", _("By level and degree"), columns, rows)]


def _upgrade_first(section: dict) -> list[Table]:
    rows = [[line.label, *SHAPES["upgrade"].cells(line)] for line in section["levels"]]
    return [
        Table("Nâng chuẩn - cấp học", _("Below the standard, by level"), [Col("Cấp học", width=24), *UPGRADE], rows)
    ]


def _retirement_first(section: dict) -> list[Table]:
    columns, cells = _retirement_columns(section), SHAPES["retirement"].cells
    levels = [[line.label, *cells(line)] for line in section["levels"]]
    levels.append([_("Total"), *cells(section["total"])])
    tables = [
        Table("Nghỉ hưu - cấp học", _("By level"), [Col("Cấp học", width=24), *columns], levels, {len(levels) - 1})
    ]
    if section["subjects"]:
        rows = [[line.label, *cells(line)] for line in section["subjects"]]
        subjects = [Col("Cấp học, môn dạy", width=40), *columns]
        tables.append(Table("Nghỉ hưu - môn dạy", _("By level and subject taught"), subjects, rows))
    return tables


def _budget_first(section: dict) -> list[Table]:
    rows = [[name, approved, pending] for name, approved, pending in section["categories"]]
    rows.append([_("Total"), section["total"].approved, section["total"].pending])
    caption = _("By spending category (Thông tư 36/2018/TT-BTC)")
    columns = [Col("Nội dung chi", width=40), *BUDGET]
    return [Table("Kinh phí - nội dung chi", caption, columns, rows, {len(rows) - 1})]


@dataclasses.dataclass(frozen=True)
class Shape:
    """A section's tables: `first(section)` (its own tables), by unit under `units` (the sheet's name), then by level
    and staff group under `levels` (none: ""; `levels_at_a_leaf`: only at a unit without children). `columns` are
    those after the unit or the level (or a function of the section), `cells(line)` their values; `shown(section)`:
    whether the section has a table at all."""

    units: str
    columns: list[Col] | Callable[[dict], list[Col]]
    cells: Callable[[object], list]
    levels: str = ""
    levels_at_a_leaf: bool = False
    first: Callable[[dict], list[Table]] = lambda section: []
    shown: Callable[[dict], bool] = lambda section: True

    def tables(self, section: dict) -> list[Table]:
        if not self.shown(section):
            return []
        columns = self.columns(section) if callable(self.columns) else self.columns
        tables = self.first(section)
        if section["units"]:
            rows, bold = _with_total(section["units"], section["total"], self.cells)
            tables.append(Table(self.units, _("By unit"), UNIT + columns, rows, bold))
        lines = [*section["levels"], *section["groups"]] if self.levels else []
        if lines and not (self.levels_at_a_leaf and section["units"]):
            rows = [[line.label, *self.cells(line)] for line in lines]
            tables.append(Table(self.levels, _("By level and staff group"), LEVEL + columns, rows))
        return tables


SHAPES = {
    "completion": Shape(
        "Hoàn thành - đơn vị",
        COMPLETION,
        lambda line: [line.people, line.completed, line.not_completed, line.no_result, line.percent],
        levels="Hoàn thành - cấp học",
    ),
    "ratings": Shape(
        "Xếp loại - đơn vị",
        RATINGS,
        lambda line: [line.tot, line.kha, line.dat, line.chua_dat, line.not_rated, line.kha_or_better],
        levels="Xếp loại - cấp học",
        shown=lambda section: bool(section["total"].rated or section["units"]),
    ),
    "qualifications": Shape(
        "Trình độ - đơn vị",
        QUALIFICATIONS,
        lambda line: [line.people, line.meets, line.below, line.not_recorded, line.meets_share],
        first=_qualifications_first,
    ),
    "upgrade": Shape(
        "Nâng chuẩn - đơn vị",
        UPGRADE,
        lambda line: [line.must, line.exempt, line.hired_after, line.not_covered, line.unknown],
        first=_upgrade_first,
        shown=lambda section: bool(section["total"].below),
    ),
    "retirement": Shape(
        "Nghỉ hưu - đơn vị", _retirement_columns, lambda line: [*line.by_year, line.past], first=_retirement_first
    ),
    "budget": Shape(
        "Kinh phí - đơn vị",
        BUDGET,
        lambda line: [line.approved, line.pending],
        first=_budget_first,
        shown=lambda section: bool(section["categories"]),
    ),
    "core": Shape(
        "Cốt cán - đơn vị",
        CORE,
        lambda line: [line.people, line.core, line.coverage, line.core_completed, line.completed_share],
        levels="Cốt cán - cấp học",
        levels_at_a_leaf=True,
    ),
}


def needs_tables(d: figures.Dashboard) -> list[Table]:
    """The heat map's shares (Đạt or below), its counts at Chưa đạt, and the criteria's names."""
    heat = d.heat
    if not heat.lines or not heat.criteria:
        return []
    names = {code: name for code, name, _n in heat.standards}
    standard = names.get(heat.standard, heat.standard)
    unit = Col("Đơn vị", width=36)
    shares = [unit, Col("Số người được đánh giá", "integer", 11)]
    shares += [Col(f"TC{criterion.number} (%)", "percent", 8) for criterion in heat.criteria]
    not_met = [unit, *(Col(f"TC{criterion.number}", "integer", 7) for criterion in heat.criteria)]
    criteria = [[f"TC{criterion.number}", criterion.title] for criterion in heat.criteria]
    return [
        Table(
            "Nhu cầu - tỷ lệ",
            _("%(standard)s: share at Đạt or below") % {"standard": standard},
            shares,
            [[line.label, line.evaluated, *(cell.share for cell in line.cells)] for line in heat.lines],
            {0},
        ),
        Table(
            "Nhu cầu - số Chưa đạt",
            _("%(standard)s: people at Chưa đạt") % {"standard": standard},
            not_met,
            [[line.label, *(cell.not_met for cell in line.cells)] for line in heat.lines],
            {0},
        ),
        Table(
            "Nhu cầu - tên tiêu chí",
            _("%(standard)s: the criteria") % {"standard": standard},
            [Col("Tiêu chí", width=10), Col("Nội dung", width=90)],
            criteria,
        ),
    ]


TARGETS = [
    Col("Chỉ tiêu", width=60),
    Col("Áp dụng cho", width=30),
    Col("Mức chỉ tiêu", "percent", 10),
    Col("Thời hạn", "date", 16),
    Col("Số đạt", "integer", 9),
    Col("Trên tổng số", "integer", 10),
    Col("Hiện tại", "percent", 10),
    Col("Tình trạng", width=16),
    Col("Văn bản", width=40),
]


def target_rows(lines, year: int) -> list[list]:
    rows = []
    for line in lines:
        target = line.target
        scope = target.unit.name if target.unit else _("Every unit")
        if target.level:
            scope += f" · {target.get_level_display()}"
        if target.group:
            scope += f" · {target.get_group_display()}"
        deadline = target.deadline or _("End of each school year")
        measured = line.measured
        rows.append(
            [
                target.title,
                scope,
                target.threshold,
                deadline,
                measured.part,
                measured.whole,
                measured.value,
                measured.status_label,
                target.document,
            ]
        )
    return rows


def targets_tables(lines, year: int) -> list[Table]:
    if not lines:
        return []
    return [Table("Chỉ tiêu", _("Targets measured here"), TARGETS, target_rows(lines, year))]


def tables_of(code: str, d: figures.Dashboard, targets: Sequence = ()) -> list[Table]:
    """The tables of one section, as the page shows them (empty when the page shows none)."""
    if code == "targets":
        return targets_tables(targets, d.year)
    if code == "needs":
        return needs_tables(d)
    return SHAPES[code].tables(getattr(d, code))


# Outputs ---------------------------------------------------------------------------------------------------


def heading(title: str, d: figures.Dashboard, as_of, notes: Sequence[str] = ()) -> Heading:
    return Heading(title, unit=d.unit.name, year=school_year_label(d.year), as_of=as_of, notes=tuple(notes))


def dashboard_workbook(
    d: figures.Dashboard, sections: Sequence[str], *, targets: Sequence = (), as_of=None, notes: Sequence[str] = ()
) -> tuple[IO[bytes], int]:
    """The sections' tables, a sheet each, every sheet under its heading; a section with nothing to show gets a
    sheet saying so (the file always has what was asked for)."""
    titles = section_titles()
    sheets = []
    for code in sections:
        tables = tables_of(code, d, targets)
        for table in tables:
            title = f"{titles[code]}: {table.caption}" if table.caption else titles[code]
            sheets.append(Sheet(table.sheet, table.columns, table.rows, heading(title, d, as_of, notes)))
        if not tables:
            empty = [Col("Ghi chú", width=60)]
            message = [[_("Nothing to show in this section for this unit and school year.")]]
            sheets.append(Sheet(titles[code][:31], empty, message, heading(titles[code], d, as_of, notes)))
    return workbook_file(sheets)


CHARTS_OF = {
    "completion": ("completion",),
    "ratings": ("ratings",),
    "qualifications": ("qualifications",),
    "upgrade": ("upgrade",),
    "retirement": ("retirement",),
    "needs": ("heat",),
    "budget": ("budget",),
    "core": ("core",),
}
CHART_WIDTH = 170  # mm: a chart across a portrait page's text, not blown up across a landscape one
MIN_CHART_WIDTH = 90
_SIZE = re.compile(r'<svg[^>]* width="([\d.]+)" height="([\d.]+)"')


def dashboard_document(
    d: figures.Dashboard,
    *,
    charts: DashboardCharts,
    targets: Sequence = (),
    as_of=None,
    notes: Sequence[str] = (),
) -> Document:
    """The whole dashboard printed: the title and its lines, then each section with its charts and tables."""
    titles = section_titles()
    title = _("%(unit)s: dashboard of school year %(year)s") % {
        "unit": d.unit.name,
        "year": school_year_label(d.year),
    }
    document = Document(title=title, landscape=True, font_size=10)
    document.heading(title, *heading(title, d, as_of, notes).lines())
    for code in SECTIONS:
        tables = tables_of(code, d, targets)
        if not tables:
            continue
        if document.will_page_break(30):
            document.add_page()
        document.paragraph(titles[code], bold=True, size=12, align="L")
        document.ln(1)
        for name in CHARTS_OF.get(code, ()):
            chart = getattr(charts, name)
            width = chart_width(document, chart.svg) if chart is not None else 0
            if width:
                reportpdf.add_chart(document, chart.svg, width=width)
        for table in tables:
            print_table(document, table)
    return document


def chart_width(document: Document, svg: str) -> float:
    """How wide to print a chart so that it fits a page (a bar per unit of a province makes a tall one); 0 when it
    would be too narrow to read: the table under it has the figures."""
    width, height = (float(value) for value in _SIZE.search(str(svg)).groups())
    room = document.eph - 8
    fitted = min(CHART_WIDTH, room * width / height)
    return fitted if fitted >= MIN_CHART_WIDTH else 0


def print_table(document: Document, table: Table, *, font_size: float = 8.5, caption_size: float | None = None,
                bold_caption: bool = False) -> None:  # fmt: skip
    """A table of a section on the document: its caption, then the grid (header row on every page)."""
    if document.will_page_break(22):  # the caption, the header row and a row or two stay together
        document.add_page()
    if table.caption:
        document.paragraph(table.caption, bold=bold_caption, size=caption_size or font_size + 0.5, align="L")
    document.grid(
        [column.header for column in table.columns],
        [
            [reportpdf.cell_text(column.kind, value) for column, value in zip(table.columns, row, strict=False)]
            for row in table.rows
        ],
        widths=[column.width or 12 for column in table.columns],
        align=[reportpdf.ALIGN[column.kind] for column in table.columns],
        bold_rows=table.bold,
        font_size=font_size,
    )


# The people behind a figure -----------------------------------------------------------------------------


def _result_text(outcome: str | None, result_id: int | None) -> str:
    if not result_id:
        return _("No result yet")
    return _("Completed") if outcome == "hoan_thanh" else _("Not completed")


def people_columns(which: str) -> list[Col]:
    columns = [
        Col("Họ và tên", width=28),
        Col("Mã định danh", width=16),
        Col("Đơn vị", width=36),
        Col("Mã đơn vị", width=14),
        Col("Cấp học", width=16),
        Col("Chức vụ", width=18),
    ]
    if which in ("must_upgrade", "retiring"):
        return [*columns, Col("Trình độ đào tạo", width=16), Col("Thời điểm nghỉ hưu", "date", 12)]
    return [*columns, Col("Giáo viên cốt cán", width=10), Col("Kết quả BDTX", width=18)]


# Read straight into tuples (no model objects: a province's list has 100,000 people), a chunk at a time.
ROW_FIELDS = (
    "full_name", "code", "unit__name", "unit__code", "levels", "unit__levels", "position", "is_core", "outcome",
    "result_id",
)  # fmt: skip


def people_rows(which: str, found) -> Iterator[list]:
    """The rows of a list: from a query (not completed, core) in name order by rows_by_name, or from people worked
    out one by one (must upgrade, retiring: with their retirement date)."""
    if not isinstance(found, list):
        yes, results, labels = _("Yes"), {}, {}  # each text translated once, not once a person
        for name, code, unit, unit_code, levels, unit_levels, position, core, outcome, result in rows_by_name(
            found, ROW_FIELDS
        ):
            level = labels.get((levels, unit_levels))
            if level is None:
                level = labels[levels, unit_levels] = levels_label(levels) or levels_label(unit_levels)
            done = results.get((outcome, bool(result)))
            if done is None:
                done = results[outcome, bool(result)] = _result_text(outcome, result)
            yield [name, code, unit, unit_code, level, position, yes if core else "", done]
        return
    for member in found:
        yield [
            member.full_name,
            member.code,
            member.unit.name,
            member.unit.code,
            member.levels_display or levels_label(member.unit.levels),
            member.position,
            member.get_qualification_display(),
            member.retires,
        ]


def people_workbook(
    which: str, found, title: str, d_unit, year: int, as_of=None, progress=None
) -> tuple[IO[bytes], int]:
    """The list in a temporary file and its number of people; `progress(rows_written)` every PROGRESS_EVERY rows."""
    head = Heading(title, unit=d_unit.name, year=school_year_label(year), as_of=as_of)
    rows = people_rows(which, found)
    if progress is not None:
        rows = _reporting(rows, progress)
    return workbook_file([Sheet("Danh sách", people_columns(which), rows, head)])


PROGRESS_EVERY = 2000


def _reporting(rows: Iterator[list], progress) -> Iterator[list]:
    written = 0
    for written, row in enumerate(rows, start=1):
        yield row
        if written % PROGRESS_EVERY == 0:
            progress(written)

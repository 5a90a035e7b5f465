"""Reading a spreadsheet people made by hand: .xlsx/.xls/.ods (python-calamine, fast) or .csv.

The header row is found among the first rows (title rows and merged title cells above it are common)
and columns are matched by header_key, so case, diacritics, spacing and Unicode form do not matter.
Row numbers are kept as the spreadsheet shows them, so that an error can point at the right row."""

import csv
import gc
import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

from django.utils.translation import gettext as _

from .cells import is_blank
from .text import clean, header_key

HEADER_SEARCH_ROWS = 20
SPREADSHEET_EXTENSIONS = {".xlsx", ".xlsm", ".xls", ".ods", ".csv"}
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@contextmanager
def gc_paused():
    """No cyclic garbage collection inside: reading and checking a big file makes millions of small objects
    (cells, rows) and no cycles, and each automatic collection would walk all of them again, which makes
    the time grow faster than the file. Collection resumes as it was after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class UnusableFile(Exception):  # noqa: N818 (the name the brief and the callers use)
    """The file cannot be read as a table with the expected columns; str(error) says why, for the user."""


@dataclass(frozen=True)
class Spec:
    """One expected column: its contract header, the key rows are returned under, and whether it must be there."""

    header: str
    key: str
    required: bool = False


@dataclass
class Outcome:
    """What a check (and an apply) found: the counts and every error, as CONTRACTS.md prints them."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)

    def error(self, row: int, column: str, message: str) -> None:
        self.errors.append({"row": row, "column": column, "message": message})

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": self.errors,
        }


@dataclass
class Table:
    """The rows under the header row. `columns` maps each key found to its 0-based column index."""

    header_row: int
    columns: dict[str, int]
    headers: dict[str, str]  # key → the header as the contract names it
    raw_rows: list[list[object]] = field(repr=False)

    def rows(self) -> Iterator[tuple[int, dict[str, object]]]:
        """(row number as the spreadsheet shows it, {key: cell}) for every non-blank row below the header."""
        pairs = list(self.columns.items())
        keys = [key for key, _col in pairs]
        cols = [col for _key, col in pairs]
        needed = max(cols, default=-1) + 1
        if len(cols) > 1:
            pick = itemgetter(*cols)
        else:  # itemgetter of one index returns the cell itself, not a 1-tuple
            pick = (lambda cells: (cells[cols[0]],)) if cols else (lambda cells: ())
        for index in range(self.header_row, len(self.raw_rows)):
            cells = self.raw_rows[index]
            if len(cells) >= needed:
                values = dict(zip(keys, pick(cells), strict=True))
            else:
                width = len(cells)
                values = {key: cells[col] if col < width else "" for key, col in pairs}
            if all(is_blank(value) for value in values.values()):
                continue
            yield index + 1, values

    def count(self) -> int:
        return sum(1 for _row in self.rows())


def kind_of(data: bytes, name: str = "") -> str:
    """ "xlsx" (any zip workbook, .ods too), "xls" or "csv" from the content; UnusableFile otherwise."""
    suffix = Path(name).suffix.lower()
    if data.startswith(_ZIP):
        return "workbook"
    if data.startswith(_OLE):
        return "workbook"
    if suffix in {".xlsx", ".xlsm", ".xls", ".ods"} or b"\x00" in data[:4096]:
        raise UnusableFile(not_a_spreadsheet())
    return "csv"


def not_a_spreadsheet() -> str:
    return _("This file is not a spreadsheet. Save it as Excel (.xlsx) or CSV (UTF-8) and upload it again.")


def read_table(source: str | Path | bytes, specs: Sequence[Spec], *, name: str = "") -> Table:
    """Read the first sheet of a workbook (or a CSV) and locate the expected columns."""
    if isinstance(source, (str, Path)):
        name = name or str(source)
        data = Path(source).read_bytes()
    else:
        data = source
    if not data.strip():
        raise UnusableFile(_("The file is empty. Fill in the template and upload it again."))
    rows = _workbook_rows(data) if kind_of(data, name) == "workbook" else _csv_rows(data)
    return locate(rows, specs)


def read_rows(source: str | Path | bytes, *, name: str = "") -> list[list[object]]:
    """Every row of the first sheet as cells, row 1 first (for writing a marked copy of a CSV)."""
    data = Path(source).read_bytes() if isinstance(source, (str, Path)) else source
    return _workbook_rows(data) if kind_of(data, name) == "workbook" else _csv_rows(data)


def _workbook_rows(data: bytes) -> list[list[object]]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not workbook.sheet_names:
            raise UnusableFile(_("The workbook has no sheet. Fill in the template and upload it again."))
        # skip_empty_area=False keeps row 1 at index 0, so row numbers are the ones Excel shows.
        with gc_paused():
            return workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except UnusableFile:
        raise
    except Exception:  # calamine raises several kinds for damaged or password-protected files
        raise UnusableFile(
            _(
                "This file cannot be opened as a spreadsheet (it may be damaged or password-protected). "
                "Open it in Excel, save it as .xlsx and upload it again."
            )
        ) from None


def _csv_rows(data: bytes) -> list[list[object]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnusableFile(
            _(
                "The CSV file is not in UTF-8, so Vietnamese letters would be lost. In Excel choose "
                "“Save as” → “CSV UTF-8 (Comma delimited)” and upload it again."
            )
        ) from None
    sample = text[:8192]
    first_line = sample.split("\n", 1)[0]
    delimiter = max([",", ";", "\t"], key=first_line.count)
    try:
        with gc_paused():
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        raise UnusableFile(not_a_spreadsheet()) from None
    return rows


def locate(rows: list[list[object]], specs: Sequence[Spec]) -> Table:
    """Find the header row: the first of the top rows that holds every required header."""
    wanted = {header_key(spec.header): spec for spec in specs}
    required = [spec for spec in specs if spec.required]
    best: tuple[int, int, dict[str, int]] | None = None  # (matches, row index, columns)
    for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns: dict[str, int] = {}
        for col, cell in enumerate(cells):
            spec = wanted.get(header_key(cell)) if isinstance(cell, str) else None
            if spec and spec.key not in columns:
                columns[spec.key] = col
        if not columns:
            continue
        if all(spec.key in columns for spec in required):
            return Table(
                header_row=index + 1,
                columns=columns,
                headers={spec.key: spec.header for spec in specs},
                raw_rows=rows,
            )
        if best is None or len(columns) > best[0]:
            best = (len(columns), index, columns)
    expected = ", ".join(spec.header for spec in specs)
    if best is None:
        if not any(any(not is_blank(cell) for cell in row) for row in rows):
            raise UnusableFile(_("The file is empty. Fill in the template and upload it again."))
        raise UnusableFile(
            _(
                "No header row found in the first %(count)d rows. The first sheet needs a row with the column "
                "names: %(expected)s."
            )
            % {"count": HEADER_SEARCH_ROWS, "expected": expected}
        )
    missing = [spec.header for spec in required if spec.key not in best[2]]
    raise UnusableFile(
        _(
            "Required column missing: %(missing)s (header row %(row)d). Add the column, or use the template. "
            "Expected columns: %(expected)s."
        )
        % {"missing": ", ".join(missing), "row": best[1] + 1, "expected": expected}
    )


def shown(value: object) -> str:
    """A cell as text for a message or a CSV copy."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean(value)

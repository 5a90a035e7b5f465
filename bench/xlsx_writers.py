"""A 100,000-row Excel export (20 columns: Vietnamese text, codes with leading zeros, dates, counts, percentages)
written by each candidate writer, and each file read back to check it. Target (issue 6): ≤ 15 s for bdtx's export.

    xlsx_100k_bdtx: bdtx.lib.excel.write_table, as every export of the application writes (XlsxWriter for the
        package, the data rows' XML made in one string per row; a heading above the header row)
    xlsx_100k_xlsxwriter_constant_memory: XlsxWriter's public per-cell calls (write_string / write_number /
        write_datetime with reused formats), constant_memory mode: the raw writer underneath
    xlsx_100k_xlsxwriter_write_row: the same with one worksheet.write_row() per row
    xlsx_100k_xlsxwriter_default: per-cell calls in XlsxWriter's default mode (whole sheet in memory, shared strings)
    xlsx_100k_rustpy_xlsxwriter: rustpy-xlsxwriter (Rust, rust_xlsxwriter underneath) from dicts, when installed
        (it is not a dependency: `.venv/bin/pip install rustpy-xlsxwriter` to measure it)

Each is printed in seconds, with its peak memory (`_peak_rss`, the growth of the process's resident set while
writing), its ratio to the fastest (`_ratio_to_fastest`) and, for bdtx, its ratio to the raw writer. Then every
file is read back with python-calamine (row count; three rows compared value by value with what was written),
openpyxl (number formats, frozen header, filter, on a 1,000-row file from the same writer) and, when `soffice` is
on PATH, LibreOffice (the small file converted to CSV as shown); each check prints `xlsx_check_<writer>_<reader>:
1 ok` or `0 failed` with the reason on stderr. Each writer runs in a process of its own (fair memory figures).

Environment: BENCH_XLSX_ROWS=100000. Files under var/bench/xlsx/."""

import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import BENCH_DIR, ROOT, line  # noqa: E402

ROWS = int(os.environ.get("BENCH_XLSX_ROWS", "100000"))
SMALL = 1000
OUT = BENCH_DIR / "xlsx"
WRITERS = ["bdtx", "xlsxwriter_constant_memory", "xlsxwriter_write_row", "xlsxwriter_default", "rustpy_xlsxwriter"]
TAG = "100k" if ROWS == 100_000 else str(ROWS)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bdtx.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{BENCH_DIR / 'xlsx.sqlite3'}")  # never opened: no query runs
os.environ["DEBUG"] = "0"
sys.path.insert(0, str(ROOT))

# The columns: (header, kind) with bdtx.lib.excel's kinds; 8 text, 3 dates, 5 counts, 4 percentages.
COLUMNS = [
    ("Mã định danh", "text"),
    ("Họ và tên", "text"),
    ("Ngày sinh", "date"),
    ("Giới tính", "text"),
    ("Đơn vị", "text"),
    ("Mã đơn vị", "text"),
    ("Cấp học", "text"),
    ("Môn dạy", "text"),
    ("Ngày vào ngành", "date"),
    ("Ngày hoàn thành", "date"),
    ("Số CCCD", "text"),
    ("Số tiết nội dung 1", "integer"),
    ("Số tiết nội dung 2", "integer"),
    ("Số tiết nội dung 3", "integer"),
    ("Tổng số tiết", "integer"),
    ("Số mô đun", "integer"),
    ("Tỷ lệ chuyên cần", "percent"),
    ("Tỷ lệ hoàn thành", "percent"),
    ("Tỷ lệ đạt Khá trở lên", "percent"),
    ("Tỷ lệ so với chỉ tiêu", "percent"),
]
HEADERS = [header for header, _kind in COLUMNS]
FAMILY = ["Nguyễn Thị", "Trần Văn", "Lê Hoàng", "Phạm Thuý", "Đặng Quốc", "Vũ Minh", "Hoàng Thị Ngọc", "Bùi Đức"]
GIVEN = ["Hoà", "Nguyệt", "Đức", "Thuỷ", "Phương", "Hùng", "Ánh", "Quỳnh", "Yến", "Khải", "Nhung"]
UNITS = ["Trường Mầm non Hoa Sen", "Trường Tiểu học Tân Phong", "Trường THCS Lê Quý Đôn", "Trường PTDTBT THCS Mường Tè"]
LEVELS = ["Mầm non", "Tiểu học", "THCS", "THPT"]
SUBJECTS = ["Toán", "Ngữ văn", "Tiếng Anh", "Khoa học tự nhiên", "Lịch sử và Địa lý", "Giáo dục thể chất"]
BIRTH, JOINED = dt.date(1966, 1, 1), dt.date(1988, 9, 5)


def row(i: int) -> tuple:
    """Row i, the same on every run. Percentages in percent (93.5), as bdtx passes them."""
    return (
        f"{i:08d}",
        f"{FAMILY[i % 8]} {GIVEN[i % 11]}",
        BIRTH + dt.timedelta(days=(i * 7) % 13000),
        "Nữ" if i % 3 else "Nam",
        UNITS[i % 4],
        f"DV{i % 400:04d}",
        LEVELS[i % 4],
        SUBJECTS[i % 6],
        JOINED + dt.timedelta(days=(i * 13) % 12000),
        dt.date(2026, 5, 1) + dt.timedelta(days=i % 60),
        f"0{(i * 7919) % 10**11:011d}",
        (i % 5) * 10 + 20,
        40,
        (i % 9) * 5 + 60,
        (i % 5) * 10 + 20 + 40 + (i % 9) * 5 + 60,
        i % 7,
        (i % 1000) / 10,
        100.0 if i % 11 else 87.5,
        93.5,
        round(100 * (i % 997) / 997, 1),
    )


# Writers -------------------------------------------------------------------------------------------------------


def write_bdtx(path: Path, rows) -> None:
    from bdtx.lib.excel import Col, Heading, write_table

    heading = Heading(
        "Báo cáo thử: 100.000 dòng", unit="Sở GDĐT Lai Châu", year="2025-2026", as_of=dt.date(2026, 5, 31)
    )
    write_table(str(path), [Col(h, kind) for h, kind in COLUMNS], rows, sheet="Dữ liệu", heading=heading)


def _xlsxwriter(path: Path, rows, *, constant_memory: bool, write_row: bool) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": constant_memory, "strings_to_numbers": False})
    sheet = workbook.add_worksheet("Dữ liệu")
    formats = {
        "text": workbook.add_format({"num_format": "@"}),
        "date": workbook.add_format({"num_format": "dd/mm/yyyy"}),
        "integer": workbook.add_format({"num_format": "#,##0"}),
        "percent": workbook.add_format({"num_format": "0.0%"}),
    }
    header = workbook.add_format({"bold": True})
    sheet.write_row(0, 0, HEADERS, header)
    kinds = [kind for _h, kind in COLUMNS]
    cell_formats = [formats[kind] for kind in kinds]
    percent = [index for index, kind in enumerate(kinds) if kind == "percent"]
    for index, kind in enumerate(kinds):
        sheet.set_column(index, index, 16, formats[kind])
    count = 0
    for count, values in enumerate(rows, start=1):
        if write_row:
            values = list(values)
            for index in percent:
                values[index] = values[index] / 100
            sheet.write_row(count, 0, values)  # the column formats apply
            continue
        for index, value in enumerate(values):
            kind = kinds[index]
            if kind == "text":
                sheet.write_string(count, index, value, cell_formats[index])
            elif kind == "date":
                sheet.write_datetime(count, index, value, cell_formats[index])
            elif kind == "percent":
                sheet.write_number(count, index, value / 100, cell_formats[index])
            else:
                sheet.write_number(count, index, value, cell_formats[index])
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, count, len(COLUMNS) - 1)
    workbook.close()


def write_rustpy(path: Path, rows) -> None:
    from rustpy_xlsxwriter import Format, write_worksheet

    codes = {"text": "@", "date": "dd/mm/yyyy", "integer": "#,##0", "percent": "0.0%"}
    formats = [Format().set_num_format(codes[kind]) for _h, kind in COLUMNS]
    percent = [index for index, (_h, kind) in enumerate(COLUMNS) if kind == "percent"]

    def records():
        for values in rows:
            values = list(values)
            for index in percent:
                values[index] = values[index] / 100
            yield dict(zip(HEADERS, values, strict=True))

    write_worksheet(
        records(),
        str(path),
        sheet_name="Dữ liệu",
        freeze_row=1,
        autofilter=True,
        bold_headers=True,
        column_formats=formats,
        column_widths=[16] * len(COLUMNS),
        datetime_format="dd/mm/yyyy",
    )


def writer(name: str):
    return {
        "bdtx": write_bdtx,
        "xlsxwriter_constant_memory": lambda path, rows: _xlsxwriter(path, rows, constant_memory=True, write_row=False),
        "xlsxwriter_write_row": lambda path, rows: _xlsxwriter(path, rows, constant_memory=True, write_row=True),
        "xlsxwriter_default": lambda path, rows: _xlsxwriter(path, rows, constant_memory=False, write_row=False),
        "rustpy_xlsxwriter": write_rustpy,
    }[name]


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def run_one(name: str, rows_count: int, path: Path) -> None:
    """In a child process: build the rows, then time the writer alone; print JSON."""
    import django

    django.setup()
    from django.utils import translation

    translation.activate("vi")
    if name == "rustpy_xlsxwriter":
        try:
            import rustpy_xlsxwriter  # noqa: F401
        except ImportError:
            print(json.dumps({"missing": True}))
            return
    rows = [row(i) for i in range(rows_count)]
    before = rss_mb()
    start = time.perf_counter()
    writer(name)(path, rows)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_rss": max(0.0, peak - before)}))


# Checks ----------------------------------------------------------------------------------------------------------


def report(name: str, reader: str, problem: str | None) -> None:
    if problem:
        print(f"# {name} read by {reader}: {problem}", file=sys.stderr)
        line(f"xlsx_check_{name}_{reader}", 0, "failed", 0)
    else:
        line(f"xlsx_check_{name}_{reader}", 1, "ok", 0)


def expected(i: int) -> list:
    values = list(row(i))
    for index, (_h, kind) in enumerate(COLUMNS):
        if kind == "percent":
            values[index] = values[index] / 100
    return values


def same(a, b) -> bool:
    if isinstance(b, float) or isinstance(a, float):
        return isinstance(a, (int, float)) and abs(a - b) < 1e-9
    if isinstance(b, dt.date) and isinstance(a, dt.datetime):
        return a.date() == b and a.time() == dt.time()
    return a == b


def check_calamine(path: Path, rows_count: int) -> str | None:
    """What is wrong with the big file as python-calamine reads it (None: nothing)."""
    import python_calamine

    data = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    top = next((index for index, values in enumerate(data[:20]) if values and values[0] == HEADERS[0]), None)
    if top is None or list(data[top][: len(HEADERS)]) != HEADERS:
        return "header row not found"
    body = data[top + 1 :]
    if len(body) != rows_count:
        return f"{len(body)} data rows, {rows_count} written"
    for i in (0, rows_count // 2, rows_count - 1):
        got, want = list(body[i][: len(HEADERS)]), expected(i)
        wrong = [HEADERS[c] for c in range(len(HEADERS)) if not same(got[c], want[c])]
        if wrong:
            return f"row {i}: {', '.join(wrong)} differ ({got} != {want})"
    return None


def check_openpyxl(path: Path) -> str | None:
    """What is wrong with the small file's formats, panes and filter as openpyxl reads them (None: nothing)."""
    import openpyxl

    sheet = openpyxl.load_workbook(path).worksheets[0]
    top = next(r for r in range(1, 20) if sheet.cell(r, 1).value == HEADERS[0])
    wanted = {"text": "@", "date": "dd/mm/yyyy", "integer": "#,##0", "percent": "0.0%"}
    first = [sheet.cell(top + 1, c + 1) for c in range(len(COLUMNS))]
    wrong = [
        f"{HEADERS[c]}={cell.number_format}"
        for c, cell in enumerate(first)
        if cell.number_format != wanted[COLUMNS[c][1]]
    ]
    if wrong:
        return f"number formats {', '.join(wrong)}"
    if sheet.freeze_panes != f"A{top + 1}" or not (sheet.auto_filter.ref or "").startswith(f"A{top}:"):
        return f"freeze {sheet.freeze_panes}, filter {sheet.auto_filter.ref}"
    if not (isinstance(first[2].value, dt.datetime) and first[16].value == expected(0)[16]):
        return f"values {first[2].value!r} {first[16].value!r}"
    return None


def check_libreoffice(path: Path, soffice: str) -> str | None:
    """What is wrong when LibreOffice opens the small file and shows it as formatted (None: nothing): dates
    dd/mm/yyyy, percentages with one decimal, codes with their leading zeros."""
    with tempfile.TemporaryDirectory() as work:
        subprocess.run(
            [soffice, f"-env:UserInstallation=file://{work}/profile", "--headless", "--convert-to",
             "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1",
             "--outdir", work, str(path)],
            check=False, capture_output=True, timeout=300,
        )  # fmt: skip
        produced = list(Path(work).glob("*.csv"))
        if not produced:
            return "no CSV produced"
        import csv

        with open(produced[0], encoding="utf-8") as handle:
            data = list(csv.reader(handle))
    top = next((index for index, values in enumerate(data[:20]) if values and values[0] == HEADERS[0]), None)
    if top is None:
        return "header row not found"
    first, want = data[top + 1], row(0)
    shown = {
        "Mã định danh": want[0],
        "Họ và tên": want[1],
        "Ngày sinh": want[2].strftime("%d/%m/%Y"),
        "Tỷ lệ đạt Khá trở lên": "93.5%",
    }
    wrong = [f"{h}={first[HEADERS.index(h)]!r}" for h, value in shown.items() if first[HEADERS.index(h)] != value]
    if wrong or len(data) - top - 1 != SMALL:
        return f"shown {', '.join(wrong)}; {len(data) - top - 1} rows"
    return None


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    seconds: dict[str, float] = {}
    for name in WRITERS:
        for count, path in ((ROWS, OUT / f"{name}.xlsx"), (SMALL, OUT / f"{name}_small.xlsx")):
            result = subprocess.run(
                [sys.executable, __file__, "--one", name, str(count), str(path)],
                env=env,
                capture_output=True,
                text=True,
            )
            if result.returncode:
                print(f"# {name}: {result.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
                break
            figures = json.loads(result.stdout.strip().splitlines()[-1])
            if figures.get("missing"):
                print(f"# {name}: not installed (pip install rustpy-xlsxwriter to measure it)", file=sys.stderr)
                break
            if count == ROWS:
                seconds[name] = figures["seconds"]
                line(f"xlsx_{TAG}_{name}", figures["seconds"], "s")
                line(f"xlsx_{TAG}_{name}_peak_rss", figures["peak_rss"], "MB", 0)
    if not seconds:
        return 1
    fastest = min(seconds.values())
    for name, value in seconds.items():
        line(f"xlsx_{TAG}_{name}_ratio_to_fastest", value / fastest, "x", 2)
    if "bdtx" in seconds and "xlsxwriter_constant_memory" in seconds:
        line(f"xlsx_{TAG}_bdtx_ratio_to_raw_writer", seconds["bdtx"] / seconds["xlsxwriter_constant_memory"], "x", 2)
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        print("# LibreOffice (soffice) is not installed: its check is skipped", file=sys.stderr)
    for name in seconds:
        report(name, "calamine", check_calamine(OUT / f"{name}.xlsx", ROWS))
        report(name, "openpyxl", check_openpyxl(OUT / f"{name}_small.xlsx"))
        if soffice:
            report(name, "libreoffice", check_libreoffice(OUT / f"{name}_small.xlsx", soffice))
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--one":
        run_one(sys.argv[2], int(sys.argv[3]), Path(sys.argv[4]))
        sys.exit(0)
    sys.exit(main())

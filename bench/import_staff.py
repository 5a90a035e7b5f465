"""Staff import benchmark: a realistic 100,000 × 20 .xlsx read, checked and applied on a fresh database.

    .venv/bin/python bench/import_staff.py [--rows 100000]

Prints `name: value unit` lines. Data and the SQLite database live under var/bench/ (never the development
database). With BENCH_POSTGRES_URL set, the same import is measured on PostgreSQL too."""

import argparse
import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import BENCH_DIR, remove_sqlite, setup_django  # noqa: E402

UNITS = 200
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Thị", "Văn", "Đức", "Thu", "Minh", "Ngọc", "Thanh", "Hữu", "Quang", "Thuỳ"]
GIVEN = [
    "An",
    "Bình",
    "Chi",
    "Dũng",
    "Giang",
    "Hà",
    "Hằng",
    "Hoà",
    "Hùng",
    "Lan",
    "Linh",
    "Mai",
    "Nam",
    "Phương",
    "Quân",
    "Sơn",
    "Tâm",
    "Thảo",
    "Trang",
    "Tuấn",
    "Uyên",
    "Việt",
    "Xuân",
    "Yến",
]
SUBJECTS = ["Toán", "Ngữ văn", "Tiếng Anh", "Vật lý", "Hoá học", "Sinh học", "Lịch sử", "Địa lý", "Tin học", ""]
HEADERS = [
    "STT",
    "Mã định danh",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Số CCCD",
    "Dân tộc",
    "Mã đơn vị",
    "Chức vụ",
    "Nhóm",
    "Cấp học",
    "Môn dạy",
    "Trình độ đào tạo",
    "Hạng chức danh",
    "Cốt cán",
    "Điện thoại",
    "Email",
    "Ngày vào ngành",
    "Tình trạng",
    "Ghi chú",
]


def build_file(path: Path, rows: int) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("Danh sách")
    date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write(0, 0, "DANH SÁCH CÁN BỘ, GIÁO VIÊN, NHÂN VIÊN NĂM HỌC 2025-2026")
    sheet.write_row(1, 0, HEADERS)
    for i in range(rows):
        female = i % 3 != 0
        birth = dt.date(1965 + i % 35, 1 + i % 12, 1 + i % 28)
        province = 1 + i % 90 if 1 + i % 90 in VALID_PROVINCES else 1
        cccd = f"{province:03d}{1 if female else 0}{birth.year % 100:02d}{i:06d}"
        family, middle, given = FAMILY[i % len(FAMILY)], MIDDLE[(i // 7) % len(MIDDLE)], GIVEN[(i // 3) % len(GIVEN)]
        row = 2 + i
        values = [
            i + 1,
            f"79{i:08d}",
            f"{family} {middle} {given}",
            None,
            "Nữ" if female else "Nam",
            # A third of the CCCDs typed as numbers (they lose their leading zeros), the rest as text.
            int(cccd) if i % 3 == 0 else cccd,
            "Kinh" if i % 10 else "Thái",
            f"BU{i % UNITS:04d}",
            "Giáo viên",
            "Giáo viên",
            ["Tiểu học", "THCS", "THPT", "Mầm non"][i % 4],
            SUBJECTS[i % len(SUBJECTS)],
            "Đại học",
            "Hạng III",
            "Có" if i % 17 == 0 else "Không",
            f"09{i % 100000000:08d}",
            f"gv{i}@truong.edu.vn",
            None,
            "Đang làm việc",
            "",
        ]
        for col, value in enumerate(values):
            if value is not None and value != "":
                sheet.write(row, col, value)
        sheet.write_datetime(row, 3, dt.datetime(birth.year, birth.month, birth.day), date_format)
        if i % 2:
            sheet.write_string(row, 17, f"{5:02d}/09/{birth.year + 23}")
        else:
            sheet.write_datetime(row, 17, dt.datetime(birth.year + 22, 9, 5), date_format)
    workbook.close()


VALID_PROVINCES = {
    1,
    2,
    4,
    6,
    8,
    10,
    11,
    12,
    14,
    15,
    17,
    19,
    20,
    22,
    24,
    25,
    26,
    27,
    30,
    31,
    33,
    34,
    35,
    36,
    37,
    38,
    40,
    42,
    44,
    45,
    46,
    48,
    49,
    51,
    52,
    54,
    56,
    58,
    60,
    62,
    64,
    66,
    67,
    68,
    70,
    72,
    74,
    75,
    77,
    79,
    80,
    82,
    83,
    84,
    86,
    87,
    89,
    91,
    92,
    93,
    94,
    95,
    96,
}


def fresh_database(label: str) -> None:
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    call_command("migrate", verbosity=0)
    from bdtx.organisations.models import UnitKind
    from bdtx.organisations.services import create_unit

    province = create_unit(code="BSO", name="Sở GDĐT (bench)", kind=UnitKind.DEPARTMENT, parent=None)
    for n in range(UNITS):
        create_unit(code=f"BU{n:04d}", name=f"Trường bench {n}", kind=UnitKind.SCHOOL, parent=province)


def measure(label: str, path: Path) -> dict:
    from bdtx.lib import spreadsheet
    from bdtx.staff import importing

    started = time.perf_counter()
    table = importing.read(path)
    read_s = time.perf_counter() - started
    plan = importing.check_staff(table)
    validate_s = time.perf_counter() - started - read_s
    if plan.outcome.errors:
        print(f"# {label}: {len(plan.outcome.errors)} errors, e.g. {plan.outcome.errors[:3]}", file=sys.stderr)
        raise SystemExit(1)
    importing.apply_staff(plan, reference="bench")
    total = time.perf_counter() - started
    # The same import again: every row unchanged, nothing written.
    again_started = time.perf_counter()
    again = importing.check_staff(importing.read(path))
    again_s = time.perf_counter() - again_started
    assert again.outcome.unchanged == plan.outcome.created, again.outcome.as_dict()
    raw_started = time.perf_counter()
    spreadsheet.read_rows(path)
    raw_read = time.perf_counter() - raw_started
    return {
        "read": read_s,
        "validate": validate_s,
        "apply": total - read_s - validate_s,
        "total": total,
        "reimport": again_s,
        "raw_read": raw_read,
        "rows": plan.outcome.created,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = BENCH_DIR / f"staff_{args.rows}.xlsx"
    if not path.exists():
        build_file(path, args.rows)
    size = f"{args.rows // 1000}k" if args.rows % 1000 == 0 else str(args.rows)
    postgres = os.environ.get("BENCH_POSTGRES_URL")
    if os.environ.get("BENCH_IMPORT_ONLY_POSTGRES"):
        # PostgreSQL in a process of its own: Django's settings are made once, and the figures do not
        # depend on what the SQLite run left in memory.
        setup_django(postgres)
        fresh_database("postgres")
        report("postgres", size, measure("postgres", path))
        return 0
    database = BENCH_DIR / "import_staff.sqlite3"
    remove_sqlite(database)
    setup_django(f"sqlite:///{database}")
    fresh_database("sqlite")
    result = measure("sqlite", path)
    print(f"import_read_calamine_{size}: {result['raw_read']:.2f} s")
    report("sqlite", size, result)
    if postgres:
        sys.stdout.flush()
        env = {**os.environ, "BENCH_IMPORT_ONLY_POSTGRES": "1"}
        return subprocess.run([sys.executable, __file__, "--rows", str(args.rows)], env=env, check=False).returncode
    return 0


def report(name: str, size: str, result: dict) -> None:
    print(f"import_staff_{size}_{name}: {result['total']:.2f} s")
    print(f"import_staff_{size}_{name}_ratio_to_read: {result['total'] / result['raw_read']:.1f} x")
    print(f"import_staff_{size}_{name}_read: {result['read']:.2f} s")
    print(f"import_staff_{size}_{name}_validate: {result['validate']:.2f} s")
    print(f"import_staff_{size}_{name}_apply: {result['apply']:.2f} s")
    print(f"import_staff_{size}_{name}_reimport_check: {result['reimport']:.2f} s")
    print(f"import_staff_{size}_{name}_rows_per_s: {result['rows'] / result['total']:.0f} rows/s")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())

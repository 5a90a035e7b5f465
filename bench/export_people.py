"""A list of 100,000 people exported to .xlsx through the background job (bdtx/dashboards/tasks.py people_export):
the dashboards' "not completed" list of a province of 100,000 teachers and managers in a school year nobody has
completed yet, found, written and saved under MEDIA_ROOT exactly as the worker does it.

Starts from the dashboards bench's database (var/bench/dashboards.sqlite3: `seed_demo --staff 100000` and 1,000,000
yearly results; else the staff list bench's var/bench/list.sqlite3), copied once to var/bench/export_people.sqlite3;
the people expected to complete the year (about 88,000 of the 100,000 staff) are topped up once with copies of
some of them, so that the list has exactly 100,000 rows. Then:

    export_people_100k_seconds: the job's task, called as the worker calls it (lease, list found again from the
        unit and filters, progress written every 2,000 rows, the .xlsx written and saved); target ≤ 15 s
    export_people_raw_sql_seconds and export_people_100k_ratio_to_raw_sql: the list's query underneath (the same
        SQL, with its per-person result lookups) sent through the cursor, every row fetched
    export_people_raw_writer_seconds and export_people_100k_ratio_to_raw_writer: bdtx.lib.excel writing the same
        rows, already in memory, to the same kind of file
    export_people_100k_rows: data rows read back from the saved file with openpyxl (read-only): 100,000

With BENCH_POSTGRES_URL set (make bench), the same on PostgreSQL in a database of its own (copied from the
dashboards bench's one when it is there), printed as export_people_postgres_*.

Environment: BENCH_EXPORT_PEOPLE_DB=var/bench/export_people.sqlite3, BENCH_REBUILD=1."""

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import BENCH_DIR, ROOT, copy_sqlite, line, postgres_rerun  # noqa: E402

ROWS = 100_000
DB = Path(os.environ.get("BENCH_EXPORT_PEOPLE_DB", BENCH_DIR / "export_people.sqlite3")).resolve()
SOURCES = (BENCH_DIR / "dashboards.sqlite3", BENCH_DIR / "list.sqlite3")
POSTGRES = os.environ.get("BENCH_EXPORT_PEOPLE_POSTGRES", "")
NAME = "export_people_postgres" if POSTGRES else "export_people"

if not POSTGRES:
    if os.environ.get("BENCH_REBUILD"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DB}{suffix}").unlink(missing_ok=True)
    source = next((path for path in SOURCES if path.exists()), None)
    if not DB.exists() and source is not None:
        copy_sqlite(source, DB)
    DB.parent.mkdir(parents=True, exist_ok=True)

os.environ["DATABASE_URL"] = POSTGRES or f"sqlite:///{DB}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bdtx.settings")
os.environ["DEBUG"] = "0"
os.environ["TASKS_BACKEND"] = "django.tasks.backends.immediate.ImmediateBackend"
sys.path.insert(0, str(ROOT))

import warnings  # noqa: E402

import django  # noqa: E402

warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
django.setup()

import openpyxl  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Max  # noqa: E402

from bdtx.accounts.models import Role, RoleAssignment, User  # noqa: E402
from bdtx.appraisals.progress import expected_staff  # noqa: E402
from bdtx.dashboards import exports, people, tasks  # noqa: E402
from bdtx.dashboards.models import PeopleExport  # noqa: E402
from bdtx.lib.db import refresh_statistics  # noqa: E402
from bdtx.lib.excel import Heading, write_table  # noqa: E402
from bdtx.organisations.models import Unit  # noqa: E402
from bdtx.results.models import YearResult  # noqa: E402
from bdtx.staff.models import StaffMember  # noqa: E402

# Files go under var/bench, never the development media folder.
settings.MEDIA_ROOT = BENCH_DIR / "media-export-people"


def build() -> tuple[Unit, User, int]:
    """The province, its officer, and a school year without results, whose "not completed" list has ROWS people."""
    call_command("migrate", verbosity=0, interactive=False)
    if not StaffMember.objects.exists():
        call_command("seed_demo", staff=ROWS, verbosity=0)
    year = (YearResult.objects.aggregate(last=Max("year"))["last"] or 2026) + 1
    missing = ROWS - expected_staff().count()
    if missing > 0:  # copies of the first people expected, under codes of their own
        copies = []
        for member in expected_staff().order_by("pk")[:missing]:
            member.pk, member.user_id, member.citizen_id, member.code = None, None, None, f"{member.code}-X"[:30]
            copies.append(member)
        StaffMember.objects.bulk_create(copies, batch_size=2000)
        refresh_statistics()
        if connection.vendor == "postgresql":  # rows just written: their first reader would otherwise pay for them
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
    province = Unit.objects.filter(parent=None).order_by("pk").first()
    officer, _created = User.objects.get_or_create(username="bench-export-people")
    RoleAssignment.objects.get_or_create(user=officer, role=Role.PROVINCE_OFFICER, unit=province)
    return province, officer, year


def raw_sql_seconds(found) -> tuple[float, int]:
    sql, params = found.query.sql_with_params()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        count = len(cursor.fetchall())
    return time.perf_counter() - started, count


def raw_writer_seconds(which: str, found, title: str, unit: Unit, year: int) -> float:
    rows = list(exports.people_rows(which, found))
    with tempfile.TemporaryFile() as handle:
        started = time.perf_counter()
        write_table(handle, exports.people_columns(which), rows, sheet="Danh sách", heading=Heading(title))
        return time.perf_counter() - started


def data_rows(path: str) -> int:
    """Rows under the header row ("Họ và tên" in column A), read back with openpyxl in read-only mode."""
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = book.active.iter_rows(values_only=True)
        for row in rows:
            if row and row[0] == "Họ và tên":
                break
        return sum(1 for row in rows if row and row[0] is not None)
    finally:
        book.close()


def main() -> int:
    if not POSTGRES and os.environ.get("BENCH_POSTGRES_URL"):
        status = run()
        return postgres_rerun(__file__, "BENCH_EXPORT_PEOPLE_POSTGRES", "export_people", "dashboards") or status
    return run()


def run() -> int:
    province, officer, year = build()
    which = people.NOT_COMPLETED
    job = PeopleExport.objects.create(requested_by=officer, unit=province, which=which, year=year)
    started = time.perf_counter()
    tasks.people_export.call(job.pk)  # as the worker runs it: under the job's lease
    seconds = time.perf_counter() - started
    job.refresh_from_db()
    if job.status != PeopleExport.Status.DONE:
        print(f"# the export failed: {job.failure}", file=sys.stderr)
        return 1
    found, _error = people.listed(province, which, year, "")
    sql_seconds, sql_rows = raw_sql_seconds(found)
    writer = raw_writer_seconds(which, found, people.title(which, "", year), province, year)
    written = data_rows(job.file.path)
    line(f"{NAME}_100k_seconds", seconds, "s", 2)
    line(f"{NAME}_raw_sql_seconds", sql_seconds, "s", 2)
    line(f"{NAME}_100k_ratio_to_raw_sql", seconds / sql_seconds, "x")
    line(f"{NAME}_raw_writer_seconds", writer, "s", 2)
    line(f"{NAME}_100k_ratio_to_raw_writer", seconds / writer, "x")
    line(f"{NAME}_100k_rows", written, "rows", 0)
    job.file.delete(save=False)
    PeopleExport.objects.filter(requested_by=officer).delete()
    if written != ROWS or sql_rows != ROWS or job.total != ROWS:
        print(f"# expected {ROWS:,} rows: file {written:,}, query {sql_rows:,}, job {job.total:,}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

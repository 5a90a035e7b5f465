"""Fault drills for imports: the database or the disk for uploads full or read-only while a staff import runs.
Each must end with a clear Vietnamese message and nothing half applied.

    .venv/bin/python bench/faults_import.py [--rows 5000]

On SQLite (a database of its own under var/bench/faults/), through the `import_staff` command and through the web
(the upload page and the "Apply" button, Django's test client, tasks run in the request):

- database full: the SQLite file lives on a small tmpfs that is shrunk to what it holds (a real ENOSPC, SQLite says
  SQLITE_FULL); without the right to mount (not root), `PRAGMA max_page_count` instead;
- database read-only: that tmpfs remounted read-only (EROFS: SQLite says "attempt to write a readonly database");
  without mounting, `PRAGMA query_only`;
- uploads full: MEDIA_ROOT on a tmpfs of 64 kB (ENOSPC while the file is written); else a file-size limit
  (RLIMIT_FSIZE, EFBIG);
- uploads read-only: that tmpfs remounted read-only (EROFS); else a folder without write permission (when the
  process is not root).

On PostgreSQL (BENCH_POSTGRES_URL, as make bench sets it; else skipped), in a database of its own:

- disk full: the staff tables and their indexes moved to a tablespace on a small tmpfs, shrunk to what it holds
  (PostgreSQL: "could not extend file … No space left on device", SQLSTATE 53100); needs root to mount;
- read-only: `ALTER DATABASE … SET default_transaction_read_only = on` (SQLSTATE 25006), what a standby promoted
  late or a database put in maintenance answers.

Prints, per drill, PASS/FAIL lines (the message shown, the exit status, the rows before and after, SQLite's
integrity check) and `faults_<drill>_rows_written: 0 rows` lines. Exits 1 when a check fails."""

import argparse
import contextlib
import csv
import io
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    BENCH_DIR,
    check,
    database_name,
    failures,
    fresh_database,
    line,
    note,
    roster_person,
)
from common import setup_django as common_setup_django  # noqa: E402

WORK = BENCH_DIR / "faults"
FULL, READ_ONLY = "cơ sở dữ liệu đã đầy", "chế độ chỉ đọc"
UPLOADS_FULL, UPLOADS_READ_ONLY = "ổ đĩa chứa tệp tải lên của máy chủ đã đầy", "thư mục chứa tệp tải lên"


# Small file systems -----------------------------------------------------------------------------------------------


def can_mount() -> bool:
    probe = Path(tempfile.mkdtemp(prefix="bdtx-mount-"))
    try:
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", probe], capture_output=True).returncode:
            return False
        subprocess.run(["umount", probe], check=True)
        return True
    except OSError:
        return False
    finally:
        probe.rmdir()


def mount(path: Path, size: str, **options) -> None:
    path.mkdir(parents=True, exist_ok=True)
    extra = "".join(f",{key}={value}" for key, value in options.items())
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}{extra}", "tmpfs", path], check=True)


def remount(path: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", path], check=True)


def used_bytes(path: Path) -> int:
    stat = os.statvfs(path)
    return (stat.f_blocks - stat.f_bfree) * stat.f_frsize


@contextlib.contextmanager
def shrunk(path: Path, slack: int = 16 * 1024):
    """The tmpfs at `path` holds what it holds now and `slack` bytes more, until the block ends."""
    remount(path, f"size={used_bytes(path) + slack}")
    try:
        yield
    finally:
        remount(path, "size=512m")


@contextlib.contextmanager
def read_only(path: Path):
    remount(path, "ro")
    try:
        yield
    finally:
        remount(path, "rw")


# The data ---------------------------------------------------------------------------------------------------------


def roster(path: Path, rows: int, prefix: str, unit: str = "TA") -> Path:
    with open(path, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Mã định danh", "Họ và tên", "Ngày sinh", "Giới tính", "Mã đơn vị", "Nhóm", "Môn dạy"])
        for n in range(rows):
            name, birth = roster_person(n)
            writer.writerow([f"{prefix}{n:06d}", name, birth, "Nữ", unit, "Giáo viên", "Toán"])
    return path


def seed() -> None:
    from bdtx.accounts.models import Role, User
    from bdtx.accounts.services import grant_role
    from bdtx.organisations.models import UnitKind
    from bdtx.organisations.services import create_unit

    province = create_unit(code="SO", name="Sở GDĐT (drill)", kind=UnitKind.DEPARTMENT, parent=None)
    create_unit(code="TA", name="Trường drill", kind=UnitKind.SCHOOL, parent=province)
    user = User.objects.create_user(username="drill-officer", password="Drill-2026-x", full_name="Cán bộ")
    grant_role(user, Role.PROVINCE_OFFICER, province)


def registry() -> tuple[int, int, int]:
    from bdtx.staff.models import Assignment, StaffChange, StaffMember

    return StaffMember.objects.count(), StaffChange.objects.count(), Assignment.objects.count()


def command(path: Path) -> tuple[int, dict]:
    """import_staff FILE --json: (exit status, the JSON printed)."""
    from django.core.management import CommandError, call_command

    out = io.StringIO()
    try:
        call_command("import_staff", str(path), "--json", stdout=out, stderr=io.StringIO())
        status = 0
    except CommandError as error:
        status = error.returncode
    return status, json.loads(out.getvalue() or "{}")


def first_message(result: dict) -> str:
    errors = result.get("errors") or [{}]
    return errors[0].get("message", "")


def browser():
    from django.test import Client

    from bdtx.accounts.models import User

    client = Client(raise_request_exception=False)  # a failing request answers as it would a visitor
    client.force_login(User.objects.get(username="drill-officer"))
    return client


def upload(client, path: Path):
    from django.urls import reverse

    with open(path, "rb") as handle:
        return client.post(reverse("imports:new"), {"kind": "staff", "file": handle})


def checked_job(client, path: Path):
    from bdtx.imports.models import ImportJob

    response = upload(client, path)
    assert response.status_code == 302, f"upload refused: {response.status_code}"
    return ImportJob.objects.latest("pk")


def apply(client, job) -> tuple[int, str]:
    """Press "Apply": (the status of the page the user lands on, its text)."""
    from django.urls import reverse

    response = client.post(reverse("imports:apply", args=[job.pk]), follow=True)
    return response.status_code, response.content.decode()


def job_page(client, job) -> str:
    from django.urls import reverse

    return client.get(reverse("imports:detail", args=[job.pk])).content.decode()


def shown(html: str, needle: str) -> str:
    """The sentence of the page that holds `needle` (for the report)."""
    at = html.find(needle)
    if at < 0:
        return "(not on the page)"
    start = max(html.rfind(">", 0, at), html.rfind(". ", 0, at) - 40)
    return " ".join(html[start + 1 : html.find("<", at)].split())[:200]


def integrity() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA integrity_check")
        return cursor.fetchone()[0]


def pragma(name: str, value: int | None = None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}" + ("" if value is None else f" = {value}"))
        row = cursor.fetchone()
    return row[0] if row else 0


# SQLite drills ----------------------------------------------------------------------------------------------------


def sqlite_drills(rows: int, mounted: bool) -> None:
    from django.db import connections

    from bdtx.imports.models import ImportJob

    db_dir, media = WORK / "db", WORK / "var" / "media"
    client = browser()

    # The database full. The connection stays open, as the site's are while it runs (SQLite keeps its -wal and
    # -shm files while a connection is open; on a full disk a new connection could not create them).
    file = roster(WORK / "full.csv", rows, "FULL-")
    job = checked_job(client, file)
    before = registry()
    if mounted:
        with shrunk(db_dir):
            how = f"the database's tmpfs shrunk to what it holds ({used_bytes(db_dir) // 1024} kB)"
            status, result = command(file)
            page = apply(client, job)
    else:
        pragma("max_page_count", pragma("page_count") + 2)
        how = "PRAGMA max_page_count (no right to mount a small file system)"
        status, result = command(file)
        page = apply(client, job)
        pragma("max_page_count", 1_073_741_823)
    note(f"sqlite database full: {how}")
    message = first_message(result)
    check(status == 2 and FULL in message, f"sqlite full, command: exit {status}, “{message[:110]}…”")
    job.refresh_from_db()
    after = registry()
    check(after == before, f"sqlite full: nothing half applied (people, audit, stays {before} → {after})")
    check(integrity() == "ok", "sqlite full: integrity_check ok")
    line("faults_sqlite_full_rows_written", after[0] - before[0], "rows", 0)
    if job.status == "failed":
        check(FULL in job.failure and FULL in page[1], f"sqlite full, web: the job page says “{shown(page[1], FULL)}”")
    else:
        # Not even the failure could be written (SQLite's WAL cannot grow): the job stays "applying" and, once its
        # heartbeat has gone quiet, its page says it was interrupted; it is resumed when there is space again.
        time.sleep(float(os.environ["JOB_LEASE_SECONDS"]) + 0.5)
        seen = job_page(client, job)
        check(
            job.status == "applying" and "Bị gián đoạn" in seen,
            f"sqlite full, web: nothing could be recorded, not even the failure; the page shows the job "
            f"“{job.get_status_display()}” + “{shown(seen, 'Bị gián đoạn')}”",
        )
        from bdtx.ops import jobs

        resumed, _given_up = jobs.reap()
        job.refresh_from_db()
        check(
            len(resumed) == 1 and job.status == "applied" and registry()[0] == before[0] + rows,
            f"sqlite full, web: with space again the reaper resumed the job and it applied whole ({job.created})",
        )
    status, result = command(file)
    if job.status == "applied":  # the web run applied it: the command finds every row unchanged
        check(status == 0 and result["unchanged"] == rows, f"sqlite full: the command again changes nothing ({rows})")
    else:
        check(status == 0 and result["created"] == rows, f"sqlite full: with space again the file goes in ({rows})")

    # The database read-only.
    file = roster(WORK / "readonly.csv", rows, "RO-")
    job = checked_job(client, file)
    before = registry()
    connections.close_all()
    if mounted:
        context, how = read_only(db_dir), "the database's tmpfs remounted read-only (EROFS)"
    else:
        context, how = _query_only(), "PRAGMA query_only (no right to mount)"
    with context:
        status, result = command(file)
        page = apply(client, job)
        connections.close_all()
    note(f"sqlite database read-only: {how}")
    message = first_message(result)
    check(status == 2 and READ_ONLY in message, f"sqlite read-only, command: exit {status}, “{message[:110]}…”")
    if page[0] == 503:
        # The database cannot even be opened (SQLite must create its -wal and -shm files): every page, the sign-in
        # included, answers the "database unavailable" page (bdtx/ops/dbdown.py).
        check(True, f"sqlite read-only, web: the site answers 503 “{shown(page[1], 'cơ sở dữ liệu')}”")
    else:
        check(READ_ONLY in page[1], f"sqlite read-only, web: “Apply” answers “{shown(page[1], READ_ONLY)}”")
    job.refresh_from_db()
    check(job.status == "checked", f"sqlite read-only, web: the job is still ready to apply ({job.status})")
    after = registry()
    check(after == before, f"sqlite read-only: nothing half applied ({before} → {after})")
    line("faults_sqlite_read_only_rows_written", after[0] - before[0], "rows", 0)
    apply(client, job)
    job.refresh_from_db()
    check(job.status == "applied" and job.created == rows, "sqlite read-only: once writable, “Apply” applies it")

    # The disk for uploads full, then read-only.
    file = roster(WORK / "upload.csv", max(rows, 3000), "UP-")
    jobs_before = ImportJob.objects.count()
    if mounted:
        mount(media, "64k")
        how, context = "MEDIA_ROOT on a 64 kB tmpfs (ENOSPC)", contextlib.nullcontext()
    else:
        how, context = "a file-size limit of 64 kB for this process (RLIMIT_FSIZE, EFBIG)", _file_limit(64 * 1024)
    try:
        with context:
            response = upload(client, file)
        page = response.content.decode()
        note(f"uploads full: {how}")
        check(UPLOADS_FULL in page, f"uploads full: the upload page says “{shown(page, UPLOADS_FULL)}”")
        check(ImportJob.objects.count() == jobs_before, "uploads full: no import recorded")
        left = sum(len(files) for _root, _dirs, files in os.walk(media))
        check(left == 0, f"uploads full: no partial file left behind ({left})")
        if mounted:
            read_only_context, how = read_only(media), "MEDIA_ROOT's tmpfs remounted read-only (EROFS)"
        elif os.geteuid() != 0:
            read_only_context, how = _chmod(media), "MEDIA_ROOT without write permission (chmod 555)"
        else:
            read_only_context = None
        if read_only_context is None:
            note("uploads read-only: not produced (root writes anyway and cannot mount here)")
        else:
            with read_only_context:
                page = upload(client, file).content.decode()
            note(f"uploads read-only: {how}")
            check(UPLOADS_READ_ONLY in page, f"uploads read-only: “{shown(page, UPLOADS_READ_ONLY)}”")
            check(ImportJob.objects.count() == jobs_before, "uploads read-only: no import recorded")
    finally:
        if mounted:
            subprocess.run(["umount", media], check=False)


@contextlib.contextmanager
def _query_only():
    pragma("query_only", 1)
    try:
        yield
    finally:
        pragma("query_only", 0)


@contextlib.contextmanager
def _file_limit(size: int):
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


@contextlib.contextmanager
def _chmod(path: Path):
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o555)
    try:
        yield
    finally:
        path.chmod(0o755)


# PostgreSQL drills ------------------------------------------------------------------------------------------------


def postgres_drills(url: str, rows: int, mounted: bool) -> None:
    import psycopg
    from django.db import connection, connections

    name = database_name(url)
    client = browser()

    # Read-only: what a standby, or a database in maintenance, answers to writes.
    file = roster(WORK / "pg-readonly.csv", rows, "PGRO-")
    job = checked_job(client, file)
    before = registry()
    connections.close_all()
    with psycopg.connect(url, autocommit=True) as pg:
        pg.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    try:
        status, result = command(file)
        page = apply(client, job)
    finally:
        connections.close_all()
        with psycopg.connect(url, autocommit=True, options="-c default_transaction_read_only=off") as pg:
            pg.execute(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')
    note("postgresql read-only: ALTER DATABASE … SET default_transaction_read_only = on (SQLSTATE 25006)")
    message = first_message(result)
    check(status == 2 and READ_ONLY in message, f"postgresql read-only, command: exit {status}, “{message[:100]}…”")
    check(READ_ONLY in page[1], f"postgresql read-only, web: “Apply” answers “{shown(page[1], READ_ONLY)}”")
    after = registry()
    check(after == before, f"postgresql read-only: nothing half applied ({before} → {after})")
    line("faults_postgres_read_only_rows_written", after[0] - before[0], "rows", 0)

    # Disk full: the staff tables on a tablespace of their own, on a tmpfs shrunk to what it holds.
    if not mounted:
        note("postgresql disk full: not produced (mounting a small file system for a tablespace needs root)")
        return
    space = Path(tempfile.mkdtemp(prefix="bdtx-faults-ts-"))
    owner = _server_owner(url)
    mount(space, "256m", mode="700", uid=owner)
    tables = ("staff_staffmember", "staff_staffchange", "staff_assignment")
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TABLESPACE drill_small LOCATION '{space}'")
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} SET TABLESPACE drill_small")
                cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [table])
                for (index,) in cursor.fetchall():
                    cursor.execute(f'ALTER INDEX "{index}" SET TABLESPACE drill_small')
        file = roster(WORK / "pg-full.csv", rows * 4, "PGFULL-")
        job = checked_job(client, file)
        before = registry()
        connections.close_all()
        with shrunk(space, slack=64 * 1024):
            status, result = command(file)
            page = apply(client, job)
            connections.close_all()
        note(f"postgresql disk full: the staff tables and indexes on a tablespace on a tmpfs shrunk to what it holds "
             f"(64 kB spare), {rows * 4} rows imported into it")  # fmt: skip
        message = first_message(result)
        check(status == 2 and FULL in message, f"postgresql full, command: exit {status}, “{message[:100]}…”")
        job.refresh_from_db()
        check(
            job.status == "failed" and FULL in job.failure and FULL in job_page(client, job),
            f"postgresql full, web: the job page says “{job.failure[:80]}…”",
        )
        after = registry()
        check(after == before, f"postgresql full: nothing half applied ({before} → {after})")
        line("faults_postgres_full_rows_written", after[0] - before[0], "rows", 0)
        status, result = command(file)
        check(status == 0 and result["created"] == rows * 4, "postgresql full: with space again the file goes in whole")
    finally:
        connections.close_all()
        with contextlib.suppress(Exception), psycopg.connect(url, autocommit=True) as pg:
            for table in tables:
                pg.execute(f"ALTER TABLE {table} SET TABLESPACE pg_default")
                for (index,) in pg.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [table]).fetchall():
                    pg.execute(f'ALTER INDEX "{index}" SET TABLESPACE pg_default')
            pg.execute("DROP TABLESPACE IF EXISTS drill_small")
        subprocess.run(["umount", space], check=False)
        shutil.rmtree(space, ignore_errors=True)


def _server_owner(url: str) -> int:
    """The uid the PostgreSQL server runs as (it owns its data directory)."""
    import psycopg

    with psycopg.connect(url) as pg:
        data = pg.execute("SHOW data_directory").fetchone()[0]
    return os.stat(data).st_uid


# Main -------------------------------------------------------------------------------------------------------------


def setup_django(database_url: str) -> None:
    import logging

    common_setup_django(
        database_url,
        DJANGO_SETTINGS_MODULE="bdtx.settings",
        BDTX_VAR_DIR=str(WORK / "var"),
        TASKS_BACKEND="django.tasks.backends.immediate.ImmediateBackend",
        # Short leases, so that a job that could not record its failure shows "interrupted" within seconds.
        JOB_HEARTBEAT_SECONDS="1",
        JOB_LEASE_SECONDS="3",
        DEBUG="1",  # plain static files: the pages render without collectstatic
        LOG_LEVEL="CRITICAL",
    )
    logging.disable(logging.CRITICAL)  # the drills' tracebacks are expected; the PASS/FAIL lines say what happened


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--postgres", help=argparse.SUPPRESS)  # the PostgreSQL half, run in a process of its own
    args = parser.parse_args()
    mounted = can_mount()
    if args.postgres:
        setup_django(args.postgres)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        seed()
        postgres_drills(args.postgres, args.rows, mounted)
        return 1 if failures else 0

    db_dir = WORK / "db"
    with contextlib.suppress(OSError):
        subprocess.run(["umount", db_dir], capture_output=True, check=False)
    shutil.rmtree(WORK, ignore_errors=True)
    db_dir.mkdir(parents=True)
    if mounted:
        mount(db_dir, "512m")
    try:
        setup_django(f"sqlite:///{db_dir / 'faults.sqlite3'}")
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        seed()
        sqlite_drills(args.rows, mounted)
    finally:
        from django.db import connections

        connections.close_all()
        if mounted:
            subprocess.run(["umount", db_dir], check=False)
    status = 1 if failures else 0
    base = os.environ.get("BENCH_POSTGRES_URL")
    if base:
        url = fresh_database(base, "faults")
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BDTX_VAR_DIR", "TASKS_BACKEND")}
        rerun = [sys.executable, __file__, "--rows", str(args.rows), "--postgres", url]
        postgres_status = subprocess.run(rerun, env=env, check=False).returncode
        status = status or postgres_status
    else:
        note("PostgreSQL drills skipped: BENCH_POSTGRES_URL is not set (make bench sets it)")
    if failures:
        print(f"faults_import: {len(failures)} check(s) failed", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())

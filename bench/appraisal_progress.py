"""Appraisal progress pages on a 100,000-person province: server time of the province and school pages against
the grouped COUNT queries underneath.

Starts from the staff list bench's database (var/bench/list.sqlite3, `seed_demo --staff 100000`: about 3,300
schools), copied once to var/bench/appraisal.sqlite3, never the development database; seeds it itself when that
file is missing. Adds the rule data and a cycle at the Sở with about 90% of the expected people started, 80%
submitted and 40% confirmed (bulk inserts). Then, through Django's test client after a warm-up:

    appraisal_progress_province_p50 / _p95: the Sở officer's cycle page (one row per commune and upper-secondary
        school, counts over the whole province); the expected people per unit are kept until the staff registry
        changes, so _province_cold_ also gives the page with every count made again (cache emptied each time)
    appraisal_progress_school_p50 / _p95: a principal's page (their school's counts and the first 50 people who
        have not submitted, in Vietnamese name order)
    appraisal_progress_*_raw_sql_p50 and _ratio_to_raw_sql: the same queries sent straight through the cursor

With BENCH_POSTGRES_URL set (make bench starts a throw-away server), the same is measured on PostgreSQL in a
database of its own (copied from the staff list bench's database when it is there), printed as *_postgres_*.

Environment: BENCH_STAFF=100000, BENCH_RUNS=30, BENCH_APPRAISAL_DB=var/bench/appraisal.sqlite3, BENCH_REBUILD=1."""

import os
import random
import sqlite3
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAFF = int(os.environ.get("BENCH_STAFF", "100000"))
RUNS = int(os.environ.get("BENCH_RUNS", "30"))
DB = Path(os.environ.get("BENCH_APPRAISAL_DB", ROOT / "var" / "bench" / "appraisal.sqlite3")).resolve()
LIST_DB = ROOT / "var" / "bench" / "list.sqlite3"

# BENCH_APPRAISAL_POSTGRES (set by this script for its second pass) names a PostgreSQL database of its own.
POSTGRES = os.environ.get("BENCH_APPRAISAL_POSTGRES", "")
SUFFIX = "_postgres" if POSTGRES else ""


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of the staff list bench's database (its WAL folded in by SQLite's backup API)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


if not POSTGRES:
    if os.environ.get("BENCH_REBUILD"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DB}{suffix}").unlink(missing_ok=True)
    if not DB.exists() and LIST_DB.exists():
        copy_sqlite(LIST_DB, DB)

# Before django.setup(): this database only, and settings fit for timing.
os.environ["DATABASE_URL"] = POSTGRES or f"sqlite:///{DB}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bdtx.settings")
os.environ["DEBUG"] = "0"
sys.path.insert(0, str(ROOT))

import warnings  # noqa: E402

import django  # noqa: E402

warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from bdtx.accounts.models import Role, RoleAssignment, User  # noqa: E402
from bdtx.appraisals.models import Appraisal, AppraisalCycle  # noqa: E402
from bdtx.appraisals.progress import Subtree, expected_staff, not_submitted, progress, progress_counts  # noqa: E402
from bdtx.lib.db import refresh_statistics  # noqa: E402
from bdtx.organisations.models import Unit  # noqa: E402
from bdtx.rules.models import Standard  # noqa: E402
from bdtx.rules.standards import standard_for  # noqa: E402
from bdtx.staff.models import StaffMember  # noqa: E402

BATCH = 5000


def school_year(day) -> int:
    return day.year if day.month >= 8 else day.year - 1


def build() -> AppraisalCycle:
    call_command("migrate", verbosity=0, interactive=False)
    if StaffMember.objects.count() < STAFF:
        if Unit.objects.exists():
            sys.exit(f"{connection.settings_dict['NAME']} holds another data set: delete it or set BENCH_REBUILD=1")
        started = time.perf_counter()
        call_command("seed_demo", staff=STAFF, seed=2026, stdout=sys.stderr)
        print(f"# seeded {STAFF} staff in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    call_command("load_standards", verbosity=0)
    province = Unit.objects.get(parent=None)
    year = school_year(timezone.localdate())
    cycle = AppraisalCycle.objects.filter(unit=province, year=year).first()
    if cycle is not None and Appraisal.objects.filter(cycle=cycle).exists():
        return cycle
    started = time.perf_counter()
    today = timezone.localdate()
    cycle = cycle or AppraisalCycle.objects.create(
        unit=province,
        year=year,
        title=f"Đánh giá chuẩn nghề nghiệp năm học {year}-{year + 1}",
        self_assessment_from=today - timezone.timedelta(days=20),
        self_assessment_until=today + timezone.timedelta(days=10),
        opinions_until=today + timezone.timedelta(days=15),
        evaluation_until=today + timezone.timedelta(days=30),
    )
    fill(cycle)
    refresh_statistics()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # what autovacuum does soon after a bulk load
    print(f"# {Appraisal.objects.filter(cycle=cycle).count()} appraisals in {time.perf_counter() - started:.1f} s",
          file=sys.stderr)  # fmt: skip
    return cycle


def fill(cycle: AppraisalCycle) -> None:
    """About 90% started, 80% submitted, 40% confirmed, with every criterion's level as a person would give."""
    rng = random.Random(2026)
    standards = list(Standard.objects.all())
    now = timezone.now()
    people = expected_staff().select_related("unit").only("pk", "group", "levels", "position", "unit__levels")
    rows = []
    for member in people.iterator(chunk_size=BATCH):
        draw = rng.random()
        if draw >= 0.9:
            continue
        standard = standard_for(member, cycle.self_assessment_from, standards=standards)
        if standard is None:
            continue
        own = {str(n): rng.choice(("dat", "kha", "kha", "tot", "tot")) for n in range(1, standard.criteria_count + 1)}
        appraisal = Appraisal(cycle=cycle, staff_id=member.pk, standard=standard, unit_id=member.unit_id)
        if draw < 0.8:
            appraisal.self_levels = own
            appraisal.self_status = Appraisal.SelfStatus.SUBMITTED
            appraisal.self_rating = standard.classify({int(n): code for n, code in own.items()})
            appraisal.self_submitted_at = now
            appraisal.strengths = "Nắm vững chương trình, tích cực đổi mới phương pháp dạy học."
        else:
            appraisal.self_levels = dict(list(own.items())[: standard.criteria_count // 2])
        if draw < 0.4:
            appraisal.final_levels = own
            appraisal.final_rating = appraisal.self_rating
            appraisal.evaluation_status = Appraisal.EvaluationStatus.CONFIRMED
            appraisal.confirmed_at = now
        rows.append(appraisal)
        if len(rows) >= BATCH:
            with transaction.atomic():
                Appraisal.objects.bulk_create(rows)
            rows = []
    with transaction.atomic():
        Appraisal.objects.bulk_create(rows)


def postgres_pass() -> int:
    """The same measurement on PostgreSQL, in a database of its own on the BENCH_POSTGRES_URL server: a copy of
    the staff list bench's database when it is there (CREATE DATABASE … TEMPLATE), else seeded here."""
    import subprocess
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    base = os.environ["BENCH_POSTGRES_URL"]
    parts = urlsplit(base)
    main = parts.path.lstrip("/")
    name, template = f"{main}_appraisal", f"{main}_list"
    with psycopg.connect(base, autocommit=True) as pg:
        if not pg.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            if pg.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template]).fetchone():
                pg.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            else:
                pg.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "BENCH_APPRAISAL_POSTGRES": urlunsplit(parts._replace(path=f"/{name}"))}
    return subprocess.run([sys.executable, __file__], env=env, check=False).returncode


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed(client: Client, url: str, *, cold: bool = False) -> list[float]:
    """Server time of RUNS requests after a warm-up; `cold`: the cache emptied before each one (as after a
    change in the staff registry), so every count is made again."""
    for _ in range(3):  # warm-up
        response = client.get(url)
        if response.status_code != 200:
            sys.exit(f"{url} answered {response.status_code}")
    times = []
    for _ in range(RUNS):
        if cold:
            cache.clear()
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    return times


def raw_ms(querysets) -> list[float]:
    """The pages' counting queries as SQL sent straight through the cursor."""
    statements = [qs.query.sql_with_params() for qs in querysets]
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
                cursor.fetchall()
        times.append((time.perf_counter() - started) * 1000)
    return times


def report(name: str, times: list[float], raw: list[float]) -> None:
    p50, p95, raw50 = statistics.median(times), percentile(times, 0.95), statistics.median(raw)
    print(f"appraisal_progress{SUFFIX}_{name}_p50: {p50:.1f} ms", flush=True)
    print(f"appraisal_progress{SUFFIX}_{name}_p95: {p95:.1f} ms", flush=True)
    print(f"appraisal_progress{SUFFIX}_{name}_raw_sql_p50: {raw50:.1f} ms", flush=True)
    print(f"appraisal_progress{SUFFIX}_{name}_ratio_to_raw_sql: {p50 / raw50:.2f} x", flush=True)


def main() -> int:
    cycle = build()
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    url = reverse("appraisals:cycle-detail", args=[cycle.pk])
    officer = User.objects.get(username="so.chuyenvien")
    province = Unit.objects.get(parent=None)
    client = Client()
    client.force_login(officer)
    expected, appraisals = progress_counts(cycle, Subtree.of(province))
    # Warm, the page counts the appraisals alone (the expected people are kept until the registry changes).
    report("province", timed(client, url), raw_ms([appraisals]))
    report("province_cold", timed(client, url, cold=True), raw_ms([expected, appraisals]))

    # A principal of a school of median size, on their own page (the school's counts and the list to chase).
    heads = RoleAssignment.objects.filter(role=Role.SCHOOL_ADMIN, unit__children__isnull=True).select_related("unit")
    sizes = dict(expected_staff().values_list("unit_id").annotate(n=Count("pk")).order_by())
    head = sorted(heads, key=lambda r: (sizes.get(r.unit_id, 0), r.pk))[len(heads) // 2]
    client = Client()
    client.force_login(head.user)
    school_times = timed(client, url)
    page = list(not_submitted(cycle, [head.unit_id])[:50])
    school_raw = raw_ms([*progress_counts(cycle, Subtree.of(head.unit)), not_submitted(cycle, [head.unit_id])[:50]])
    report("school", school_times, school_raw)
    total, _rows = progress(cycle, Subtree.of(province))
    print(
        f"# {Unit.objects.count()} units, {total.expected} expected, {total.started} started, {total.submitted} "
        f"submitted, {total.evaluated} confirmed; school {head.unit.code}: {sizes.get(head.unit_id)} expected, "
        f"{len(page)} on the first page to chase; {RUNS} runs each",
        file=sys.stderr,
    )
    if not POSTGRES and os.environ.get("BENCH_POSTGRES_URL"):
        return postgres_pass()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Staff list speed on a 100,000-person province: server time of the list page against the SQL underneath.

Builds (once, then reuses) var/bench/list.sqlite3 with `seed_demo --staff 100000`, never the development
database. Signs in as so.chuyenvien with Django's test client and times N requests of a realistic mix of
filters, then runs the same querysets' SQL straight through connection.cursor. Prints:

    staff_list_p50: X ms
    staff_list_p95: Y ms
    staff_list_raw_sql_p50: Z ms
    staff_list_ratio_to_raw_sql: R x

With BENCH_POSTGRES_URL set (make bench starts a throw-away server), the same is measured again on PostgreSQL
in a database of its own, printed as staff_list_postgres_*.

Environment: BENCH_STAFF=100000, BENCH_REQUESTS=200, BENCH_LIST_URL=/staff/ (falls back to /api/v1/staff/
while the page does not answer 200), BENCH_DB=var/bench/list.sqlite3, BENCH_REBUILD=1 to rebuild."""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAFF = int(os.environ.get("BENCH_STAFF", "100000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "200"))
DB = Path(os.environ.get("BENCH_DB", ROOT / "var" / "bench" / "list.sqlite3")).resolve()
PAGE_URL = os.environ.get("BENCH_LIST_URL", "/staff/")
API_URL = "/api/v1/staff/"
PAGE_SIZE = 50

# BENCH_LIST_POSTGRES (set by this script for its second pass) names a PostgreSQL database of its own.
POSTGRES = os.environ.get("BENCH_LIST_POSTGRES", "")
SUFFIX = "_postgres" if POSTGRES else ""

# Before django.setup(): this database only, and settings fit for timing (no debug, no password hashing cost).
os.environ["DATABASE_URL"] = POSTGRES or f"sqlite:///{DB}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bdtx.settings")
os.environ["DEBUG"] = "0"
sys.path.insert(0, str(ROOT))

import warnings  # noqa: E402

import django  # noqa: E402

warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)  # whitenoise before collectstatic

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from bdtx.accounts.models import User  # noqa: E402
from bdtx.organisations.models import Unit, UnitKind  # noqa: E402
from bdtx.staff.models import StaffMember  # noqa: E402


def build() -> None:
    DB.parent.mkdir(parents=True, exist_ok=True)
    if not POSTGRES and os.environ.get("BENCH_REBUILD") and DB.exists():
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DB}{suffix}").unlink(missing_ok=True)
    call_command("migrate", verbosity=0, interactive=False)
    if StaffMember.objects.count() < STAFF:
        if Unit.objects.exists():
            sys.exit(f"{DB} holds another data set: delete it or set BENCH_REBUILD=1")
        started = time.perf_counter()
        call_command("seed_demo", staff=STAFF, seed=2026, stdout=sys.stderr)
        print(f"# seeded {STAFF} staff in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def postgres_pass() -> int:
    """The same measurement on PostgreSQL, in a database of its own on the BENCH_POSTGRES_URL server."""
    import subprocess
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    base = os.environ["BENCH_POSTGRES_URL"]
    parts = urlsplit(base)
    name = parts.path.lstrip("/") + "_list"
    with psycopg.connect(base, autocommit=True) as pg:
        if not pg.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            pg.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "BENCH_LIST_POSTGRES": urlunsplit(parts._replace(path=f"/{name}"))}
    return subprocess.run([sys.executable, __file__], env=env, check=False).returncode


def scenarios() -> list[dict[str, str]]:
    """A realistic mix: a commune's subtree, one school, diacritic-free names, a level, deeper pages."""
    communes = list(Unit.objects.filter(kind=UnitKind.COMMUNE).order_by("pk")[:3])
    schools = list(Unit.objects.filter(kind=UnitKind.SCHOOL).order_by("pk")[:3])
    return [
        {},
        {"page": "3"},
        {"unit": communes[0].code},
        {"unit": schools[1].code},
        {"q": "nguyen thi"},
        {"q": "lo van"},
        {"level": "tieu_hoc"},
        {"level": "mam_non", "page": "3"},
        {"unit": communes[1].code, "q": "thi"},
        {"unit": communes[2].code, "level": "thcs"},
        {"q": "hoa", "page": "2"},
        {"status": "retired"},
    ]


def queryset(user, params: dict[str, str]):
    """The staff list's query for these filters (what the page and the API both run)."""
    staff = StaffMember.objects.visible_to(user).select_related("unit").filter(status=params.get("status", "working"))
    if "unit" in params:
        staff = staff.within(Unit.objects.get(code=params["unit"]))
    if "level" in params:
        staff = staff.with_level(params["level"])
    if "q" in params:
        staff = staff.search(params["q"])
    return staff


def raw_sql_ms(user, params: dict[str, str]) -> float:
    """The count and the page's rows, as SQL sent straight through the cursor."""
    staff = queryset(user, params)
    start = (int(params.get("page", "1")) - 1) * PAGE_SIZE
    count_sql, count_params = staff.order_by().values("pk").query.sql_with_params()
    rows_sql, rows_params = staff[start : start + PAGE_SIZE].query.sql_with_params()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({count_sql}) subquery", count_params)
        cursor.fetchone()
        cursor.execute(rows_sql, rows_params)
        cursor.fetchall()
    return (time.perf_counter() - started) * 1000


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> int:
    build()
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    # No collectstatic here: plain static URLs, as in the tests.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    user = User.objects.get(username="so.chuyenvien")
    client = Client()
    client.force_login(user)
    url = PAGE_URL
    probe = client.get(url, {"status": "working"})
    if probe.status_code != 200:
        print(f"# {url} answered {probe.status_code}; timing {API_URL} instead", file=sys.stderr)
        url = API_URL
    mix = scenarios()
    params_for = [{"status": "working", **mix[i % len(mix)]} for i in range(REQUESTS)]
    for params in mix:  # warm the caches once per scenario
        client.get(url, {"status": "working", **params})
        raw_sql_ms(user, {"status": "working", **params})
    times, raw = [], []
    for params in params_for:
        started = time.perf_counter()
        response = client.get(url, params)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200 or (response.context and response.context["form"].errors):
            sys.exit(f"{url} {params} answered {response.status_code} or refused a filter")
        raw.append(raw_sql_ms(user, params))
    p50, p95, raw50 = statistics.median(times), percentile(times, 0.95), statistics.median(raw)
    print(f"# {url}, {REQUESTS} requests, {StaffMember.objects.count()} staff", file=sys.stderr)
    print(f"staff_list{SUFFIX}_p50: {p50:.1f} ms", flush=True)
    print(f"staff_list{SUFFIX}_p95: {p95:.1f} ms", flush=True)
    print(f"staff_list{SUFFIX}_raw_sql_p50: {raw50:.1f} ms", flush=True)
    print(f"staff_list{SUFFIX}_ratio_to_raw_sql: {p50 / raw50:.2f} x", flush=True)
    if not POSTGRES and os.environ.get("BENCH_POSTGRES_URL"):
        return postgres_pass()
    return 0


if __name__ == "__main__":
    sys.exit(main())

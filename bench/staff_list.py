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
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    BENCH_DIR,
    against_raw_sql,
    client_settings,
    postgres_rerun,
    remove_sqlite,
    seed_province,
    setup_django,
)

STAFF = int(os.environ.get("BENCH_STAFF", "100000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "200"))
DB = Path(os.environ.get("BENCH_DB", BENCH_DIR / "list.sqlite3")).resolve()
PAGE_URL = os.environ.get("BENCH_LIST_URL", "/staff/")
API_URL = "/api/v1/staff/"
PAGE_SIZE = 50

# BENCH_LIST_POSTGRES (set by this script for its second pass) names a PostgreSQL database of its own.
POSTGRES = os.environ.get("BENCH_LIST_POSTGRES", "")
SUFFIX = "_postgres" if POSTGRES else ""

# This database only, and settings fit for timing (no debug).
setup_django(POSTGRES or f"sqlite:///{DB}", DEBUG="0")

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from bdtx.accounts.models import User  # noqa: E402
from bdtx.organisations.models import Unit, UnitKind  # noqa: E402
from bdtx.staff.models import StaffMember  # noqa: E402


def build() -> None:
    DB.parent.mkdir(parents=True, exist_ok=True)
    if not POSTGRES and os.environ.get("BENCH_REBUILD") and DB.exists():
        connection.close()
        remove_sqlite(DB)
    if seed_province(STAFF):
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


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


def main() -> int:
    build()
    client_settings()  # no collectstatic here: plain static URLs, as in the tests
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
    print(f"# {url}, {REQUESTS} requests, {StaffMember.objects.count()} staff", file=sys.stderr)
    against_raw_sql(f"staff_list{SUFFIX}", times, raw)
    if not POSTGRES and os.environ.get("BENCH_POSTGRES_URL"):
        return postgres_rerun(__file__, "BENCH_LIST_POSTGRES", "list")
    return 0


if __name__ == "__main__":
    sys.exit(main())

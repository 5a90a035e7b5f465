"""What the benchmarks share, in one place. Imported before Django is set up: Django (and bdtx) are imported inside
the functions that need them, which are called after `setup_django()`.

- The databases: a consistent copy of another bench's SQLite database, a PostgreSQL database of their own on the
  throw-away server that `make bench` starts (copied from another bench's database as a template when it is there),
  the throw-away server itself (scripts/pg-temp) for the benches that start one, a free port on 127.0.0.1.
- Django: set up for timing, the test client's settings, the seeded province, statistics after a bulk load, the
  principal of a school of median size.
- The figures: percentiles, the `name: value unit` lines, server times of a page and of its SQL sent raw.
- The drills' PASS/FAIL lines (`check`, `note`, `failures`) and the people of their rosters."""

import datetime as dt
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
LOOPBACK = "127.0.0.1"


# Databases ----------------------------------------------------------------------------------------------------------


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a database (its WAL folded in by SQLite's backup API)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def remove_sqlite(database: Path) -> None:
    """A SQLite database and its WAL files, gone."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)


def sqlite_from(database: Path, source: Path) -> str:
    """The bench's own SQLite database, its URL returned: removed first with BENCH_REBUILD=1; when missing, a copy of
    `source` (another bench's database) when that exists, else left for the bench to seed."""
    if os.environ.get("BENCH_REBUILD"):
        remove_sqlite(database)
    database.parent.mkdir(parents=True, exist_ok=True)
    if not database.exists() and source.exists():
        copy_sqlite(source, database)
    return f"sqlite:///{database}"


def database_url(base: str, name: str) -> str:
    """The URL of the database `<base's database>_<name>` on the same PostgreSQL server."""
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{parts.path.lstrip('/')}_{name}"))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def fresh_database(base: str, name: str, template: str | None = None) -> str:
    """A new database `<base's database>_<name>`, dropped first: empty, or a copy of the database named `template`
    (its full name); returns its URL."""
    import psycopg

    url = database_url(base, name)
    target = database_name(url)
    with psycopg.connect(base, autocommit=True) as pg:
        pg.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        pg.execute(f'CREATE DATABASE "{target}"' + (f' TEMPLATE "{template}"' if template else ""))
    return url


def postgres_rerun(script: str, variable: str, name: str, template: str | None = None) -> int:
    """Run `script` again against a database `<server db>_<name>` on the BENCH_POSTGRES_URL server, created from
    `<server db>_<template>` when that exists (else empty: the script seeds it), its URL in `variable`."""
    import psycopg

    base = os.environ["BENCH_POSTGRES_URL"]
    url = database_url(base, name)
    database, source = database_name(url), database_name(database_url(base, template)) if template else None
    with psycopg.connect(base, autocommit=True) as pg:
        if not pg.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
            if source and pg.execute("SELECT 1 FROM pg_database WHERE datname = %s", [source]).fetchone():
                pg.execute(f'CREATE DATABASE "{database}" TEMPLATE "{source}"')
            else:
                pg.execute(f'CREATE DATABASE "{database}"')
    env = {**os.environ, variable: url}
    return subprocess.run([sys.executable, script], env=env, check=False).returncode


def pg_temp_start() -> tuple[str, str]:
    """A throw-away PostgreSQL server (scripts/pg-temp): (its directory, its URL)."""
    out = subprocess.run([ROOT / "scripts" / "pg-temp", "start"], check=True, capture_output=True, text=True).stdout
    values = dict(row.removeprefix("export ").split("=", 1) for row in out.splitlines() if "=" in row)
    return values["PGTEMP_DIR"], values["DATABASE_URL"]


def pg_temp_stop(directory: str) -> None:
    subprocess.run([ROOT / "scripts" / "pg-temp", "stop", directory], check=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


# Django -------------------------------------------------------------------------------------------------------------


def setup_django(url: str, **env: str) -> None:
    """Django in this process on the database at `url` (and these environment variables, e.g. DEBUG="0" for
    timing)."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bdtx.settings")
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import warnings

    import django

    # WhiteNoise warns of a missing static folder before collectstatic: not the benches' concern.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()


def client_settings() -> None:
    """Django's test client ready: the test environment, its host, plain static files (no collectstatic manifest)."""
    from django.conf import settings
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def seed_province(staff: int) -> bool:
    """The database migrated and holding a province of `staff` people (`seed_demo`, when it holds fewer); True when
    it was seeded now. Stops when the database holds another data set."""
    from django.core.management import call_command
    from django.db import connection

    from bdtx.organisations.models import Unit
    from bdtx.staff.models import StaffMember

    call_command("migrate", verbosity=0, interactive=False)
    if StaffMember.objects.count() >= staff:
        return False
    if Unit.objects.exists():
        sys.exit(f"{connection.settings_dict['NAME']} holds another data set: delete it or set BENCH_REBUILD=1")
    started = time.perf_counter()
    call_command("seed_demo", staff=staff, seed=2026, stdout=sys.stderr)
    print(f"# seeded {staff} staff in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return True


def vacuum() -> None:
    """Statistics after a bulk load: ANALYZE, and on PostgreSQL what autovacuum does soon after (VACUUM ANALYZE)."""
    from django.db import connection

    from bdtx.lib.db import refresh_statistics

    refresh_statistics()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def median_school_head():
    """The principal of a school of median size (by the people expected there): (their role assignment, {unit id:
    people expected})."""
    from django.db.models import Count

    from bdtx.accounts.models import Role, RoleAssignment
    from bdtx.appraisals.progress import expected_staff

    heads = RoleAssignment.objects.filter(role=Role.SCHOOL_ADMIN, unit__children__isnull=True).select_related("unit")
    sizes = dict(expected_staff().values_list("unit_id").annotate(n=Count("pk")).order_by())
    head = sorted(heads, key=lambda r: (sizes.get(r.unit_id, 0), r.pk))[len(heads) // 2]
    return head, sizes


# Figures ------------------------------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else 0.0


def line(name: str, value: float, unit: str, digits: int = 1) -> None:
    print(f"{name}: {value:.{digits}f} {unit}", flush=True)


def spread(name: str, times_ms: list[float]) -> tuple[float, float]:
    """Print p50 and p95 of timings in ms; return them."""
    p50, p95 = statistics.median(times_ms), percentile(times_ms, 0.95)
    line(f"{name}_p50", p50, "ms")
    line(f"{name}_p95", p95, "ms")
    return p50, p95


def against_raw_sql(name: str, times_ms: list[float], raw_ms: list[float] | None = None) -> None:
    """`name`_p50 and _p95 of the page's timings; with the raw SQL's timings, _raw_sql_p50 and _ratio_to_raw_sql."""
    p50, _p95 = spread(name, times_ms)
    if raw_ms:
        raw50 = statistics.median(raw_ms)
        line(f"{name}_raw_sql_p50", raw50, "ms")
        line(f"{name}_ratio_to_raw_sql", p50 / raw50, "x", 2)


def timed(client, url: str, runs: int, *, cold: bool = False) -> list[float]:
    """Server time (ms) of `runs` GET requests through Django's test client after a warm-up of three; `cold`: the
    cache emptied before each one (as after a change of what the page keeps), so the page makes everything anew."""
    from django.core.cache import cache

    for _ in range(3):  # warm-up
        response = client.get(url)
        if response.status_code != 200:
            sys.exit(f"{url} answered {response.status_code}")
    times = []
    for _ in range(runs):
        if cold:
            cache.clear()
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    return times


def raw_ms(querysets, runs: int) -> list[float]:
    """The querysets' SQL sent straight through the cursor, every row fetched: `runs` times (ms)."""
    from django.db import connection

    statements = [qs.query.sql_with_params() for qs in querysets]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
                cursor.fetchall()
        times.append((time.perf_counter() - started) * 1000)
    return times


# Drills -------------------------------------------------------------------------------------------------------------

failures: list[str] = []  # what check() found wrong; a drill exits 1 when it is not empty


def check(ok: bool, what: str) -> None:
    print(f"{'PASS' if ok else 'FAIL'} {what}", flush=True)
    if not ok:
        failures.append(what)


def note(text: str) -> None:
    print(f"# {text}", flush=True)


FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"]
MIDDLE = ["Thị", "Văn", "Đức", "Thu", "Minh", "Ngọc"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hoà", "Lan", "Mai", "Nam", "Sơn", "Yến"]


def roster_person(n: int) -> tuple[str, str]:
    """The n-th person of a drill's roster, deterministic: (full name, birth date as dd/mm/yyyy)."""
    name = f"{FAMILY[n % 10]} {MIDDLE[n // 10 % 6]} {GIVEN[n // 60 % 12]}"
    birth = dt.date(1970, 1, 1) + dt.timedelta(days=(n * 37) % 10_000)
    return name, birth.strftime("%d/%m/%Y")

"""Dashboards on a province of 100,000 staff with 1,000,000 result rows, and (opt-in) a nation of 1,300,000 staff.

"Result rows" are the yearly BDTX results (YearResult, one per person and school year): every working teacher and
manager of the province over enough school years to pass 1,000,000 rows (12 years: about 1,060,000). Besides them
the year's appraisal cycle (about 70% of the people evaluated and confirmed, every criterion's level kept), unit
plans with budget lines for every unit, and the bundled targets.

Starts from the staff list bench's database (var/bench/list.sqlite3, `seed_demo --staff 100000`: about 3,300
schools), copied once to var/bench/dashboards.sqlite3 (seeded here when that file is missing); the rows above are
added in bulk once. Then:

    dashboard_tally_refresh_100k: counting every kept figure of the year from the source tables and writing the
        tallies (what the background job does when the data changed); _rows: tallies written
    dashboard_province_p50 / _p95: the Sở officer's dashboard page (every section, one row per commune and
        upper-secondary school, the targets), through Django's test client after a warm-up; target p95 ≤ 300 ms.
        The page's sections are rendered once per state of the figures (kept in the cache until they are counted
        again): _uncached_ gives the page with them read and rendered anew every time
    dashboard_province_raw_sql_p50 and _ratio_to_raw_sql: the queries underneath the page (the data stamps, the
        tallies of the province and of its children) sent straight through the cursor
    dashboard_province_api_p95: GET /api/v1/dashboards/units/<province>/
    dashboard_school_p95: a principal's dashboard of their school
    dashboard_freshness_check_p50: the data stamps alone (they decide whether the figures still hold)

With BENCH_POSTGRES_URL set (make bench starts a throw-away server), the same on PostgreSQL in a database of its own
(copied from the staff list bench's one when it is there), printed as *_postgres_*. With BENCH_NATIONAL=1 as well,
the PostgreSQL pass then copies the province twelve times under a Ministry (1,300,000 staff, their results of the
year and their evaluations, about three minutes to build) and prints dashboard_national_postgres_p50 / _p95 (target
≤ 1 s), its raw SQL and ratio, and dashboard_tally_refresh_national_postgres. It is off by default because building
the nation takes longer than the rest of `make bench`.

Environment: BENCH_RUNS=30, BENCH_DASHBOARDS_DB=var/bench/dashboards.sqlite3, BENCH_REBUILD=1, BENCH_NATIONAL=1."""

import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    BENCH_DIR,
    client_settings,
    line,
    postgres_rerun,
    seed_province,
    setup_django,
    spread,
    sqlite_from,
    timed,
    vacuum,
)

STAFF = int(os.environ.get("BENCH_STAFF", "100000"))
RUNS = int(os.environ.get("BENCH_RUNS", "30"))
RESULT_ROWS = 1_000_000
DB = Path(os.environ.get("BENCH_DASHBOARDS_DB", BENCH_DIR / "dashboards.sqlite3")).resolve()
LIST_DB = BENCH_DIR / "list.sqlite3"
# The national pass runs in a database of its own (a copy of the PostgreSQL province's), set by the second pass.
NATIONAL_DB = os.environ.get("BENCH_DASHBOARDS_NATIONAL", "")
POSTGRES = NATIONAL_DB or os.environ.get("BENCH_DASHBOARDS_POSTGRES", "")
SUFFIX = "_postgres" if POSTGRES else ""
PROVINCES = 13

setup_django(
    POSTGRES or sqlite_from(DB, LIST_DB), DEBUG="0", TASKS_BACKEND="django.tasks.backends.immediate.ImmediateBackend"
)

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from bdtx.accounts.models import Role, RoleAssignment, User  # noqa: E402
from bdtx.appraisals.models import Appraisal, AppraisalCycle  # noqa: E402
from bdtx.appraisals.progress import expected_staff  # noqa: E402
from bdtx.dashboards import aggregates, figures, freshness, services  # noqa: E402
from bdtx.lib.schoolyear import school_year_of  # noqa: E402
from bdtx.organisations.models import Unit, UnitKind  # noqa: E402
from bdtx.plans.models import BudgetLine, UnitPlan  # noqa: E402
from bdtx.results.models import YearResult  # noqa: E402
from bdtx.rules.models import Standard  # noqa: E402
from bdtx.rules.standards import standard_for  # noqa: E402
from bdtx.staff.models import StaffMember  # noqa: E402

BATCH = 5000
CATEGORIES = ("lecturers", "materials", "venue", "meals")


def insert(table: str, columns: list[str], rows) -> None:
    """Rows in bulk: COPY on PostgreSQL, one prepared INSERT run with executemany on SQLite."""
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        names = ", ".join(quote(column) for column in columns)
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    names = ", ".join(quote(column) for column in columns)
    sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
    batch = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                batch.clear()
        if batch:
            cursor.executemany(sql, batch)


def build(year: int) -> None:
    """Seed the province if needed, then add the results, the evaluations, the plans (once, in bulk)."""
    seed_province(STAFF)
    call_command("load_standards", verbosity=0)
    call_command("load_targets", verbosity=0)
    rng = random.Random(2026)
    people = list(expected_staff().order_by("pk").values_list("pk", "unit_id"))
    years = -(-RESULT_ROWS // len(people))  # enough school years to pass the million
    if YearResult.objects.count() < RESULT_ROWS:
        started = time.perf_counter()
        YearResult.objects.all().delete()
        now = timezone.now()
        with transaction.atomic():
            insert(
                YearResult._meta.db_table,
                ["staff_id", "year", "unit_id", "outcome", "reasons", "lines", "periods_planned", "periods_earned",
                 "rule", "computed_at", "recognised", "corrected", "version"],
                (
                    (pk, y, unit_id, "hoan_thanh" if rng.random() < (0.93 if y < year else 0.6) else "khong_hoan_thanh",
                     "[]", "[]", 120, 120, "tt19-2019 v1", now, y < year, False, 1)
                    for y in range(year - years + 1, year + 1)
                    for pk, unit_id in people
                ),
            )  # fmt: skip
        print(f"# {YearResult.objects.count()} results ({years} school years) in {time.perf_counter() - started:.1f} s",
              file=sys.stderr)  # fmt: skip
    province = Unit.objects.get(parent=None)
    if not AppraisalCycle.objects.filter(year=year).exists():
        started = time.perf_counter()
        today = timezone.localdate()
        cycle = AppraisalCycle.objects.create(
            unit=province, year=year, title=f"Đánh giá chuẩn nghề nghiệp năm học {year}-{year + 1}",
            self_assessment_from=today - timezone.timedelta(days=60), self_assessment_until=today,
            opinions_until=today, evaluation_until=today,
        )  # fmt: skip
        evaluate(cycle, rng)
        print(f"# {Appraisal.objects.filter(cycle=cycle).count()} evaluations in {time.perf_counter() - started:.1f} s",
              file=sys.stderr)  # fmt: skip
    if not UnitPlan.objects.filter(year=year).exists():
        plan_budgets(year, rng)
    vacuum()


def evaluate(cycle: AppraisalCycle, rng: random.Random) -> None:
    """About 70% of the people expected evaluated and confirmed, every criterion's level as a head would give."""
    standards = list(Standard.objects.all())
    now = timezone.now()
    people = expected_staff().select_related("unit").only("pk", "group", "levels", "position", "unit__levels")
    rows = []
    for member in people.iterator(chunk_size=BATCH):
        if rng.random() >= 0.7:
            continue
        standard = standard_for(member, cycle.self_assessment_from, standards=standards)
        if standard is None:
            continue
        levels = {str(n): rng.choice(("chua_dat", "dat", "dat", "kha", "kha", "kha", "tot", "tot", "tot", "tot"))
                  for n in range(1, standard.criteria_count + 1)}  # fmt: skip
        rating = standard.classify({int(n): code for n, code in levels.items()})
        rows.append((
            cycle.pk, member.pk, standard.pk, member.unit_id, json.dumps(levels), "{}", "", "", "", "[]", "",
            "submitted", rating, now, json.dumps(levels), "{}", "", "confirmed", rating, now, 1, now, now,
        ))  # fmt: skip
    columns = [
        "cycle_id", "staff_id", "standard_id", "unit_id", "self_levels", "self_notes", "strengths", "weaknesses",
        "development_plan", "declared_criteria", "declared_needs", "self_status", "self_rating", "self_submitted_at",
        "final_levels", "final_comments", "evaluation_comment", "evaluation_status", "final_rating", "confirmed_at",
        "version", "created_at", "updated_at",
    ]  # fmt: skip
    with transaction.atomic():
        insert(Appraisal._meta.db_table, columns, rows)


def plan_budgets(year: int, rng: random.Random) -> None:
    """A plan for every unit (80% approved) with three budget lines."""
    now = timezone.now()
    units = list(Unit.objects.order_by("depth", "pk").values_list("pk", "name"))
    with transaction.atomic():
        insert(
            UnitPlan._meta.db_table,
            ["unit_id", "year", "title", "objectives", "organisation", "outcomes", "targets", "status",
             "return_comment", "created_at", "updated_at", "version"],
            ((pk, year, f"Kế hoạch BDTX {name}", "", "", "", "", "approved" if rng.random() < 0.8 else "submitted", "",
              now, now, 1) for pk, name in units),
        )  # fmt: skip
        plans = UnitPlan.objects.filter(year=year).values_list("pk", flat=True)
        insert(
            BudgetLine._meta.db_table,
            ["plan_id", "category", "description", "quantity", "unit_label", "rate", "course_ref", "created_at",
             "version"],
            ((plan, category, "Chi bồi dưỡng", rng.randrange(1, 40), "buổi", rng.randrange(1, 20) * 100_000, "", now, 1)
             for plan in plans for category in rng.sample(CATEGORIES, 3)),
        )  # fmt: skip


def page_sql(unit: Unit, year: int) -> list[str]:
    """The SQL under the page's figures, as the page sends it: the data stamps of every source, the unit's tallies
    and its children's (captured once, then replayed straight through the cursor)."""
    children = list(Unit.objects.filter(parent=unit).values_list("pk", flat=True))
    standard = figures._standards(figures.Own(figures.own_rows([unit.pk], year).get(unit.pk, [])))
    with CaptureQueriesContext(connection) as captured:
        freshness.check(year)
        figures.own_rows([unit.pk], year)
        figures.child_rows(children, year, standard[0][0] if standard else "")
    return [query["sql"] for query in captured.captured_queries]


def raw_page_sql(queries: list[str]) -> float:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in queries:
            cursor.execute(sql)
            cursor.fetchall()
    return time.perf_counter() - started


def measure(name: str, unit: Unit, user: User, year: int) -> None:
    client = Client()
    client.force_login(user)
    url = f"{reverse('dashboards:unit', args=[unit.pk])}?year={year}"
    p50, _p95 = spread(f"dashboard_{name}{SUFFIX}", timed(client, url, RUNS))
    # Uncached: the rendered sections dropped before each request (as on the first view after the figures were
    # counted again), so the page reads and renders everything.
    spread(f"dashboard_{name}_uncached{SUFFIX}", timed(client, url, RUNS, cold=True))
    queries = page_sql(unit, year)
    raw = [raw_page_sql(queries) * 1000 for _ in range(RUNS)]
    raw_p50 = sorted(raw)[len(raw) // 2]
    line(f"dashboard_{name}_raw_sql_p50{SUFFIX}", raw_p50, "ms")
    line(f"dashboard_{name}_ratio_to_raw_sql{SUFFIX}", p50 / raw_p50, "x")


def main() -> int:
    client_settings()
    year = school_year_of(timezone.localdate())
    if NATIONAL_DB:
        national(year)
        return 0
    build(year)
    started = time.perf_counter()
    written = aggregates.refresh(year)
    line(f"dashboard_tally_refresh_100k{SUFFIX}", time.perf_counter() - started, "s")
    line(f"dashboard_tally_refresh_100k_rows{SUFFIX}", sum(written.values()), "rows", 0)
    assert services.ensure_fresh(year)[0].fresh
    province = Unit.objects.get(parent=None, kind=UnitKind.DEPARTMENT)
    officer = User.objects.get(username="so.chuyenvien")
    measure("province", province, officer, year)
    client = Client()
    client.force_login(officer)
    api = f"/api/v1/dashboards/units/{province.pk}/?year={year}"
    spread(f"dashboard_province_api{SUFFIX}", timed(client, api, RUNS))
    stamps = []
    for _ in range(RUNS):
        started = time.perf_counter()
        freshness.check(year)
        stamps.append((time.perf_counter() - started) * 1000)
    line(f"dashboard_freshness_check_p50{SUFFIX}", sorted(stamps)[len(stamps) // 2], "ms")
    head = (
        RoleAssignment.objects.filter(role=Role.SCHOOL_ADMIN, unit__kind=UnitKind.SCHOOL).select_related("user", "unit")
    ).first()
    if head is not None:
        school_client = Client()
        school_client.force_login(head.user)
        url = f"{reverse('dashboards:unit', args=[head.unit.pk])}?year={year}"
        spread(f"dashboard_school{SUFFIX}", timed(school_client, url, RUNS))
    if not POSTGRES and os.environ.get("BENCH_POSTGRES_URL"):
        return postgres_rerun(__file__, "BENCH_DASHBOARDS_POSTGRES", "dashboards", "list")
    if POSTGRES and os.environ.get("BENCH_NATIONAL") and os.environ.get("BENCH_POSTGRES_URL"):
        connection.close()  # the copy needs the province's database without connections
        return postgres_rerun(__file__, "BENCH_DASHBOARDS_NATIONAL", "national", "dashboards")
    return 0


# The nation (PostgreSQL, opt-in) ------------------------------------------------------------------------------


def national(year: int) -> None:
    """Twelve copies of the province (its units, working staff, results of the year and evaluations) beside it under
    a Ministry, by INSERT … SELECT with shifted ids; then the whole tally count and the Ministry's dashboard."""
    ministry = Unit.objects.filter(kind=UnitKind.MINISTRY, parent=None).first()
    if ministry is None:
        started = time.perf_counter()
        build_nation(year)
        print(f"# nation built in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        ministry = Unit.objects.get(kind=UnitKind.MINISTRY, parent=None)
    staff = StaffMember.objects.count()
    print(f"# nation: {staff} staff, {Unit.objects.count()} units", file=sys.stderr)
    started = time.perf_counter()
    aggregates.refresh(year)
    line("dashboard_tally_refresh_national_postgres", time.perf_counter() - started, "s")
    admin, _created = User.objects.get_or_create(username="bo.chuyenvien", defaults={"full_name": "Chuyên viên Bộ"})
    RoleAssignment.objects.get_or_create(user=admin, role=Role.PROVINCE_OFFICER, unit=ministry)
    measure("national", ministry, admin, year)


def build_nation(year: int) -> None:
    province = Unit.objects.get(parent=None)
    largest = max(
        model.objects.aggregate(m=Max("pk"))["m"] or 0 for model in (Unit, StaffMember, Appraisal, YearResult)
    )
    shift = 10 ** len(str(largest))  # copy k of an id is id + k × shift
    with transaction.atomic():
        ministry = Unit.objects.create(code="BO", name="Bộ Giáo dục và Đào tạo", kind=UnitKind.MINISTRY)
        Unit.objects.filter(pk=ministry.pk).update(path=f"/{ministry.pk}/", depth=0)
        Unit.objects.filter(pk=province.pk).update(parent=ministry)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE organisations_unit SET path = %s || substr(path, 2), depth = depth + 1 WHERE id <> %s",
                [f"/{ministry.pk}/", ministry.pk],
            )
            for copy in range(1, PROVINCES):
                offset = copy * shift
                cursor.execute(
                    """INSERT INTO organisations_unit (id, code, name, kind, levels, parent_id, path, depth, admin_code,
                       active, created_at, updated_at)
                       SELECT id + %(o)s, 'P' || %(c)s || '.' || code, name || ' (' || %(c)s || ')', kind, levels,
                              CASE WHEN id = %(p)s THEN %(m)s ELSE parent_id + %(o)s END,
                              '', depth, admin_code, active, created_at, updated_at
                       FROM organisations_unit WHERE path LIKE %(prefix)s""",
                    {
                        "o": offset,
                        "c": str(copy),
                        "p": province.pk,
                        "m": ministry.pk,
                        "prefix": f"/{ministry.pk}/{province.pk}/%",
                    },
                )
                # The path of each copied unit: the Ministry, then its ancestors' copied ids.
                cursor.execute(
                    """UPDATE organisations_unit u SET path = (
                         SELECT %(mp)s || string_agg((part::bigint + %(o)s)::text, '/' ORDER BY n) || '/'
                         FROM unnest(string_to_array(trim(both '/' from o.path), '/')) WITH ORDINALITY AS t(part, n)
                         WHERE n > 1)
                       FROM organisations_unit o WHERE o.id = u.id - %(o)s AND u.id > %(o)s AND u.id < %(o)s + %(s)s""",
                    {"mp": f"/{ministry.pk}/", "o": offset, "s": shift},
                )
                cursor.execute(
                    """INSERT INTO staff_staffmember (id, code, full_name, family_name, middle_name, given_name,
                       sort_key, search_text, birth_date, gender, citizen_id, ethnicity, unit_id, position, "group",
                       levels, subjects, qualification, professional_title, is_core, phone, email, joined_on, status,
                       version, created_at, updated_at)
                       SELECT id + %(o)s, 'P' || %(c)s || '.' || code, full_name, family_name, middle_name, given_name,
                              sort_key, search_text, birth_date, gender, NULL, ethnicity, unit_id + %(o)s, position,
                              "group", levels, subjects, qualification, professional_title, is_core, phone, '',
                              joined_on, status, version, created_at, updated_at
                       FROM staff_staffmember WHERE id < %(s)s""",
                    {"o": offset, "c": str(copy), "s": shift},
                )
                cursor.execute(
                    """INSERT INTO results_yearresult (id, staff_id, year, unit_id, outcome, reasons, lines,
                       periods_planned, periods_earned, rule, computed_at, recognised, corrected, version)
                       SELECT id + %(o)s, staff_id + %(o)s, year, unit_id + %(o)s, outcome, reasons, lines,
                              periods_planned, periods_earned, rule, computed_at, recognised, corrected, version
                       FROM results_yearresult WHERE year = %(y)s AND id < %(s)s""",
                    {"o": offset, "y": year, "s": shift},
                )
                cursor.execute(
                    """INSERT INTO appraisals_appraisal (id, cycle_id, staff_id, standard_id, unit_id, self_levels,
                       self_notes, strengths, weaknesses, development_plan, declared_criteria, declared_needs,
                       self_status, self_rating, self_submitted_at, final_levels, final_comments, evaluation_comment,
                       evaluation_status, final_rating, confirmed_at, version, created_at, updated_at)
                       SELECT id + %(o)s, cycle_id, staff_id + %(o)s, standard_id, unit_id + %(o)s, self_levels,
                              self_notes, strengths, weaknesses, development_plan, declared_criteria, declared_needs,
                              self_status, self_rating, self_submitted_at, final_levels, final_comments,
                              evaluation_comment, evaluation_status, final_rating, confirmed_at, version, created_at,
                              updated_at
                       FROM appraisals_appraisal WHERE id < %(s)s""",
                    {"o": offset, "s": shift},
                )
            for table in ("organisations_unit", "staff_staffmember", "results_yearresult", "appraisals_appraisal"):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
    vacuum()


if __name__ == "__main__":
    sys.exit(main())

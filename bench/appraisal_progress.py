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
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    BENCH_DIR,
    against_raw_sql,
    client_settings,
    median_school_head,
    postgres_rerun,
    raw_ms,
    seed_province,
    setup_django,
    sqlite_from,
    timed,
    vacuum,
)

STAFF = int(os.environ.get("BENCH_STAFF", "100000"))
RUNS = int(os.environ.get("BENCH_RUNS", "30"))
DB = Path(os.environ.get("BENCH_APPRAISAL_DB", BENCH_DIR / "appraisal.sqlite3")).resolve()
LIST_DB = BENCH_DIR / "list.sqlite3"

# BENCH_APPRAISAL_POSTGRES (set by this script for its second pass) names a PostgreSQL database of its own.
POSTGRES = os.environ.get("BENCH_APPRAISAL_POSTGRES", "")
SUFFIX = "_postgres" if POSTGRES else ""

# This database only (a copy of the staff list bench's SQLite database, or PostgreSQL), and settings fit for timing.
setup_django(POSTGRES or sqlite_from(DB, LIST_DB), DEBUG="0")

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from bdtx.accounts.models import User  # noqa: E402
from bdtx.appraisals.models import Appraisal, AppraisalCycle  # noqa: E402
from bdtx.appraisals.progress import Subtree, expected_staff, not_submitted, progress, progress_counts  # noqa: E402
from bdtx.lib.schoolyear import school_year_of  # noqa: E402
from bdtx.organisations.models import Unit  # noqa: E402
from bdtx.rules.models import Standard  # noqa: E402
from bdtx.rules.standards import standard_for  # noqa: E402

BATCH = 5000


def build() -> AppraisalCycle:
    seed_province(STAFF)
    call_command("load_standards", verbosity=0)
    province = Unit.objects.get(parent=None)
    year = school_year_of(timezone.localdate())
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
    vacuum()
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


def report(name: str, times: list[float], raw: list[float]) -> None:
    against_raw_sql(f"appraisal_progress{SUFFIX}_{name}", times, raw)


def main() -> int:
    cycle = build()
    client_settings()
    url = reverse("appraisals:cycle-detail", args=[cycle.pk])
    officer = User.objects.get(username="so.chuyenvien")
    province = Unit.objects.get(parent=None)
    client = Client()
    client.force_login(officer)
    expected, appraisals = progress_counts(cycle, Subtree.of(province))
    # Warm, the page counts the appraisals alone (the expected people are kept until the registry changes).
    report("province", timed(client, url, RUNS), raw_ms([appraisals], RUNS))
    report("province_cold", timed(client, url, RUNS, cold=True), raw_ms([expected, appraisals], RUNS))

    # A principal of a school of median size, on their own page (the school's counts and the list to chase).
    head, sizes = median_school_head()
    client = Client()
    client.force_login(head.user)
    school_times = timed(client, url, RUNS)
    page = list(not_submitted(cycle, [head.unit_id])[:50])
    school_counts = [*progress_counts(cycle, Subtree.of(head.unit)), not_submitted(cycle, [head.unit_id])[:50]]
    school_raw = raw_ms(school_counts, RUNS)
    report("school", school_times, school_raw)
    total, _rows = progress(cycle, Subtree.of(province))
    print(
        f"# {Unit.objects.count()} units, {total.expected} expected, {total.started} started, {total.submitted} "
        f"submitted, {total.evaluated} confirmed; school {head.unit.code}: {sizes.get(head.unit_id)} expected, "
        f"{len(page)} on the first page to chase; {RUNS} runs each",
        file=sys.stderr,
    )
    if not POSTGRES and os.environ.get("BENCH_POSTGRES_URL"):
        return postgres_rerun(__file__, "BENCH_APPRAISAL_POSTGRES", "appraisal", "list")
    return 0


if __name__ == "__main__":
    sys.exit(main())

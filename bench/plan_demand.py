"""Plan pages on a 100,000-person province: the province's demand view (modules × units, classes needed), the
personal-plan progress pages and a teacher's own plan page, against the grouped queries underneath.

Starts from the staff list bench's database (var/bench/list.sqlite3, `seed_demo --staff 100000`: about 3,300
schools), copied once to var/bench/plans.sqlite3, never the development database; seeds it itself when that file
is missing. Adds the rule data (standards, programmes, modules at 10 periods each), the Sở's plan for this school
year (01 and 02 topics, every module offered) and, with bulk inserts, a personal plan for about 90% of the people
a programme applies to: about 80% approved with 3–4 modules, the rest submitted, returned or in draft. Then,
through Django's test client after a warm-up:

    plan_demand_province_p50 / _p95: the Sở officer's demand page (every module, one row per commune and
        upper-secondary school, classes needed at 40 a class); target p95 ≤ 500 ms. The province's counts are
        kept until the next decision on a plan, so _province_cold_ also gives the page counting everything anew
        (cache emptied each time); both against the two counting queries sent raw (a warm ratio below 1: the
        page costs less than counting)
    plan_progress_province_p50 / _p95: the Sở officer's progress page (expected people per unit are kept until the
        staff registry changes, as on the appraisal page); _province_cold_ with the cache emptied each time
    plan_progress_school_p50 / _p95: a principal's progress page (their counts and the first 50 without an
        approved plan, in Vietnamese name order)
    plan_personal_page_p50 / _p95: a teacher's own plan page (plans:personal: balance, topics, modules offered with
        the suggestions); target p95 ≤ 100 ms
    *_raw_sql_p50 and _ratio_to_raw_sql: the pages' counting queries sent straight through the cursor

With BENCH_POSTGRES_URL set (make bench starts a throw-away server), the same is measured on PostgreSQL in a
database of its own (copied from the staff list bench's database when it is there), printed as *_postgres_*.

Environment: BENCH_STAFF=100000, BENCH_RUNS=30, BENCH_PLANS_DB=var/bench/plans.sqlite3, BENCH_REBUILD=1."""

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
DB = Path(os.environ.get("BENCH_PLANS_DB", BENCH_DIR / "plans.sqlite3")).resolve()
LIST_DB = BENCH_DIR / "list.sqlite3"

# BENCH_PLANS_POSTGRES (set by this script for its second pass) names a PostgreSQL database of its own.
POSTGRES = os.environ.get("BENCH_PLANS_POSTGRES", "")
SUFFIX = "_postgres" if POSTGRES else ""

# This database only (a copy of the staff list bench's SQLite database, or PostgreSQL), and settings fit for timing.
setup_django(POSTGRES or sqlite_from(DB, LIST_DB), DEBUG="0")

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from bdtx.accounts.models import User  # noqa: E402
from bdtx.appraisals.progress import Subtree, expected_staff  # noqa: E402
from bdtx.catalog.models import TrainingModule  # noqa: E402
from bdtx.lib.schoolyear import school_year_of  # noqa: E402
from bdtx.organisations.models import Unit  # noqa: E402
from bdtx.plans import services  # noqa: E402
from bdtx.plans.models import PersonalPlan, PersonalPlanItem, PlanStatus, PlanTopic, UnitPlan  # noqa: E402
from bdtx.plans.reports import (  # noqa: E402
    demand,
    demand_counts,
    plan_progress,
    plan_progress_counts,
    without_approved_plan,
)
from bdtx.rules.models import Programme  # noqa: E402
from bdtx.rules.standards import matches, person_levels  # noqa: E402

BATCH = 5000
MODULE_PERIODS = 10
TOPICS = [("01", "Triển khai nhiệm vụ năm học", 40), ("02", "Giáo dục địa phương tỉnh Lai Châu", 40)]


def build() -> int:
    seed_province(STAFF)
    year = school_year_of(timezone.localdate())
    if PersonalPlan.objects.filter(year=year).exists():
        return year
    started = time.perf_counter()
    for command in ("load_standards", "load_programmes", "load_modules"):
        call_command(command, verbosity=0)
    TrainingModule.objects.filter(periods__isnull=True).update(periods=MODULE_PERIODS)
    province = Unit.objects.get(parent=None)
    officer = User.objects.get(username="so.chuyenvien")
    so_plan = UnitPlan.objects.filter(unit=province, year=year).first() or services.create_unit_plan(
        unit=province, year=year, by=officer
    )
    if not so_plan.topics.exists():
        PlanTopic.objects.bulk_create(
            PlanTopic(plan=so_plan, content=content, title=title, periods=periods, position=index)
            for index, (content, title, periods) in enumerate(TOPICS)
        )
    so_plan.modules.set(TrainingModule.objects.filter(active=True))
    fill(so_plan, year)
    vacuum()
    print(
        f"# {PersonalPlan.objects.filter(year=year).count()} personal plans, "
        f"{PersonalPlanItem.objects.filter(plan__year=year).count()} items in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    return year


def fill(so_plan: UnitPlan, year: int) -> None:
    """About 90% of the people a programme applies to get a plan: 80% approved, 4% submitted, 2% returned, the rest
    in draft; each with the Sở's two topics and 3–4 modules of their programme (topics only where none exist)."""
    rng = random.Random(2026)
    programmes = list(Programme.objects.order_by("code"))
    modules: dict[int, list[TrainingModule]] = {p.pk: [] for p in programmes}
    for module in TrainingModule.objects.filter(active=True).order_by("code"):
        modules.setdefault(module.programme_id, []).append(module)
    topics = list(so_plan.topics.all())
    now = timezone.now()
    people = expected_staff().select_related("unit").only("pk", "group", "levels", "position", "unit__levels")
    plans, chosen = [], []

    def flush():
        with transaction.atomic():
            PersonalPlan.objects.bulk_create(plans)
            PersonalPlanItem.objects.bulk_create(
                item
                for plan, picked in zip(plans, chosen, strict=True)
                for item in [
                    *(PersonalPlanItem(plan=plan, content=t.content, topic=t, periods=t.periods) for t in topics),
                    *(PersonalPlanItem(plan=plan, content=m.content, module=m, periods=m.periods) for m in picked),
                ]
            )
        plans.clear()
        chosen.clear()

    for member in people.iterator(chunk_size=BATCH):
        draw = rng.random()
        if draw >= 0.9:
            continue
        programme = next(
            (p for p in programmes if matches(p.applies_to, member.group, person_levels(member), member.position)),
            None,
        )
        if programme is None:
            continue
        status = (
            PlanStatus.APPROVED
            if draw < 0.8
            else PlanStatus.SUBMITTED
            if draw < 0.84
            else PlanStatus.RETURNED
            if draw < 0.86
            else PlanStatus.DRAFT
        )
        offered = modules.get(programme.pk, [])
        picked = rng.sample(offered, min(len(offered), rng.choice((3, 4)))) if offered else []
        plans.append(
            PersonalPlan(
                staff_id=member.pk,
                year=year,
                unit_id=member.unit_id,
                unit_plan=so_plan,
                programme=programme,
                status=status,
                submitted_at=now if status != PlanStatus.DRAFT else None,
                decided_at=now if status in (PlanStatus.APPROVED, PlanStatus.RETURNED) else None,
            )
        )
        chosen.append(picked)
        if len(plans) >= BATCH:
            flush()
    flush()


def report(name: str, times: list[float], raw: list[float] | None = None) -> None:
    against_raw_sql(f"plan_{name.replace('@', SUFFIX)}", times, raw)


def own_plan_owner(year: int) -> tuple[User, PersonalPlan] | None:
    """A teacher with an account and a plan under the general-education programme, their plan set back to a draft
    with two modules (the page then shows the balance short of periods and the suggestions)."""
    plan = (
        PersonalPlan.objects.filter(year=year, staff__user__isnull=False, programme__code="tt17-2019")
        .select_related("staff__user")
        .order_by("pk")
        .first()
    )
    if plan is None:
        return None
    PersonalPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.DRAFT, submitted_at=None, decided_at=None)
    plan.refresh_from_db()
    keep = list(plan.items.filter(module__isnull=False).order_by("pk").values_list("module_id", flat=True))[:2]
    plan.items.filter(module__isnull=False).exclude(module_id__in=keep).delete()
    return plan.staff.user, plan


def main() -> int:
    year = build()
    client_settings()
    query = f"?year={year}-{year + 1}"
    officer = User.objects.get(username="so.chuyenvien")
    province = Unit.objects.get(parent=None)
    subtree = Subtree.of(province)
    client = Client()
    client.force_login(officer)

    demand_url, counts = reverse("plans:demand") + query, raw_ms(demand_counts(year, subtree), RUNS)
    report("demand_province@", timed(client, demand_url, RUNS), counts)
    report("demand_province_cold@", timed(client, demand_url, RUNS, cold=True), counts)
    expected, plans = plan_progress_counts(year, subtree)
    progress_url = reverse("plans:progress") + query
    report("progress_province@", timed(client, progress_url, RUNS), raw_ms([plans], RUNS))
    report("progress_province_cold@", timed(client, progress_url, RUNS, cold=True), raw_ms([expected, plans], RUNS))

    # A principal of a school of median size, on their own page (the school's counts and the list to chase).
    head, sizes = median_school_head()
    client = Client()
    client.force_login(head.user)
    school_times = timed(client, progress_url, RUNS)
    school_counts = [
        *plan_progress_counts(year, Subtree.of(head.unit)),
        without_approved_plan(year, [head.unit_id])[:50],
    ]
    report("progress_school@", school_times, raw_ms(school_counts, RUNS))

    owner = own_plan_owner(year)
    try:
        url = reverse("plans:personal", args=[owner[1].pk]) if owner else None
    except NoReverseMatch:
        url = None
    if url:
        client = Client()
        client.force_login(owner[0])
        report("personal_page@", timed(client, url, RUNS))
    result = demand(year, subtree)
    total, _rows = plan_progress(year, subtree)
    print(
        f"# {Unit.objects.count()} units; {total.expected} expected, {total.started} plans, {total.approved} approved; "
        f"demand: {result.total.places} module choices in {len(result.modules)} modules, {result.total.classes} "
        f"classes of 40 over {len(result.units)} units; school {head.unit.code}: {sizes.get(head.unit_id)} expected; "
        f"{RUNS} runs each",
        file=sys.stderr,
    )
    if not POSTGRES and os.environ.get("BENCH_POSTGRES_URL"):
        return postgres_rerun(__file__, "BENCH_PLANS_POSTGRES", "plans", "list")
    return 0


if __name__ == "__main__":
    sys.exit(main())

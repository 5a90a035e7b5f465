"""Counting the kept figures (tallies) of a school year from the source tables, and writing them.

Each metric is counted by one grouped query (or one pass over a year's confirmed evaluations, for the per-criterion
levels kept in JSON), giving the people of every unit by (staff group, level, bucket, detail). Every unit's row is
then added to each unit above it by the units' materialised `path`, so that a page reads only its own unit's rows and
its children's, whatever the size of the subtree. bdtx/dashboards/metrics.py says what each metric counts.

People are counted at the unit where they work now, with their levels (the unit's when theirs are blank), for every
school year: a year's figures are those of the registry as it stands, with that year's results, ratings and plans."""

import calendar
import dataclasses
import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable

from django.db import connection, transaction
from django.db.models import Count, FilteredRelation, OuterRef, Q, Subquery
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone

from bdtx.appraisals.models import Appraisal
from bdtx.appraisals.progress import expected_staff
from bdtx.organisations.models import Unit
from bdtx.plans.models import BudgetLine, PlanStatus, UnitPlan
from bdtx.plans.reports import line_amount
from bdtx.results.models import ResultOutcome
from bdtx.rules.retirement import retirement_rule
from bdtx.staff.models import StaffGroup, StaffMember, Status

from . import freshness, workforce
from .models import Metric, Tally, TallyState

# Years of the retirement forecast: the viewed school year and the four after it.
FORECAST_YEARS = 5
NONE = "none"  # the bucket of people with no result / no confirmed rating
PEOPLE, CORE, CORE_COMPLETED = "people", "core", "core_completed"
EVALUATED, PAST = "evaluated", "past"
APPROVED, PENDING, PLANS = "approved", "pending", "plans"
GROUPS = (StaffGroup.TEACHER, StaffGroup.MANAGER)
Key = tuple[int, str, str, str, str]  # unit id, group, level, bucket, detail


@dataclasses.dataclass
class Tree:
    """Every unit's ancestors (itself included) and levels: two columns of the unit table, read once per count."""

    chain: dict[int, tuple[int, ...]]
    levels: dict[int, str]

    @classmethod
    def load(cls) -> "Tree":
        chain, levels = {}, {}
        for pk, path, unit_levels in Unit.objects.order_by().values_list("pk", "path", "levels"):
            chain[pk] = tuple(int(part) for part in path.strip("/").split("/") if part) or (pk,)
            levels[pk] = unit_levels
        return cls(chain=chain, levels=levels)

    def level(self, levels: str, unit_id: int) -> str:
        return levels or self.levels.get(unit_id, "")


def roll_up(direct: dict[Key, int], tree: Tree) -> dict[Key, int]:
    """Each unit's counts added to itself and every unit above it."""
    totals: dict[Key, int] = defaultdict(int)
    for (unit_id, *rest), n in direct.items():
        if not n:
            continue
        for above in tree.chain.get(unit_id, (unit_id,)):
            totals[(above, *rest)] += n
    return totals


def working_staff():
    """People at work in the teacher and manager groups (employees are not counted by any metric)."""
    return StaffMember.objects.filter(status=Status.WORKING, group__in=GROUPS).order_by()


# The metrics -------------------------------------------------------------------------------------------


def count_completion(year: int, tree: Tree) -> dict[Key, int]:
    """People expected to have a result (working teachers and managers, less those teaching only continuing
    education) by their result of the year: hoan_thanh / khong_hoan_thanh / none. One grouped query."""
    people = (
        expected_staff()
        .order_by()
        .annotate(result=FilteredRelation("bdtx_results", condition=Q(bdtx_results__year=year)))
    )
    direct: dict[Key, int] = defaultdict(int)
    rows = people.values_list("unit_id", "group", "levels", "result__outcome").annotate(n=Count("pk"))
    for unit_id, group, levels, outcome, n in rows:
        direct[(unit_id, group, tree.level(levels, unit_id), outcome or NONE, "")] += n
    return direct


def count_ratings(year: int, tree: Tree) -> dict[Key, int]:
    """People expected to be appraised by the final rating of their confirmed evaluation in the year's cycle
    (tot / kha / dat / chua_dat), or none. One grouped query (the latest confirmation when there are two)."""
    confirmed = Appraisal.objects.filter(
        staff_id=OuterRef("pk"), cycle__year=year, evaluation_status=Appraisal.EvaluationStatus.CONFIRMED
    ).order_by("-confirmed_at", "-pk")
    people = expected_staff().order_by().annotate(rating=Subquery(confirmed.values("final_rating")[:1]))
    direct: dict[Key, int] = defaultdict(int)
    for unit_id, group, levels, rating, n in people.values_list("unit_id", "group", "levels", "rating").annotate(
        n=Count("pk")
    ):
        direct[(unit_id, group, tree.level(levels, unit_id), rating or NONE, "")] += n
    return direct


def count_qualifications(year: int, tree: Tree) -> dict[Key, int]:
    """Working teachers and managers by degree (bucket; blank when not recorded) and verdict on the standard of Luật
    Giáo dục 2019 Điều 72 for their level (detail: meets / below / not_recorded / no_standard). One grouped query."""
    direct: dict[Key, int] = defaultdict(int)
    rows = working_staff().values_list("unit_id", "group", "levels", "qualification").annotate(n=Count("pk"))
    for unit_id, group, levels, qualification, n in rows:
        level = tree.level(levels, unit_id)
        direct[(unit_id, group, level, qualification, workforce.standard_verdict(qualification, level))] += n
    return direct


def count_upgrade(year: int, tree: Tree) -> dict[Key, int]:
    """Working teachers and managers below the standard, by their verdict under Nghị định 71/2020 Điều 2: must /
    exempt / hired_after / not_covered / unknown (workforce.upgrade_verdict). One grouped query over those whose
    degree is below a bachelor's (the highest standard), by birth month and gender (all the decree needs)."""
    rules = workforce.qualification_rules()
    highest = max(rules.ranks[degree] for degree in rules.standard.values())
    below = [code for code, rank in rules.ranks.items() if rank < highest]
    people = working_staff().filter(qualification__in=below)
    hired_after = Q(joined_on__gt=rules.reference_date)
    rows = (
        people.annotate(born_year=ExtractYear("birth_date"), born_month=ExtractMonth("birth_date"))
        .values_list("unit_id", "group", "levels", "qualification", "gender", "born_year", "born_month")
        .annotate(n=Count("pk"), after=Count("pk", filter=hired_after))
    )
    direct: dict[Key, int] = defaultdict(int)
    for unit_id, group, levels, qualification, gender, born_year, born_month, n, after in rows:
        level = tree.level(levels, unit_id)
        born = dt.date(born_year, born_month, 1) if born_year else None
        if after:
            verdict = workforce.upgrade_verdict(
                qualification=qualification, levels=level, birth=born, gender=gender, joined_on=dt.date.max
            )
            if verdict is not None:
                direct[(unit_id, group, level, verdict, "")] += after
        if n - after:
            verdict = workforce.upgrade_verdict(qualification=qualification, levels=level, birth=born, gender=gender)
            if verdict is not None:
                direct[(unit_id, group, level, verdict, "")] += n - after
    return direct


def count_retirement(year: int, tree: Tree) -> dict[Key, int]:
    """Working teachers and managers reaching their retirement date in the school year and the four after it
    (bucket: that school year), or already past it and still at work (bucket: past), by level and subjects taught
    (detail). One grouped query over those old enough to retire by then (the youngest retirement age of the rule)."""
    rule = retirement_rule()
    youngest = min(min(rule.before_roadmap.values()), *(age for steps in rule.roadmap.values() for _year, age in steps))
    last_day = dt.date(year + FORECAST_YEARS, 7, 31)  # the end of the last school year of the forecast
    months = last_day.year * 12 + last_day.month - 1 - youngest
    born_year, born_month = divmod(months, 12)
    born_by = dt.date(born_year, born_month + 1, calendar.monthrange(born_year, born_month + 1)[1])
    people = working_staff().filter(birth_date__lte=born_by)
    rows = (
        people.annotate(born_year=ExtractYear("birth_date"), born_month=ExtractMonth("birth_date"))
        .values_list("unit_id", "group", "levels", "subjects", "gender", "born_year", "born_month")
        .annotate(n=Count("pk"))
    )
    direct: dict[Key, int] = defaultdict(int)
    for unit_id, group, levels, subjects, gender, born_year, born_month, n in rows:
        retires = workforce.retirement_year(dt.date(born_year, born_month, 1), gender)
        if retires is None or retires >= year + FORECAST_YEARS:
            continue
        bucket = PAST if retires < year else str(retires)
        direct[(unit_id, group, tree.level(levels, unit_id), bucket, " ".join(subjects.split())[:120])] += n
    return direct


def count_needs(year: int, tree: Tree) -> dict[Key, int]:
    """The training-needs heat map: for the confirmed evaluations of the year's cycle of people at work, per
    standard the people evaluated (bucket evaluated, detail the standard's code) and per criterion those whose level
    on it is Chưa đạt or Đạt (bucket chua_dat / dat, detail "standard:number"). One pass over the year's confirmed
    evaluations (their levels are JSON)."""
    evaluations = (
        Appraisal.objects.filter(
            cycle__year=year,
            evaluation_status=Appraisal.EvaluationStatus.CONFIRMED,
            staff__status=Status.WORKING,
        )
        .order_by()
        .values_list("staff_id", "staff__unit_id", "standard__code", "final_levels")
    )
    direct: dict[Key, int] = defaultdict(int)
    seen: set[int] = set()
    for staff_id, unit_id, standard, levels in evaluations.iterator(chunk_size=5000):
        if staff_id in seen:
            continue  # two confirmed evaluations in one year (a transfer between two cycles): the first counts
        seen.add(staff_id)
        direct[(unit_id, "", "", EVALUATED, standard)] += 1
        for number, code in (levels or {}).items():
            if code in ("chua_dat", "dat"):
                direct[(unit_id, "", "", code, f"{standard}:{number}")] += 1
    return direct


def count_budget(year: int, tree: Tree) -> dict[Key, int]:
    """The budgets of the year's unit plans, in đồng by spending category (bucket) and approval (detail: approved /
    pending), each at the plan's unit; and the number of plans (bucket plans). Two queries."""
    direct: dict[Key, int] = defaultdict(int)
    for unit_id, status, n in (
        UnitPlan.objects.filter(year=year).order_by().values_list("unit_id", "status").annotate(n=Count("pk"))
    ):
        direct[(unit_id, "", "", PLANS, APPROVED if status == PlanStatus.APPROVED else PENDING)] += n
    lines = (
        BudgetLine.objects.filter(plan__year=year)
        .order_by()
        .values_list("plan__unit_id", "plan__status", "category", "quantity", "rate")
    )
    for unit_id, status, category, quantity, rate in lines.iterator(chunk_size=5000):
        state = APPROVED if status == PlanStatus.APPROVED else PENDING
        direct[(unit_id, "", "", category, state)] += line_amount(quantity, rate)
    return direct


def count_core(year: int, tree: Tree) -> dict[Key, int]:
    """Working teachers and managers (bucket people), the core teachers among them (core) and the core teachers
    whose result of the year is completed (core_completed). One grouped query."""
    people = working_staff().annotate(result=FilteredRelation("bdtx_results", condition=Q(bdtx_results__year=year)))
    completed = Q(is_core=True, result__outcome=ResultOutcome.COMPLETED)
    rows = people.values_list("unit_id", "group", "levels").annotate(
        n=Count("pk"), core=Count("pk", filter=Q(is_core=True)), done=Count("pk", filter=completed)
    )
    direct: dict[Key, int] = defaultdict(int)
    for unit_id, group, levels, n, core, done in rows:
        level = tree.level(levels, unit_id)
        direct[(unit_id, group, level, PEOPLE, "")] += n
        direct[(unit_id, group, level, CORE, "")] += core
        direct[(unit_id, group, level, CORE_COMPLETED, "")] += done
    return direct


COUNTERS: dict[str, Callable[[int, Tree], dict[Key, int]]] = {
    Metric.COMPLETION: count_completion,
    Metric.RATINGS: count_ratings,
    Metric.QUALIFICATIONS: count_qualifications,
    Metric.UPGRADE: count_upgrade,
    Metric.RETIREMENT: count_retirement,
    Metric.NEEDS: count_needs,
    Metric.BUDGET: count_budget,
    Metric.CORE: count_core,
}


# Writing ------------------------------------------------------------------------------------------------

COLUMNS = ("year", "unit_id", "metric", "group", "level", "bucket", "detail", "count")
BATCH = 5000


def write(year: int, metric: str, totals: dict[Key, int], *, stamp: dict, seconds: float) -> int:
    """Replace the metric's tallies of the year (one transaction: a page sees the old set or the new one) and
    record when and from which data stamp they were counted. Returns the number of rows."""
    quote = connection.ops.quote_name
    table = quote(Tally._meta.db_table)
    columns = ", ".join(quote(Tally._meta.get_field(name.removesuffix("_id")).column) for name in COLUMNS)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"
    rows = [
        (year, unit_id, metric, group, level, bucket, detail, n)
        for (unit_id, group, level, bucket, detail), n in totals.items()
        if n
    ]
    with transaction.atomic():
        Tally.objects.filter(year=year, metric=metric).delete()
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # COPY: about twenty times faster than a prepared INSERT per row on PostgreSQL.
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                for start in range(0, len(rows), BATCH):
                    cursor.executemany(sql, rows[start : start + BATCH])
        TallyState.objects.update_or_create(
            year=year,
            metric=metric,
            defaults={"stamp": stamp, "counted_at": timezone.now(), "seconds": round(seconds, 3), "rows": len(rows)},
        )
    return len(rows)


def refresh(year: int, metrics=None, *, progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """Count the given metrics (all by default) of a school year again and write them; {metric: rows written}.
    The data stamp is taken before counting: a change made while counting leaves the figures marked as old, and the
    next page counts again."""
    metrics = [metric for metric in Metric.values if metrics is None or metric in metrics]
    stamps = freshness.current_stamps(year, metrics)
    tree = Tree.load()
    written = {}
    for done, metric in enumerate(metrics):
        started = time.perf_counter()
        totals = roll_up(COUNTERS[metric](year, tree), tree)
        written[metric] = write(
            year,
            metric,
            totals,
            stamp=freshness.stamp_for(metric, stamps),
            seconds=time.perf_counter() - started,
        )
        if progress:
            progress(done + 1, len(metrics))
    return written

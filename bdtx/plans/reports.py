"""The counting behind the plan pages: budgets rolled up by unit, demand for modules, personal-plan progress.

As in bdtx/appraisals/progress.py, every figure is one grouped query by unit_id over the viewed unit's subtree
(or, at the top of a tree, over everything), rolled up in Python to the viewed unit's children by the units'
materialised `path` (appraisals.progress.Subtree)."""

import dataclasses
import math
from collections import Counter, defaultdict

from django.core.cache import cache
from django.db import connections
from django.db.models import CharField, Count, Exists, OuterRef, Q, StringAgg, Subquery, Value
from django.db.models.functions import Cast

from bdtx.appraisals.progress import Subtree, expected_staff, percent, registry_version
from bdtx.catalog.models import TrainingModule
from bdtx.organisations.models import Unit

from .models import BudgetLine, CostCategory, PersonalPlan, PersonalPlanItem, PlanEvent, PlanStatus, UnitPlan

DEFAULT_CLASS_SIZE = 40
MAX_CLASS_SIZE = 500
# The expected people of a whole tree are kept this long at most (sooner dropped when the registry changes).
EXPECTED_CACHE_SECONDS = 600
DEMAND_CACHE_SECONDS = 600


def _in_subtree(queryset, subtree: Subtree, field: str = "unit_id"):
    """At the top of a tree there is no unit filter (the roll-up drops units outside); below, the subtree's ids."""
    if subtree.root.parent_id is None:
        return queryset
    return queryset.filter(**{f"{field}__in": subtree.unit_ids()})


def line_amount(quantity, rate) -> int:
    """The amount of a line as BudgetLine.amount computes it, from plain values."""
    return int(round(quantity * rate))


# Budgets --------------------------------------------------------------------------------------------------


@dataclasses.dataclass
class BudgetTotals:
    """Amounts by category (CostCategory code → đồng) and their sum."""

    by_category: dict[str, int] = dataclasses.field(default_factory=lambda: defaultdict(int))
    plans: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_category.values())

    def add(self, category: str, amount: int) -> None:
        self.by_category[category] += amount

    def amounts(self, categories: list[str]) -> list[int]:
        return [self.by_category.get(code, 0) for code in categories]


@dataclasses.dataclass
class BudgetCategory:
    code: str
    label: str
    lines: list[BudgetLine]

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)


def budget_by_category(plan: UnitPlan) -> list[BudgetCategory]:
    """The plan's lines grouped by category in the order of TT 36/2018 (CostCategory), empty ones left out.
    One query."""
    lines = defaultdict(list)
    for line in BudgetLine.objects.filter(plan=plan).select_related("rate_card").order_by("category", "pk"):
        lines[line.category].append(line)
    return [BudgetCategory(code, str(label), lines[code]) for code, label in CostCategory.choices if lines.get(code)]


@dataclasses.dataclass
class RollUpRow:
    unit: Unit
    totals: BudgetTotals


def budget_roll_up(plan: UnitPlan) -> tuple[BudgetTotals, list[RollUpRow]]:
    """The approved plans of the same year strictly below the plan's unit, by child unit of it: a commune sees
    its schools' totals, the Sở everyone's. Four queries (the subtree's two, the plans, their lines)."""
    subtree = Subtree.of(plan.unit)
    below = UnitPlan.objects.filter(year=plan.year, status=PlanStatus.APPROVED).exclude(unit_id=plan.unit_id)
    below = _in_subtree(below, subtree)
    per_child: dict[int, BudgetTotals] = defaultdict(BudgetTotals)
    overall = BudgetTotals()
    plan_units = dict(below.values_list("pk", "unit_id"))
    for unit_id in plan_units.values():
        child = subtree.branch.get(unit_id)
        if child is not None:
            per_child[child].plans += 1
            overall.plans += 1
    lines = BudgetLine.objects.filter(plan__in=below.values("pk")).values_list(
        "plan_id", "category", "quantity", "rate"
    )
    for plan_id, category, quantity, rate in lines.order_by().iterator(chunk_size=5000):
        child = subtree.branch.get(plan_units.get(plan_id))
        if child is None:
            continue
        amount = line_amount(quantity, rate)
        per_child[child].add(category, amount)
        overall.add(category, amount)
    rows = [RollUpRow(unit, per_child[unit.pk]) for unit in subtree.children if unit.pk in per_child]
    return overall, rows


# Demand ---------------------------------------------------------------------------------------------------


def classes_needed(people: int, class_size: int) -> int:
    """Classes to open for `people` learners at `class_size` a class (the last one may be smaller)."""
    return math.ceil(people / class_size) if people > 0 else 0


@dataclasses.dataclass
class ModuleDemand:
    module: TrainingModule
    people: int = 0
    classes: int = 0  # summed over the viewed unit's children: each organises its own classes


@dataclasses.dataclass
class UnitDemand:
    unit: Unit
    people: int = 0  # people with an approved plan
    places: int = 0  # module choices in those plans (a person with three modules counts three)
    classes: int = 0
    is_root: bool = False
    # module id → (people, classes)
    modules: dict[int, tuple[int, int]] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Demand:
    year: int
    class_size: int
    total: UnitDemand
    modules: list[ModuleDemand]
    units: list[UnitDemand]


def demand_counts(year: int, subtree: Subtree) -> tuple:
    """The two grouped queries behind demand(): people with an approved plan per unit, and the module choices of
    those plans per unit: on PostgreSQL (unit, module, people) rows; on SQLite one row per unit with the module
    ids ("4,7,4,12"), counted in Python. The bench times these same querysets.

    SQLite walks the plans in the order of the (year, unit, status) index: grouping by unit alone needs no sort,
    while grouping by unit and module sorted every choice of the province (four times slower with 80,000
    approved plans). PostgreSQL hashes either way; there the per-unit strings made its aggregate spill to disk."""
    approved = PersonalPlan.objects.filter(year=year, status=PlanStatus.APPROVED)
    approved = _in_subtree(approved, subtree)
    people = approved.values_list("unit_id").annotate(n=Count("unit_id")).order_by()
    choices = PersonalPlanItem.objects.filter(
        plan__year=year, plan__status=PlanStatus.APPROVED, module__isnull=False
    ).order_by()
    if connections[choices.db].vendor == "sqlite":
        ids = StringAgg(Cast("module_id", output_field=CharField()), delimiter=Value(","))
        choices = choices.values_list("plan__unit_id").annotate(modules=ids)
    else:
        choices = choices.values_list("plan__unit_id", "module_id").annotate(n=Count("module_id"))
    return people, _in_subtree(choices, subtree, "plan__unit_id")


def _choices_by_unit(rows) -> dict[int, Counter]:
    """{unit id: {module id: people}} from either shape of demand_counts' choices."""
    by_unit: dict[int, Counter] = {}
    for row in rows:
        counts = by_unit.get(row[0])
        if counts is None:
            counts = by_unit[row[0]] = Counter()
        if len(row) == 3:
            counts[row[1]] = row[2]  # one row per (unit, module)
        elif row[1]:
            counts.update(map(int, row[1].split(",")))
    return by_unit


def plans_version() -> str:
    """A stamp that changes whenever a plan is submitted, approved or returned (each writes a PlanEvent): the
    newest event's id and time. One indexed query."""
    last = PlanEvent.objects.order_by("-pk").values_list("pk", "at").first()
    return f"{last[0]}-{last[1].timestamp()}" if last else "none"


def _demand_by_unit(year: int, subtree: Subtree) -> tuple[dict[int, int], dict[int, Counter]]:
    """People with an approved plan per unit, and their module choices per unit ({module id: people}). For a whole
    tree the result is kept until the next decision on a plan (an organiser reads it again and again between
    approvals; PlanEvent marks each one), at most DEMAND_CACHE_SECONDS."""

    def count() -> tuple[dict[int, int], dict[int, Counter]]:
        people, choices = demand_counts(year, subtree)
        return dict(people), _choices_by_unit(choices)

    if subtree.root.parent_id is not None:
        return count()
    key = f"bdtx:plans:demand:{year}:{subtree.root.pk}:{plans_version()}"
    found = cache.get(key)
    if found is None:
        found = count()
        cache.set(key, found, DEMAND_CACHE_SECONDS)
    return found


def demand(year: int, subtree: Subtree, *, class_size: int = DEFAULT_CLASS_SIZE) -> Demand:
    """Approved personal plans of a school year counted by module and by child unit of the viewed unit, with
    the classes each child needs per module: ceil(people / class size). Four queries (the stamp, two counts, the
    modules); for a whole tree the counts come from the cache until the next decision on a plan."""
    people_by_unit, choices = _demand_by_unit(year, subtree)
    branch = subtree.branch
    people: dict[int, int] = defaultdict(int)
    for unit_id, n in people_by_unit.items():
        child = branch.get(unit_id)
        if child is not None:
            people[child] += n
    cells: dict[tuple[int, int], int] = defaultdict(int)  # (child, module) → people
    for unit_id, counts in choices.items():
        child = branch.get(unit_id)
        if child is not None:
            for module_id, n in counts.items():
                cells[child, module_id] += n
    modules = {
        m.pk: m for m in TrainingModule.objects.filter(pk__in={m for _c, m in cells}).only("code", "title", "periods")
    }
    by_module = {pk: ModuleDemand(module) for pk, module in modules.items()}
    rows = {}
    for child in {c for c, _m in cells} | set(people):
        rows[child] = UnitDemand(unit=None, people=people.get(child, 0), is_root=child == subtree.root.pk)
    for (child, module_id), n in cells.items():
        classes = classes_needed(n, class_size)
        row = rows[child]
        row.places += n
        row.classes += classes
        row.modules[module_id] = (n, classes)
        if module_id in by_module:
            by_module[module_id].people += n
            by_module[module_id].classes += classes
    units = []
    for unit, _counts in subtree.rows_for({pk: {"n": row.people + row.places} for pk, row in rows.items()}):
        row = rows.get(unit.pk) or UnitDemand(unit=unit)
        row.unit = unit
        units.append(row)
    total = UnitDemand(
        unit=subtree.root,
        people=sum(people.values()),
        places=sum(cells.values()),
        classes=sum(m.classes for m in by_module.values()),
        is_root=True,
    )
    ordered = sorted(by_module.values(), key=lambda m: (-m.people, _code_key(m.module.code)))
    return Demand(year=year, class_size=class_size, total=total, modules=ordered, units=units)


def _code_key(code: str) -> tuple:
    """ "GVPT 4" before "GVPT 12": the number of a module code by value."""
    head, _space, tail = code.rpartition(" ")
    return (head, int(tail)) if tail.isdigit() else (code, 0)


# Progress of personal plans -------------------------------------------------------------------------------

PROGRESS_FIELDS = ("expected", "started", "submitted", "approved", "returned")


@dataclasses.dataclass
class PlanProgressRow:
    unit: Unit
    expected: int = 0
    started: int = 0  # any plan for the year, whatever its status
    submitted: int = 0  # waiting for the head's decision
    approved: int = 0
    returned: int = 0
    is_root: bool = False

    @property
    def percent_approved(self) -> float | None:
        return percent(min(self.approved, self.expected), self.expected)

    @property
    def without_approved(self) -> int:
        return max(self.expected - self.approved, 0)

    @property
    def not_started(self) -> int:
        return max(self.expected - self.started, 0)


def plan_progress_counts(year: int, subtree: Subtree) -> tuple:
    """The two grouped COUNTs behind plan_progress(): expected people per unit, and the year's personal plans
    per unit by status (counting the status column lets the (year, unit, status) index answer alone)."""
    expected = _in_subtree(expected_staff(), subtree).values_list("unit_id").annotate(n=Count("*")).order_by()
    plans = (
        _in_subtree(PersonalPlan.objects.filter(year=year), subtree)
        .values_list("unit_id")
        .annotate(
            started=Count("status"),
            submitted=Count("status", filter=Q(status=PlanStatus.SUBMITTED)),
            approved=Count("status", filter=Q(status=PlanStatus.APPROVED)),
            returned=Count("status", filter=Q(status=PlanStatus.RETURNED)),
        )
        .order_by()
    )
    return expected, plans


def _expected_by_unit(subtree: Subtree, expected) -> dict[int, int]:
    """For a whole tree the count is kept until the staff registry changes (at the deadline only plans move)."""
    if subtree.root.parent_id is not None:
        return dict(expected)
    key = f"bdtx:plans:expected:{registry_version()}"
    counts = cache.get(key)
    if counts is None:
        counts = dict(expected)
        cache.set(key, counts, EXPECTED_CACHE_SECONDS)
    return counts


def plan_progress(year: int, subtree: Subtree) -> tuple[PlanProgressRow, list[PlanProgressRow]]:
    """The viewed unit's total and one row per child: expected / started / submitted / approved / returned."""
    expected, plans = plan_progress_counts(year, subtree)
    sums: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    branch = subtree.branch
    for unit_id, n in _expected_by_unit(subtree, expected).items():
        child = branch.get(unit_id)
        if child is not None:
            sums[child][0] += n
    for unit_id, *counts in plans:
        child = branch.get(unit_id)
        if child is not None:
            row = sums[child]
            for index, n in enumerate(counts, start=1):
                row[index] += n
    totals = {child: dict(zip(PROGRESS_FIELDS, row, strict=True)) for child, row in sums.items()}
    rows = [
        PlanProgressRow(unit=unit, is_root=unit.pk == subtree.root.pk, **counts)
        for unit, counts in subtree.rows_for(totals)
    ]
    overall = [sum(column) for column in zip(*sums.values(), strict=True)] if sums else [0] * 5
    return PlanProgressRow(subtree.root, *overall, is_root=True), rows


def without_approved_plan(year: int, unit_ids):
    """The people of these units expected to have a plan whose plan for the year is not approved (none, draft,
    submitted or returned), in Vietnamese name order, each with `plan_id` and `plan_status` (None: no plan)."""
    theirs = PersonalPlan.objects.filter(year=year, staff=OuterRef("pk")).order_by()
    return (
        expected_staff()
        .filter(unit_id__in=unit_ids)
        .filter(~Exists(theirs.filter(status=PlanStatus.APPROVED)))
        .annotate(plan_id=Subquery(theirs.values("pk")[:1]), plan_status=Subquery(theirs.values("status")[:1]))
        .select_related("unit")
        .only("full_name", "code", "position", "group", "phone", "email", "sort_key", "unit__name", "unit__code")
        .order_by("sort_key", "pk")
    )

"""What a unit plan page reads: the chain of plans above it, its topics (own and inherited), whether the topics
cover the year's periods, and the roll-up of the approved plans below it.

Every figure is one grouped query over the plan's subtree (whatever its size), rolled up to the unit's children
in Python by the units' materialised `path`, as the appraisal progress pages do."""

import dataclasses
from collections import Counter, defaultdict

from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from bdtx.appraisals.progress import Subtree, expected_staff, percent
from bdtx.organisations.models import Level, Unit, levels_label

from . import services
from .models import PersonalPlan, PersonalPlanItem, PlanStatus, PlanTopic, UnitPlan

LEVEL_ORDER = [code for code, _label in Level.choices]


# The plans above and their topics --------------------------------------------------------------------------


def chain(plan: UnitPlan) -> list[UnitPlan]:
    """The plan and the plans above it, nearest first (one query: the plans of the unit's ancestors that year)."""
    found = {
        above.pk: above
        for above in UnitPlan.objects.filter(unit_id__in=plan.unit.ancestor_ids()[:-1], year=plan.year).select_related(
            "unit"
        )
    }
    result, current = [plan], plan
    while current.parent_id is not None and current.parent_id in found:
        current = found[current.parent_id]
        result.append(current)
    return result


@dataclasses.dataclass
class TopicRow:
    topic: PlanTopic
    plan: UnitPlan  # the plan that sets it
    inherited: bool

    @property
    def level_list(self) -> list[str]:
        return [code for code in self.topic.levels.split(",") if code]

    @property
    def levels_display(self) -> str:
        """The levels it is for ("Tiểu học, THCS"), empty when it is for everyone."""
        return levels_label(self.topic.levels)


def topic_rows(plans: list[UnitPlan]) -> list[TopicRow]:
    """The topics of 01/02 that reach people through the first plan: those of the plans above first (the Sở's),
    then its own; by content, then in each plan's order."""
    by_pk = {plan.pk: plan for plan in plans}
    depth = {plan.pk: index for index, plan in enumerate(plans)}
    topics = PlanTopic.objects.filter(plan_id__in=list(by_pk))
    rows = [TopicRow(topic, by_pk[topic.plan_id], topic.plan_id != plans[0].pk) for topic in topics]
    rows.sort(key=lambda row: (row.topic.content, -depth[row.topic.plan_id], row.topic.position, row.topic.pk))
    return rows


def periods_by_content(rows: list[TopicRow]) -> dict[str, int]:
    totals: Counter = Counter()
    for row in rows:
        totals[row.topic.content] += row.topic.periods
    return dict(sorted(totals.items()))


# Do the topics cover the year's periods? ------------------------------------------------------------------


@dataclasses.dataclass
class PeriodWarning:
    content: str
    levels: list[str]
    planned: int
    required: int

    @property
    def message(self) -> str:
        labels = dict(Level.choices)
        values = {
            "content": self.content,
            "levels": ", ".join(str(labels.get(code, code)) for code in self.levels),
            "planned": self.planned,
            "required": self.required,
        }
        if self.planned < self.required:
            return (
                _(
                    "Content %(content)s (%(levels)s): the topics add up to %(planned)d periods but the programme "
                    "requires %(required)d this school year; add topics or periods."
                )
                % values
            )
        return (
            _(
                "Content %(content)s (%(levels)s): the topics add up to %(planned)d periods, more than the "
                "%(required)d the programme requires this school year; shorten or remove topics."
            )
            % values
        )


def period_warnings(plan: UnitPlan, rows: list[TopicRow]) -> list[PeriodWarning]:
    """Where the topics of 01/02 reaching people through the plan do not add up to the year's requirement (the
    programme's periods as split by the Sở for the year): per programme in force and per level it covers (the
    plan's unit's levels only, for a school), since a person gets the topics for everyone and those of their
    levels. Contents filled with modules (03) are not topics' business."""
    own_levels = set(plan.unit.level_list)
    found: dict[tuple, PeriodWarning] = {}
    for programme in services.year_programmes(plan.year):
        requirement = services.requirement_for(programme, plan.unit, plan.year)
        by_topics = [c.code for c in programme.contents.all() if not c.by_modules and c.code in services.TOPIC_CONTENTS]
        levels = (programme.applies_to or {}).get("levels") or []
        if own_levels:
            levels = [level for level in levels if level in own_levels]
            if not levels:
                continue  # the programme concerns nobody at this unit
        for level in levels:
            for content in by_topics:
                required = requirement.periods.get(content, 0)
                planned = sum(
                    row.topic.periods
                    for row in rows
                    if row.topic.content == content and (not row.level_list or level in row.level_list)
                )
                if planned == required:
                    continue
                key = (content, planned, required)
                warning = found.setdefault(key, PeriodWarning(content, [], planned, required))
                if level not in warning.levels:
                    warning.levels.append(level)
    for warning in found.values():
        warning.levels.sort(key=lambda code: LEVEL_ORDER.index(code) if code in LEVEL_ORDER else 99)
    return sorted(found.values(), key=lambda w: (w.content, LEVEL_ORDER.index(w.levels[0]) if w.levels else 0))


# The approved plans below -------------------------------------------------------------------------------


@dataclasses.dataclass
class ChildRow:
    unit: Unit
    plan: UnitPlan | None
    expected: int = 0
    approved: int = 0
    is_root: bool = False

    @property
    def percent_approved(self) -> float | None:
        return percent(min(self.approved, self.expected), self.expected)


@dataclasses.dataclass
class ModuleRow:
    pk: int
    code: str
    title: str
    people: int


@dataclasses.dataclass
class Aggregation:
    is_school: bool
    expected: int  # people expected to make a personal plan in the subtree
    approved: int  # approved personal plans in the subtree
    periods: dict[str, int]  # content → periods planned in the approved personal plans
    modules: list[ModuleRow]  # people per module of content 03, in the approved personal plans
    children: list[ChildRow]  # per child unit: its plan, people expected, approved personal plans
    plans_below: int  # unit plans of the year below this one
    plans_below_approved: int

    @property
    def percent_approved(self) -> float | None:
        return percent(min(self.approved, self.expected), self.expected)

    @property
    def total_periods(self) -> int:
        return sum(self.periods.values())


def aggregate(plan: UnitPlan) -> Aggregation:
    """The approved plans below `plan`: personal plans approved against people expected to make one (working
    teachers and managers), periods per content and people per module; for a commune or the Sở, the plans of
    the units below with their status, and the same totals rolled up from the schools. About eight queries."""
    subtree = Subtree.of(plan.unit)
    unit_ids = subtree.unit_ids()
    approved_plans = PersonalPlan.objects.filter(year=plan.year, status=PlanStatus.APPROVED, unit_id__in=unit_ids)
    expected = dict(
        expected_staff().filter(unit_id__in=unit_ids).values_list("unit_id").annotate(n=Count("*")).order_by()
    )
    approved = dict(approved_plans.values_list("unit_id").annotate(n=Count("*")).order_by())
    per_unit: dict[int, Counter] = defaultdict(Counter)
    for unit_id, count in expected.items():
        per_unit[unit_id]["expected"] += count
    for unit_id, count in approved.items():
        per_unit[unit_id]["approved"] += count
    totals = subtree.roll_up(per_unit)
    items = PersonalPlanItem.objects.filter(plan__in=approved_plans.values("pk"))
    periods = dict(items.values_list("content").annotate(total=Sum("periods")).order_by("content"))
    modules = [
        ModuleRow(pk, code, title, people)
        for pk, code, title, people in items.filter(module__isnull=False)
        .values_list("module_id", "module__code", "module__title")
        .annotate(people=Count("plan_id", distinct=True))
        .order_by("module__code")
    ]
    below = UnitPlan.objects.filter(year=plan.year, unit_id__in=unit_ids).exclude(pk=plan.pk)
    statuses = Counter(dict(below.values_list("status").annotate(n=Count("*")).order_by()))
    child_plans = {p.unit_id: p for p in below.filter(unit__in=subtree.children).only("pk", "unit_id", "status")}
    children = [
        ChildRow(
            unit=unit,
            plan=None if unit.pk == plan.unit_id else child_plans.get(unit.pk),
            expected=counts["expected"],
            approved=counts["approved"],
            is_root=unit.pk == plan.unit_id,
        )
        for unit, counts in subtree.rows_for(totals)
    ]
    return Aggregation(
        is_school=subtree.is_leaf,
        expected=sum(expected.values()),
        approved=sum(approved.values()),
        periods=periods,
        modules=modules,
        children=children,
        plans_below=sum(statuses.values()),
        plans_below_approved=statuses[PlanStatus.APPROVED],
    )

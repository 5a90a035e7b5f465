"""Whether the kept figures still hold: a data stamp per source, compared with the stamp kept with each metric's
tallies (TallyState.stamp).

A stamp is a handful of cheap aggregates over indexed columns, chosen so that every write path the figures depend on
moves it, including those that write no audit event (docs/dashboards.md, "Freshness"):

- units: count, largest id, latest `updated_at` (a few thousand rows) and the latest move (UnitMove);
- staff: count and largest id of the registry, largest id of the audit trail (StaffChange: every creation,
  update, transfer and import writes one);
- results of the year: their count and the sum of their ids, each counted positive when the result is completed
  and negative when not, read from the (year, unit, outcome, recognised) index alone on SQLite. The bulk
  recomputation rewrites outcomes in place with no event: a result changing outcome, appearing or going away moves
  the sum (only changes whose ids cancel out exactly, e.g. two results of ids adding up to a third's flipping the
  other way at once, could go unseen until the next change);
- appraisals: count and largest id of the appraisals, largest id of their events (confirming and reopening an
  evaluation, the only ways a final rating changes, write one);
- plans of the year: count, latest update and the signed sum of ids of the approved unit plans; count, sum of ids
  and sums of the amounts (plain and weighed by category) of their budget lines (a few thousand rows);
- rules: a fingerprint of the rule files and of the counting code's version (COUNTING_VERSION).
"""

import dataclasses
import datetime as dt
from decimal import Decimal

from django.db.models import BigIntegerField, Case, Count, ExpressionWrapper, F, IntegerField, Max, Q, Sum, Value, When
from django.db.models.functions import Cast

from bdtx.appraisals.models import Appraisal, AppraisalEvent
from bdtx.organisations.models import Unit, UnitMove
from bdtx.plans.models import BudgetLine, CostCategory, PlanStatus, UnitPlan
from bdtx.results.models import ResultOutcome, YearResult
from bdtx.staff.models import StaffChange, StaffMember

from .models import Metric, TallyState
from .workforce import rules_stamp

# Raised whenever the way a figure is counted changes: every kept tally is then counted again.
COUNTING_VERSION = 1

METRIC_SOURCES: dict[str, tuple[str, ...]] = {
    Metric.COMPLETION: ("units", "staff", "results", "rules"),
    Metric.RATINGS: ("units", "staff", "appraisals", "rules"),
    Metric.QUALIFICATIONS: ("units", "staff", "rules"),
    Metric.UPGRADE: ("units", "staff", "rules"),
    Metric.RETIREMENT: ("units", "staff", "rules"),
    Metric.NEEDS: ("units", "staff", "appraisals", "rules"),
    Metric.BUDGET: ("units", "plans", "rules"),
    Metric.CORE: ("units", "staff", "results", "rules"),
}


def _text(value) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, dt.datetime | dt.date) else str(value)


def _signed_ids(condition: Q):
    """SUM of the ids, counted positive for the rows meeting `condition` and negative for the others: a row changing
    sides, appearing or going away moves it (one CASE over an index, no row read on SQLite)."""
    return Sum(Case(When(condition, then=F("pk")), default=-F("pk")), output_field=BigIntegerField())


def _count(model) -> int:
    # COUNT(*) alone over a whole table: SQLite and PostgreSQL answer it from the smallest index.
    return model.objects.order_by().count()


def _last(model) -> int | None:
    # MAX(id) alone: one step down the primary key.
    return model.objects.order_by("-pk").values_list("pk", flat=True).first()


def units_stamp(year: int) -> list:
    changed = Unit.objects.order_by().aggregate(changed=Max("updated_at"))["changed"]  # a few thousand rows
    return [_count(Unit), _last(Unit), _text(changed), _last(UnitMove)]


def staff_stamp(year: int) -> list:
    return [_count(StaffMember), _last(StaffMember), _last(StaffChange)]


def results_stamp(year: int) -> list:
    found = (
        YearResult.objects.filter(year=year)
        .order_by()
        .aggregate(n=Count("*"), ids=_signed_ids(Q(outcome=ResultOutcome.COMPLETED)))
    )
    return [found["n"], found["ids"]]


def appraisals_stamp(year: int) -> list:
    return [_count(Appraisal), _last(Appraisal), _last(AppraisalEvent)]


def plans_stamp(year: int) -> list:
    plans = (
        UnitPlan.objects.filter(year=year)
        .order_by()
        .aggregate(n=Count("*"), changed=Max("updated_at"), ids=_signed_ids(Q(status=PlanStatus.APPROVED)))
    )
    # Amounts in hundredths of a đồng (whole numbers on both databases), and weighed by their category's position:
    # a line moved to another category changes the stamp too.
    cents = ExpressionWrapper(Cast(F("quantity") * 100, BigIntegerField()) * F("rate"), output_field=BigIntegerField())
    weight = Case(
        *(When(category=code, then=Value(index + 1)) for index, code in enumerate(CostCategory.values)),
        default=Value(0),
        output_field=IntegerField(),
    )
    lines = (
        BudgetLine.objects.filter(plan__year=year)
        .order_by()
        .aggregate(
            n=Count("*"),
            ids=Sum("id", output_field=BigIntegerField()),
            amount=Sum(cents),
            weighed=Sum(ExpressionWrapper(cents * weight, output_field=BigIntegerField())),
        )
    )
    return [
        plans["n"],
        _text(plans["changed"]),
        plans["ids"],
        lines["n"],
        lines["ids"],
        lines["amount"],
        lines["weighed"],
    ]


def rules_source(year: int) -> list:
    return [rules_stamp(), COUNTING_VERSION]


SOURCES = {
    "units": units_stamp,
    "staff": staff_stamp,
    "results": results_stamp,
    "appraisals": appraisals_stamp,
    "plans": plans_stamp,
    "rules": rules_source,
}


def _plain(value):
    """A stamp's value as JSON keeps it, the same on both databases (PostgreSQL sums integers as numeric)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    return value


def current_stamps(year: int, metrics=None) -> dict[str, list]:
    """The stamp of every source the given metrics (all by default) depend on, now."""
    metrics = list(metrics) if metrics is not None else list(Metric.values)
    needed = sorted({source for metric in metrics for source in METRIC_SOURCES[metric]})
    return {source: [_plain(value) for value in SOURCES[source](year)] for source in needed}


def stamp_for(metric: str, stamps: dict[str, list]) -> dict[str, list]:
    return {source: stamps[source] for source in METRIC_SOURCES[metric]}


@dataclasses.dataclass
class Freshness:
    """The state of a year's figures: when each metric was counted, and which no longer hold."""

    year: int
    states: dict[str, TallyState]
    stale: set[str]  # counted, but the data changed since
    missing: set[str]  # never counted

    @property
    def fresh(self) -> bool:
        return not self.stale and not self.missing

    @property
    def as_of(self) -> dt.datetime | None:
        """When the oldest of the figures shown was counted."""
        times = [state.counted_at for state in self.states.values()]
        return min(times) if times else None

    def holds(self, metric: str) -> bool:
        return metric in self.states and metric not in self.stale


def check(year: int) -> Freshness:
    """Compare the kept stamps of the year's metrics with the data now (one query per source, one for the states)."""
    states = {state.metric: state for state in TallyState.objects.filter(year=year)}
    stamps = current_stamps(year)
    stale = {metric for metric, state in states.items() if state.stamp != stamp_for(metric, stamps)}
    missing = set(Metric.values) - set(states)
    return Freshness(year=year, states=states, stale=stale, missing=missing)

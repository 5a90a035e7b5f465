"""The dashboard of a unit for a school year, read from the kept tallies: the unit's own rows (every detail) and its
children's (summed over staff group and level; for the heat map, one standard's criteria). Two queries for the
tallies whatever the size of the subtree, plus the children, the criteria and the targets.

Every section holds plain numbers (the page's tables, the API, the exports and the charts read the same)."""

import dataclasses
from collections import defaultdict

from django.db.models import Case, CharField, F, Q, Sum, Value, When
from django.urls import reverse
from django.utils.translation import gettext as _

from bdtx.appraisals.progress import percent, shade, unit_sort_key
from bdtx.organisations.models import Level, Unit, levels_label
from bdtx.plans.models import CostCategory
from bdtx.results.models import ResultOutcome
from bdtx.rules.models import Criterion, Rating, Standard
from bdtx.staff.models import Qualification, StaffGroup

from . import aggregates, targets, workforce
from .models import Metric, Tally

RATINGS = ("tot", "kha", "dat", "chua_dat")
QUALIFICATIONS = [code for code, _label in reversed(Qualification.choices)]  # the highest first
LEVEL_ORDER = [code for code, _label in Level.choices]


def level_order(codes: str) -> tuple:
    return tuple(LEVEL_ORDER.index(c) if c in LEVEL_ORDER else len(LEVEL_ORDER) for c in codes.split(",") if c) or (
        len(LEVEL_ORDER),
    )


def level_name(codes: str) -> str:
    return levels_label(codes) or _("Level not recorded")


def group_name(code: str) -> str:
    return str(dict(StaffGroup.choices).get(code, code))


# Reading ------------------------------------------------------------------------------------------------


def own_rows(unit_ids, year: int, metrics=None) -> dict[int, list[tuple]]:
    """Every tally row of these units: {unit id: [(metric, group, level, bucket, detail, count), …]}."""
    rows = Tally.objects.filter(year=year, unit_id__in=list(unit_ids))
    if metrics is not None:
        rows = rows.filter(metric__in=list(metrics))
    found: dict[int, list[tuple]] = defaultdict(list)
    for unit_id, *row in rows.order_by().values_list(
        "unit_id", "metric", "group", "level", "bucket", "detail", "count"
    ):
        found[unit_id].append(tuple(row))
    return found


def child_rows(child_ids: list[int], year: int, standard: str) -> dict[int, dict[tuple, int]]:
    """The children's tallies summed over staff group and level (and, for the forecast, over subjects); of the heat
    map, only the chosen standard's: {child id: {(metric, bucket, detail): count}}."""
    if not child_ids:
        return {}
    rows = (
        Tally.objects.filter(year=year, unit_id__in=child_ids)
        .exclude(Q(metric=Metric.NEEDS) & ~Q(detail=standard) & ~Q(detail__startswith=f"{standard}:"))
        .annotate(
            part=Case(When(metric=Metric.RETIREMENT, then=Value("")), default=F("detail"), output_field=CharField())
        )
        .order_by()
        .values_list("unit_id", "metric", "bucket", "part")
        .annotate(n=Sum("count"))
    )
    found: dict[int, dict[tuple, int]] = defaultdict(dict)
    for unit_id, metric, bucket, part, n in rows:
        found[unit_id][(metric, bucket, part)] = n
    return found


class Summed:
    """A child's summed tallies, asked per metric, bucket and detail."""

    def __init__(self, counts: dict[tuple, int]):
        self.counts = counts

    def get(self, metric: str, bucket: str | None = None, detail: str | None = None) -> int:
        if bucket is not None and detail is not None:
            return self.counts.get((metric, bucket, detail), 0)
        return sum(
            n
            for (m, b, d), n in self.counts.items()
            if m == metric and (bucket is None or b == bucket) and (detail is None or d == detail)
        )


class Own:
    """A unit's own tallies with every detail."""

    def __init__(self, rows: list[tuple]):
        self.rows = rows
        self._index: dict | None = None
        self.by_metric: dict[str, list[tuple]] = defaultdict(list)
        for metric, *rest in rows:
            self.by_metric[metric].append(tuple(rest))

    def of(self, metric: str) -> list[tuple]:
        """(group, level, bucket, detail, count) rows of one metric."""
        return self.by_metric.get(metric, [])

    def get(self, metric: str, bucket: str | None = None, detail: str | None = None) -> int:
        if bucket is not None and detail is not None:
            if self._index is None:
                self._index = defaultdict(int)
                for metric_code, _group, _level, b, d, n in self.rows:
                    self._index[(metric_code, b, d)] += n
            return self._index.get((metric, bucket, detail), 0)
        return sum(
            n
            for _group, _level, b, d, n in self.of(metric)
            if (bucket is None or b == bucket) and (detail is None or d == detail)
        )

    def summed(self, metric: str, key) -> dict:
        """{key(row): {bucket: count}} for grouping by level, group, detail…"""
        found: dict = defaultdict(lambda: defaultdict(int))
        for row in self.of(metric):
            found[key(row)][row[2]] += row[4]
        return found


# Sections -----------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Line:
    """One row of a section's table: a label (and the unit, for drill-down), its counts by bucket."""

    label: str
    counts: dict[str, int]
    unit: Unit | None = None
    key: str = ""
    leaf: bool = True
    direct: bool = False  # the people directly at the viewed unit (not in a child unit)
    href: str = ""  # the unit's dashboard

    def n(self, bucket: str) -> int:
        return self.counts.get(bucket, 0)

    def total(self, buckets) -> int:
        return sum(self.counts.get(bucket, 0) for bucket in buckets)


@dataclasses.dataclass
class CompletionLine(Line):
    @property
    def completed(self) -> int:
        return self.n(ResultOutcome.COMPLETED)

    @property
    def not_completed(self) -> int:
        return self.n(ResultOutcome.NOT_COMPLETED)

    @property
    def no_result(self) -> int:
        return self.n(aggregates.NONE)

    @property
    def people(self) -> int:
        return self.completed + self.not_completed + self.no_result

    @property
    def percent(self) -> float | None:
        return percent(self.completed, self.people)


@dataclasses.dataclass
class RatingLine(Line):
    @property
    def rated(self) -> int:
        return self.total(RATINGS)

    @property
    def tot(self) -> int:
        return self.n("tot")

    @property
    def kha(self) -> int:
        return self.n("kha")

    @property
    def dat(self) -> int:
        return self.n("dat")

    @property
    def chua_dat(self) -> int:
        return self.n("chua_dat")

    @property
    def not_rated(self) -> int:
        return self.n(aggregates.NONE)

    @property
    def shares(self) -> list[tuple[str, int, float | None]]:
        return [(code, self.n(code), percent(self.n(code), self.rated)) for code in RATINGS]

    @property
    def kha_or_better(self) -> float | None:
        return percent(self.n("tot") + self.n("kha"), self.rated)

    @property
    def rated_share(self) -> float | None:
        return percent(self.rated, self.rated + self.not_rated)


@dataclasses.dataclass
class QualificationLine(Line):
    """counts: degree code → people (and "" not recorded); verdicts: the standard's verdict → people."""

    verdicts: dict[str, int] = dataclasses.field(default_factory=dict)

    @property
    def people(self) -> int:
        return sum(self.verdicts.values())

    @property
    def measured(self) -> int:
        return self.people - self.verdicts.get(workforce.NO_STANDARD, 0)

    @property
    def meets(self) -> int:
        return self.verdicts.get(workforce.MEETS, 0)

    @property
    def below(self) -> int:
        return self.verdicts.get(workforce.BELOW, 0)

    @property
    def not_recorded(self) -> int:
        return self.verdicts.get(workforce.NOT_RECORDED, 0)

    @property
    def meets_share(self) -> float | None:
        return percent(self.meets, self.measured)

    @property
    def degrees(self) -> list[tuple[str, int]]:
        """(degree name, people) from the highest degree down, then those with none recorded."""
        names = dict(Qualification.choices)
        cells = [(str(names[code]), self.counts.get(code, 0)) for code in QUALIFICATIONS]
        return [*cells, (_("Not recorded"), self.counts.get("", 0))]


@dataclasses.dataclass
class UpgradeLine(Line):
    @property
    def must(self) -> int:
        return self.n(workforce.MUST)

    @property
    def exempt(self) -> int:
        return self.n(workforce.EXEMPT)

    @property
    def hired_after(self) -> int:
        return self.n(workforce.HIRED_AFTER)

    @property
    def not_covered(self) -> int:
        return self.n(workforce.NOT_COVERED)

    @property
    def unknown(self) -> int:
        return self.n(workforce.UNKNOWN)

    @property
    def below(self) -> int:
        return self.total(workforce.UPGRADE_VERDICTS)


@dataclasses.dataclass
class ForecastLine(Line):
    years: tuple[int, ...] = ()

    @property
    def by_year(self) -> list[int]:
        return [self.n(str(year)) for year in self.years]

    @property
    def cells(self) -> list[tuple[str, int]]:
        """(school year, people) for each year of the forecast."""
        return [(f"{year}-{year + 1}", self.n(str(year))) for year in self.years]

    @property
    def in_forecast(self) -> int:
        return sum(self.by_year)

    @property
    def past(self) -> int:
        return self.n(aggregates.PAST)


@dataclasses.dataclass
class CoreLine(Line):
    @property
    def people(self) -> int:
        return self.n(aggregates.PEOPLE)

    @property
    def core(self) -> int:
        return self.n(aggregates.CORE)

    @property
    def core_completed(self) -> int:
        return self.n(aggregates.CORE_COMPLETED)

    @property
    def coverage(self) -> float | None:
        """Core teachers per 100 people."""
        return percent(self.core, self.people)

    @property
    def people_per_core(self) -> float | None:
        return round(self.people / self.core, 1) if self.core else None

    @property
    def completed_share(self) -> float | None:
        return percent(self.core_completed, self.core)


@dataclasses.dataclass
class BudgetLine(Line):
    """counts: (category or "plans") + ":" + approved / pending → đồng (plans: their number)."""

    @property
    def approved(self) -> int:
        return sum(n for key, n in self.counts.items() if key.endswith(":approved") and not key.startswith("plans:"))

    @property
    def pending(self) -> int:
        return sum(n for key, n in self.counts.items() if key.endswith(":pending") and not key.startswith("plans:"))

    @property
    def plans_approved(self) -> int:
        return self.n("plans:approved")

    @property
    def plans_pending(self) -> int:
        return self.n("plans:pending")


@dataclasses.dataclass
class HeatCell:
    number: int  # the criterion's
    people: int  # at Đạt or Chưa đạt on the criterion
    not_met: int  # of which Chưa đạt
    share: float | None
    shade: int

    @property
    def tag(self) -> str:
        return str(self.number)


@dataclasses.dataclass
class HeatLine:
    label: str
    evaluated: int
    cells: list[HeatCell]
    unit: Unit | None = None
    leaf: bool = True
    is_total: bool = False
    href: str = ""


@dataclasses.dataclass
class Heat:
    standards: list[tuple[str, str, int]]  # (code, name, people evaluated at the unit)
    standard: str
    criteria: list[Criterion]
    lines: list[HeatLine]


@dataclasses.dataclass
class Dashboard:
    unit: Unit
    year: int
    children: list[Unit]
    completion: dict
    ratings: dict
    qualifications: dict
    upgrade: dict
    retirement: dict
    heat: Heat
    budget: dict
    core: dict
    rows: list[tuple]  # the unit's own tallies, every detail (the targets are measured on them)


# Building -----------------------------------------------------------------------------------------------


def _children(unit: Unit) -> tuple[list[Unit], set[int]]:
    """The children in reading order (an inactive one is shown only while it holds people), and which of them have
    children of their own (for the drill-down)."""
    children = sorted(Unit.objects.filter(parent=unit), key=lambda child: (unit_sort_key(child.name), child.pk))
    with_children = set(
        Unit.objects.filter(parent__in=children).order_by().values_list("parent_id", flat=True).distinct()
    )
    return children, with_children


def _direct(own_counts: dict[str, int], child_lines: list[Line]) -> dict[str, int]:
    """What the unit holds beyond its children: the people directly at it."""
    left = dict(own_counts)
    for line in child_lines:
        for bucket, n in line.counts.items():
            left[bucket] = left.get(bucket, 0) - n
    return {bucket: n for bucket, n in left.items() if n > 0}


def _lines(cls, unit, children, with_children, own_counts, child_counts, **extra) -> tuple[Line, list[Line]]:
    """The total line of the unit, and one per child (kept when active or holding people), with the people
    directly at the unit first when there are any."""
    total = cls(label=unit.name, counts=own_counts, unit=unit, leaf=not children, **extra)
    lines = [
        cls(
            label=child.name,
            counts=child_counts.get(child.pk, {}),
            unit=child,
            leaf=child.pk not in with_children,
            **extra,
        )
        for child in children
        if child.active or any(child_counts.get(child.pk, {}).values())
    ]
    direct = _direct(own_counts, lines) if children else {}
    if direct:
        lines.insert(0, cls(label=unit.name, counts=direct, unit=unit, direct=True, **extra))
    return total, lines


def _by_bucket(summed: dict[int, Summed], metric: str) -> dict[int, dict[str, int]]:
    found: dict[int, dict[str, int]] = {}
    for unit_id, counts in summed.items():
        buckets: dict[str, int] = defaultdict(int)
        for (m, bucket, _detail), n in counts.counts.items():
            if m == metric:
                buckets[bucket] += n
        found[unit_id] = dict(buckets)
    return found


def _by_detail(summed: dict[int, Summed], metric: str) -> dict[int, dict[str, int]]:
    found: dict[int, dict[str, int]] = {}
    for unit_id, counts in summed.items():
        details: dict[str, int] = defaultdict(int)
        for (m, _bucket, detail), n in counts.counts.items():
            if m == metric:
                details[detail] += n
        found[unit_id] = dict(details)
    return found


def _level_lines(cls, own: Own, metric: str, **extra) -> list[Line]:
    summed = own.summed(metric, key=lambda row: row[1])
    return [
        cls(label=level_name(level), key=level, counts=dict(summed[level]), **extra)
        for level in sorted(summed, key=level_order)
    ]


def _group_lines(cls, own: Own, metric: str) -> list[Line]:
    summed = own.summed(metric, key=lambda row: row[0])
    return [
        cls(label=group_name(group), key=group, counts=dict(summed[group])) for group in GROUP_ORDER if group in summed
    ]


GROUP_ORDER = (StaffGroup.TEACHER, StaffGroup.MANAGER)


def build(unit: Unit, year: int, *, standard: str = "", user=None) -> Dashboard:
    """Every section of the unit's dashboard for the school year, from the kept tallies."""
    children, with_children = _children(unit)
    own = Own(own_rows([unit.pk], year).get(unit.pk, []))
    standards = _standards(own)
    chosen = standard if standard in {code for code, _name, _n in standards} else (standards[0][0] if standards else "")
    summed = {pk: Summed(counts) for pk, counts in child_rows([child.pk for child in children], year, chosen).items()}

    def section(cls, metric, counts_of=_by_bucket, own_counts=None, **extra):
        own_counts = own_counts if own_counts is not None else dict(own.summed(metric, key=lambda row: "")[""])
        return _lines(cls, unit, children, with_children, own_counts, counts_of(summed, metric), **extra)

    completion_total, completion_units = section(CompletionLine, Metric.COMPLETION)
    ratings_total, ratings_units = section(RatingLine, Metric.RATINGS)
    upgrade_total, upgrade_units = section(UpgradeLine, Metric.UPGRADE)
    years = tuple(range(year, year + aggregates.FORECAST_YEARS))
    forecast_total, forecast_units = section(ForecastLine, Metric.RETIREMENT, years=years)
    core_total, core_units = section(CoreLine, Metric.CORE)
    qualification_total, qualification_units = _qualifications(unit, children, with_children, own, summed)
    budget_total, budget_units = _budget(unit, children, with_children, own, summed)
    dashboard = Dashboard(
        unit=unit,
        year=year,
        children=children,
        completion={
            "total": completion_total,
            "units": completion_units,
            "levels": _level_lines(CompletionLine, own, Metric.COMPLETION),
            "groups": _group_lines(CompletionLine, own, Metric.COMPLETION),
        },
        ratings={
            "total": ratings_total,
            "units": ratings_units,
            "levels": _level_lines(RatingLine, own, Metric.RATINGS),
            "groups": _group_lines(RatingLine, own, Metric.RATINGS),
        },
        qualifications={
            "total": qualification_total,
            "units": qualification_units,
            "levels": _qualification_levels(own),
        },
        upgrade={
            "total": upgrade_total,
            "units": upgrade_units,
            "levels": _level_lines(UpgradeLine, own, Metric.UPGRADE),
            "reference_date": workforce.qualification_rules().reference_date,
        },
        retirement={
            "total": forecast_total,
            "units": forecast_units,
            "levels": _level_lines(ForecastLine, own, Metric.RETIREMENT, years=years),
            "subjects": _subject_lines(own, years),
            "years": years,
        },
        heat=_heat(unit, year, children, with_children, own, summed, standards, chosen),
        budget={"total": budget_total, "units": budget_units, "categories": _categories(own)},
        core={
            "total": core_total,
            "units": core_units,
            "levels": _level_lines(CoreLine, own, Metric.CORE),
            "groups": _group_lines(CoreLine, own, Metric.CORE),
        },
        rows=own.rows,
    )
    _link(dashboard)
    return dashboard


def _link(dashboard: "Dashboard") -> None:
    """Each row's link to its unit's dashboard (one reverse() for the page, not one per row)."""
    pattern = reverse("dashboards:unit", args=[987654321])
    sections = (dashboard.completion, dashboard.ratings, dashboard.qualifications, dashboard.upgrade,
                dashboard.retirement, dashboard.budget, dashboard.core)  # fmt: skip
    lines = [line for section in sections for line in section["units"]] + dashboard.heat.lines
    for line in lines:
        if line.unit is not None:
            line.href = pattern.replace("987654321", str(line.unit.pk))


def _qualifications(unit, children, with_children, own: Own, summed):
    def line(label, degrees, verdicts, **extra):
        return QualificationLine(label=label, counts=degrees, verdicts=verdicts, **extra)

    own_degrees, own_verdicts = defaultdict(int), defaultdict(int)
    for _group, _level, degree, verdict, n in own.of(Metric.QUALIFICATIONS):
        own_degrees[degree] += n
        own_verdicts[verdict] += n
    total = line(unit.name, dict(own_degrees), dict(own_verdicts), unit=unit, leaf=not children)
    verdicts = _by_detail(summed, Metric.QUALIFICATIONS)
    degrees = _by_bucket(summed, Metric.QUALIFICATIONS)
    lines = [
        line(
            child.name,
            degrees.get(child.pk, {}),
            verdicts.get(child.pk, {}),
            unit=child,
            leaf=child.pk not in with_children,
        )
        for child in children
        if child.active or verdicts.get(child.pk)
    ]
    if children:
        direct = _direct(dict(own_verdicts), [QualificationLine(label="", counts=other.verdicts) for other in lines])
        if direct:
            direct_degrees = _direct(
                dict(own_degrees), [QualificationLine(label="", counts=other.counts) for other in lines]
            )
            lines.insert(0, line(unit.name, direct_degrees, direct, unit=unit, direct=True))
    return total, lines


def _qualification_levels(own: Own) -> list[QualificationLine]:
    degrees: dict = defaultdict(lambda: defaultdict(int))
    verdicts: dict = defaultdict(lambda: defaultdict(int))
    for _group, level, degree, verdict, n in own.of(Metric.QUALIFICATIONS):
        degrees[level][degree] += n
        verdicts[level][verdict] += n
    return [
        QualificationLine(
            label=level_name(level), key=level, counts=dict(degrees[level]), verdicts=dict(verdicts[level])
        )
        for level in sorted(degrees, key=level_order)
    ]


def _subject_lines(own: Own, years) -> list[ForecastLine]:
    """The forecast by level and subjects taught (managers: their group)."""
    found: dict = defaultdict(lambda: defaultdict(int))
    for group, level, bucket, subject, n in own.of(Metric.RETIREMENT):
        label = subject or (group_name(group) if group == StaffGroup.MANAGER else _("Subject not recorded"))
        found[(level, label)][bucket] += n
    ordered = sorted(found, key=lambda key: (level_order(key[0]), unit_sort_key(key[1])))
    return [
        ForecastLine(label=f"{level_name(level)} · {label}", key=level, counts=dict(found[(level, label)]), years=years)
        for level, label in ordered
    ]


def _budget(unit, children, with_children, own: Own, summed):
    own_counts: dict[str, int] = defaultdict(int)
    for _group, _level, bucket, detail, n in own.of(Metric.BUDGET):
        own_counts[f"{bucket}:{detail}"] += n
    child_counts = {}
    for pk, counts in summed.items():
        found: dict[str, int] = defaultdict(int)
        for (metric, bucket, detail), n in counts.counts.items():
            if metric == Metric.BUDGET:
                found[f"{bucket}:{detail}"] += n
        child_counts[pk] = dict(found)
    return _lines(BudgetLine, unit, children, with_children, dict(own_counts), child_counts)


def _categories(own: Own) -> list[tuple[str, int, int]]:
    """(category name, approved đồng, pending đồng) in the order of TT 36/2018, the empty ones left out."""
    found: dict = defaultdict(lambda: defaultdict(int))
    for _group, _level, bucket, detail, n in own.of(Metric.BUDGET):
        found[bucket][detail] += n
    return [
        (str(label), found[code][aggregates.APPROVED], found[code][aggregates.PENDING])
        for code, label in CostCategory.choices
        if found.get(code)
    ]


def _standards(own: Own) -> list[tuple[str, str, int]]:
    """The standards with people evaluated at the unit, the most evaluated first: (code, name, people)."""
    evaluated: dict[str, int] = defaultdict(int)
    for _group, _level, bucket, detail, n in own.of(Metric.NEEDS):
        if bucket == aggregates.EVALUATED:
            evaluated[detail] += n
    names = dict(Standard.objects.filter(code__in=list(evaluated)).values_list("code", "name")) if evaluated else {}
    return sorted(((code, names.get(code, code), n) for code, n in evaluated.items()), key=lambda s: (-s[2], s[0]))


def _heat(unit, year, children, with_children, own: Own, summed, standards, chosen) -> Heat:
    if not chosen:
        return Heat(standards=standards, standard="", criteria=[], lines=[])
    criteria = list(
        Criterion.objects.filter(standard__code=chosen).order_by("number").only("number", "title", "standard_id")
    )

    def cells(evaluated: int, get) -> list[HeatCell]:
        found = []
        for criterion in criteria:
            detail = f"{chosen}:{criterion.number}"
            not_met, met = get("chua_dat", detail), get("dat", detail)
            share = percent(not_met + met, evaluated)
            found.append(
                HeatCell(
                    number=criterion.number, people=not_met + met, not_met=not_met, share=share, shade=shade(share)
                )
            )
        return found

    own_evaluated = own.get(Metric.NEEDS, aggregates.EVALUATED, chosen)
    lines = [
        HeatLine(
            label=unit.name,
            evaluated=own_evaluated,
            cells=cells(own_evaluated, lambda bucket, detail: own.get(Metric.NEEDS, bucket, detail)),
            unit=unit,
            leaf=not children,
            is_total=True,
        )
    ]
    for child in children:
        counts = summed.get(child.pk)
        if counts is None:
            continue
        evaluated = counts.get(Metric.NEEDS, aggregates.EVALUATED, chosen)
        if not evaluated:
            continue
        lines.append(
            HeatLine(
                label=child.name,
                evaluated=evaluated,
                cells=cells(evaluated, lambda bucket, detail, counts=counts: counts.get(Metric.NEEDS, bucket, detail)),
                unit=child,
                leaf=child.pk not in with_children,
            )
        )
    return Heat(standards=standards, standard=chosen, criteria=criteria, lines=lines)


# Targets ------------------------------------------------------------------------------------------------


@dataclasses.dataclass
class TargetLine:
    target: object
    measured: targets.Measured
    unit: Unit | None = None
    leaf: bool = True


def measure_targets(unit: Unit, year: int, found, rows: list[tuple] | None = None) -> list[TargetLine]:
    """Each target measured at the unit from its own tallies (read once for all of them)."""
    if rows is None:
        rows = own_rows([unit.pk], year, metrics=_metrics_of(found)).get(unit.pk, [])
    return [TargetLine(target=target, measured=targets.measure(target, rows, year), unit=unit) for target in found]


def _metrics_of(found) -> set[str]:
    return {metric for target in found for metric in targets.METRICS_OF[target.metric]}


def target_by_child(target, unit: Unit, year: int) -> tuple[TargetLine, list[TargetLine]]:
    """The target at the unit and at each child (two queries for the tallies), for the drill-down."""
    children, with_children = _children(unit)
    rows = own_rows([unit.pk, *(child.pk for child in children)], year, metrics=targets.METRICS_OF[target.metric])
    total = TargetLine(
        target=target, measured=targets.measure(target, rows.get(unit.pk, []), year), unit=unit, leaf=not children
    )
    lines = [
        TargetLine(
            target=target,
            measured=targets.measure(target, rows.get(child.pk, []), year),
            unit=child,
            leaf=child.pk not in with_children,
        )
        for child in children
        if child.active or rows.get(child.pk)
    ]
    return total, lines


def rating_label(code: str) -> str:
    return str(Rating(code).label) if code in Rating.values else code

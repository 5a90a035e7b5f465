"""The counting behind the cycle pages: progress by unit, rating distribution, training needs.

Every figure is a grouped COUNT by unit_id over the viewed unit's subtree (one query per figure, whatever the
size of the tree), rolled up in Python to the viewed unit's children by the units' materialised `path`."""

import dataclasses
import re
from collections import Counter, defaultdict

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, Subquery

from bdtx.lib.text import fold
from bdtx.organisations.models import Level, Unit, levels_label
from bdtx.rules.models import Criterion, Rating
from bdtx.staff.models import StaffChange, StaffGroup, StaffMember, Status

from .models import Appraisal, AppraisalCycle, TrainingNeed

# Who is expected to self-assess: people at work in the teacher or manager groups (employees are not rated).
EXPECTED_GROUPS = (StaffGroup.TEACHER, StaffGroup.MANAGER)
RATING_ORDER = ("tot", "kha", "dat", "chua_dat")
# The province plan's target: 93.5% of teachers at Khá or better (REGULATIONS.md §7–8, Lai Châu).
KHA_OR_BETTER_TARGET = 93.5
# The whole tree's expected counts are kept this long at most (they are dropped sooner when the registry changes).
EXPECTED_CACHE_SECONDS = 600
PROGRESS_FIELDS = ("expected", "started", "submitted", "evaluated")
_DIGITS = re.compile(r"(\d+)")


def expected_staff():
    """Working teachers and managers, less those no standard rates (teaching only continuing education)."""
    continuing_only = Q(levels=Level.CONTINUING) | Q(
        levels="", unit_id__in=Unit.objects.filter(levels=Level.CONTINUING).values("pk")
    )
    return StaffMember.objects.filter(status=Status.WORKING, group__in=EXPECTED_GROUPS).exclude(continuing_only)


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def unit_sort_key(name: str) -> list:
    """Names in reading order: without diacritics (Đ among the D's), numbers by value ("số 3" before "số 12")."""
    return [int(part) if index % 2 else fold(part) for index, part in enumerate(_DIGITS.split(name))]


# The viewed subtree --------------------------------------------------------------------------------------


@dataclasses.dataclass
class Subtree:
    """The viewed unit, its children, and for every unit below it the child it rolls up to."""

    root: Unit
    children: list[Unit]
    # unit id → the id of the root's child it lies under (the root's own id for the root itself)
    branch: dict[int, int]
    levels: dict[int, str]  # unit id → its levels ("tieu_hoc,thcs")

    @classmethod
    def of(cls, root: Unit) -> "Subtree":
        """Two queries: the children (shown by name), and (pk, path, levels) of the whole subtree."""
        children = sorted(Unit.objects.filter(parent=root), key=lambda unit: (unit_sort_key(unit.name), unit.pk))
        position = len(root.ancestor_ids())
        branch, levels = {}, {}
        for pk, path, unit_levels in Unit.objects.within(root).order_by().values_list("pk", "path", "levels"):
            parts = path.strip("/").split("/")
            branch[pk] = int(parts[position]) if len(parts) > position else root.pk
            levels[pk] = unit_levels
        return cls(root=root, children=children, branch=branch, levels=levels)

    @property
    def is_leaf(self) -> bool:
        return not self.children

    def unit_ids(self):
        """The subtree as an id subquery, so the counts need no join to the unit table."""
        return Unit.objects.within(self.root).values("pk")

    def roll_up(self, per_unit: dict[int, Counter]) -> dict[int, Counter]:
        """{unit id: counts} → {child id (or the root's id): summed counts}."""
        totals: dict[int, Counter] = defaultdict(Counter)
        for unit_id, counts in per_unit.items():
            child = self.branch.get(unit_id)
            if child is not None:
                totals[child].update(counts)
        return totals

    def rows_for(self, totals: dict[int, Counter]) -> list[tuple[Unit, Counter]]:
        """(unit, counts) for each child, and first the root itself when people sit directly at it."""
        rows = [(self.root, totals[self.root.pk])] if totals.get(self.root.pk) else []
        rows += [(child, totals.get(child.pk, Counter())) for child in self.children]
        return [(unit, counts) for unit, counts in rows if unit.active or any(counts.values())]


# Progress -----------------------------------------------------------------------------------------------


@dataclasses.dataclass
class ProgressRow:
    unit: Unit
    expected: int = 0
    started: int = 0
    submitted: int = 0
    evaluated: int = 0
    is_root: bool = False

    @property
    def percent_submitted(self) -> float | None:
        return percent(min(self.submitted, self.expected), self.expected)

    @property
    def percent_evaluated(self) -> float | None:
        return percent(min(self.evaluated, self.expected), self.expected)

    @property
    def not_submitted(self) -> int:
        return max(self.expected - self.submitted, 0)


def progress_counts(cycle: AppraisalCycle, subtree: Subtree) -> tuple:
    """The two grouped COUNTs behind progress(): expected people per unit, and the cycle's appraisals per unit
    (started, submitted, evaluated). The bench times these same querysets as the raw SQL."""
    staff = expected_staff()
    appraisals = Appraisal.objects.filter(cycle=cycle)
    # At the top of a tree there is no unit filter: each count reads one index alone, in its order, and the
    # roll-up drops any unit outside the subtree. Below, the subtree's ids narrow it.
    if subtree.root.parent_id is not None:
        staff = staff.filter(unit_id__in=subtree.unit_ids())
        appraisals = appraisals.filter(unit_id__in=subtree.unit_ids())
    expected = staff.values_list("unit_id").annotate(n=Count("*")).order_by()
    by_unit = (
        appraisals.values_list("unit_id")
        .annotate(
            # Counting columns of the (cycle, unit, self_status, evaluation_status) index, not the id, lets
            # PostgreSQL answer from that index alone.
            started=Count("unit_id"),
            submitted=Count("self_status", filter=Q(self_status=Appraisal.SelfStatus.SUBMITTED)),
            evaluated=Count("evaluation_status", filter=Q(evaluation_status=Appraisal.EvaluationStatus.CONFIRMED)),
        )
        .order_by()
    )
    return expected, by_unit


def registry_version() -> str:
    """A stamp that changes with the staff registry: every creation, update, transfer and import writes an audit
    entry (StaffChange), so the newest entry's id and time identify the registry's state. One indexed query."""
    last = StaffChange.objects.order_by("-pk").values_list("pk", "at").first()
    return f"{last[0]}-{last[1].timestamp()}" if last else "empty"


def _expected_by_unit(subtree: Subtree, expected) -> dict[int, int]:
    """Expected people per unit. For a whole tree the count (every person at work) is kept until the registry
    changes: at the deadline only submissions move, and the province page then counts the appraisals alone."""
    if subtree.root.parent_id is not None:
        return dict(expected)
    key = f"bdtx:appraisals:expected:{registry_version()}"
    counts = cache.get(key)
    if counts is None:
        counts = dict(expected)
        cache.set(key, counts, EXPECTED_CACHE_SECONDS)
    return counts


def progress(cycle: AppraisalCycle, subtree: Subtree) -> tuple[ProgressRow, list[ProgressRow]]:
    """The viewed unit's total and one row per child: expected / started / submitted / evaluated (confirmed).
    Two grouped queries (the staff, the cycle's appraisals) whatever the size of the subtree."""
    expected, appraisals = progress_counts(cycle, subtree)
    # Plain lists rather than Counters: a province's 3,000 units roll up in a millisecond.
    sums: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    branch = subtree.branch
    for unit_id, n in _expected_by_unit(subtree, expected).items():
        child = branch.get(unit_id)
        if child is not None:
            sums[child][0] += n
    for unit_id, started, submitted, evaluated in appraisals:
        child = branch.get(unit_id)
        if child is not None:
            row = sums[child]
            row[1] += started
            row[2] += submitted
            row[3] += evaluated
    totals = {child: Counter(dict(zip(PROGRESS_FIELDS, row, strict=True))) for child, row in sums.items()}
    rows = [
        ProgressRow(unit=unit, is_root=unit.pk == subtree.root.pk, **counts)
        for unit, counts in subtree.rows_for(totals)
    ]
    overall = [sum(column) for column in zip(*sums.values(), strict=True)] if sums else [0, 0, 0, 0]
    return ProgressRow(subtree.root, *overall, is_root=True), rows


def not_submitted(cycle: AppraisalCycle, unit_ids: list[int]):
    """The people of these units expected to self-assess who have not submitted yet, in Vietnamese name order,
    each with `appraisal_id` (their draft, or None when not started). Both checks go through the appraisal's
    (cycle, staff) unique index, person by person: no list of the province's submissions is built."""
    theirs = Appraisal.objects.filter(cycle=cycle, staff=OuterRef("pk")).order_by()
    return (
        expected_staff()
        .filter(unit_id__in=unit_ids)
        .filter(~Exists(theirs.filter(self_status=Appraisal.SelfStatus.SUBMITTED)))
        .annotate(appraisal_id=Subquery(theirs.values("pk")[:1]))
        .select_related("unit")
        .only("full_name", "code", "position", "group", "phone", "email", "sort_key", "unit__name", "unit__code")
        .order_by("sort_key", "pk")
    )


# Rating distribution ------------------------------------------------------------------------------------


@dataclasses.dataclass
class RatingRow:
    label: str
    counts: Counter
    unit: Unit | None = None
    last_year: Counter | None = None

    @property
    def total(self) -> int:
        return sum(self.counts[code] for code in RATING_ORDER)

    def share(self, code: str) -> float | None:
        return percent(self.counts[code], self.total)

    @property
    def shares(self) -> list[tuple[str, int, float | None]]:
        """(level name, count, share) from Tốt down to Chưa đạt."""
        return [(Rating(code).label, self.counts[code], self.share(code)) for code in RATING_ORDER]

    @property
    def kha_or_better(self) -> float | None:
        return percent(self.counts["tot"] + self.counts["kha"], self.total)

    @property
    def last_year_total(self) -> int:
        return sum(self.last_year[code] for code in RATING_ORDER) if self.last_year else 0

    @property
    def last_year_kha_or_better(self) -> float | None:
        if not self.last_year:
            return None
        return percent(self.last_year["tot"] + self.last_year["kha"], self.last_year_total)

    @property
    def change(self) -> float | None:
        """Khá-or-better share against last year, in percentage points."""
        now, before = self.kha_or_better, self.last_year_kha_or_better
        return None if now is None or before is None else round(now - before, 1)

    def change_of(self, code: str) -> float | None:
        if not self.last_year or not self.total:
            return None
        before = percent(self.last_year[code], self.last_year_total)
        now = self.share(code)
        return None if now is None or before is None else round(now - before, 1)

    @property
    def changes(self) -> list[tuple[str, float | None]]:
        """(level name, change of its share against last year in points) from Tốt down to Chưa đạt."""
        return [(Rating(code).label, self.change_of(code)) for code in RATING_ORDER]

    @property
    def below_target(self) -> bool:
        return self.kha_or_better is not None and self.kha_or_better < KHA_OR_BETTER_TARGET


def _rating_counts(appraisals, field: str) -> dict[int, Counter]:
    per_unit: dict[int, Counter] = defaultdict(Counter)
    for unit_id, code, n in appraisals.values_list("unit_id", field).annotate(n=Count("pk")).order_by():
        if code:
            per_unit[unit_id][code] += n
    return per_unit


def _by_level(subtree: Subtree, per_unit: dict[int, Counter]) -> dict[str, Counter]:
    """Counts by the levels of the school unit (a multi-level school is a row of its own: "Tiểu học, THCS")."""
    totals: dict[str, Counter] = defaultdict(Counter)
    for unit_id, counts in per_unit.items():
        if unit_id in subtree.levels:
            totals[subtree.levels[unit_id]].update(counts)
    return totals


@dataclasses.dataclass
class Distribution:
    total: RatingRow
    by_unit: list[RatingRow]
    by_level: list[RatingRow]
    self_total: RatingRow
    self_by_unit: list[RatingRow]
    has_last_year: bool


def distribution(cycle: AppraisalCycle, subtree: Subtree, *, no_level: str = "") -> Distribution:
    """Confirmed final ratings by child unit and by level of education, with last year's for the change;
    self-ratings of submitted self-assessments beside them. Three grouped queries."""
    in_subtree = Appraisal.objects.filter(unit_id__in=subtree.unit_ids())
    confirmed = Q(evaluation_status=Appraisal.EvaluationStatus.CONFIRMED)
    final = _rating_counts(in_subtree.filter(confirmed, cycle=cycle), "final_rating")
    own = _rating_counts(in_subtree.filter(cycle=cycle, self_status=Appraisal.SelfStatus.SUBMITTED), "self_rating")
    # Last year: the appraisals of these units in the cycles of the year before, whichever unit opened them.
    earlier_cycles = AppraisalCycle.objects.filter(year=cycle.year - 1).values("pk")
    before = _rating_counts(in_subtree.filter(confirmed, cycle__in=earlier_cycles), "final_rating")
    has_last_year = bool(before)

    def rows(per_unit: dict[int, Counter], previous: dict[int, Counter] | None) -> list[RatingRow]:
        now_totals, before_totals = subtree.roll_up(per_unit), subtree.roll_up(previous or {})
        return [
            RatingRow(
                label=unit.name,
                unit=unit,
                counts=counts,
                last_year=before_totals.get(unit.pk) if previous is not None else None,
            )
            for unit, counts in subtree.rows_for({**{k: Counter() for k in before_totals}, **now_totals})
        ]

    def overall(per_unit: dict[int, Counter], previous: dict[int, Counter] | None) -> RatingRow:
        counts = sum(per_unit.values(), Counter())
        last = sum(previous.values(), Counter()) if previous else None
        return RatingRow(label=subtree.root.name, unit=subtree.root, counts=counts, last_year=last)

    now_levels, before_levels = _by_level(subtree, final), _by_level(subtree, before)
    by_level = [
        RatingRow(
            label=levels_label(code) or no_level,
            counts=now_levels.get(code, Counter()),
            last_year=before_levels.get(code),
        )
        for code in sorted(set(now_levels) | set(before_levels), key=_level_order)
    ]
    return Distribution(
        total=overall(final, before),
        by_unit=rows(final, before),
        by_level=by_level,
        self_total=overall(own, None),
        self_by_unit=rows(own, None),
        has_last_year=has_last_year,
    )


def _level_order(codes: str) -> tuple:
    from bdtx.organisations.models import Level

    order = [code for code, _label in Level.choices]
    return tuple(order.index(code) if code in order else len(order) for code in codes.split(",")) or (len(order),)


# Training needs -----------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class NeedRow:
    """People of a unit's subtree who need training on one criterion in a school year."""

    standard_code: str
    number: int
    title: str
    people: int
    criterion_id: int = 0
    rated: int = 0  # of which the criterion was among their lowest rated
    declared: int = 0  # of which they declared it themselves


def _needs(unit: Unit, year: int):
    return TrainingNeed.objects.filter(year=year, unit_id__in=Unit.objects.within(unit).values("pk"))


def needs_by_criterion(unit: Unit, year: int) -> list[NeedRow]:
    """Training needs of the unit's subtree for a school year, by criterion: how many people need each one
    (counted once whether rated lowest, declared, or both), most needed first. Two queries; the plans reuse it."""
    needs = _needs(unit, year).filter(criterion__isnull=False)
    people = dict(needs.values_list("criterion_id").annotate(n=Count("staff_id", distinct=True)).order_by())
    by_source: dict[int, Counter] = defaultdict(Counter)
    for criterion_id, source, n in (
        needs.values_list("criterion_id", "source").annotate(n=Count("staff_id", distinct=True)).order_by()
    ):
        by_source[criterion_id][source] = n
    criteria = (
        Criterion.objects.filter(pk__in=list(people))
        .select_related("standard")
        .only("number", "title", "standard__code")
    )
    rows = [
        NeedRow(
            standard_code=criterion.standard.code,
            number=criterion.number,
            title=criterion.title,
            people=people[criterion.pk],
            criterion_id=criterion.pk,
            rated=by_source[criterion.pk][TrainingNeed.Source.RATING],
            declared=by_source[criterion.pk][TrainingNeed.Source.DECLARED],
        )
        for criterion in criteria
    ]
    return sorted(rows, key=lambda row: (-row.people, row.standard_code, row.number))


def needs_without_criterion(unit: Unit, year: int) -> int:
    """People who declared a need in their own words only (no criterion)."""
    return _needs(unit, year).filter(criterion__isnull=True).values("staff_id").distinct().count()


@dataclasses.dataclass
class HeatRow:
    unit: Unit
    appraised: int
    cells: list[tuple[int, float | None, int]]  # (people, share of the appraised, shade 0–5) per criterion


def shade(share: float | None) -> int:
    """0 for nobody, then one step per 20% of the people appraised (1 up to 5)."""
    if not share:
        return 0
    return min(5, int(share // 20) + 1)


def needs_heat(cycle: AppraisalCycle, subtree: Subtree, criteria: list[Criterion]) -> list[HeatRow]:
    """Per child unit × criterion of one standard: people who need it and their share of the people appraised
    there (submitted or confirmed under that standard). Two grouped queries."""
    if not criteria:
        return []
    standard_id = criteria[0].standard_id
    per_unit: dict[int, Counter] = defaultdict(Counter)
    rows = (
        TrainingNeed.objects.filter(
            year=cycle.year, unit_id__in=subtree.unit_ids(), criterion__in=[c.pk for c in criteria]
        )
        .values_list("unit_id", "criterion_id")
        .annotate(n=Count("staff_id", distinct=True))
        .order_by()
    )
    for unit_id, criterion_id, n in rows:
        per_unit[unit_id][criterion_id] += n
    appraised = (
        Appraisal.objects.filter(cycle=cycle, standard_id=standard_id, unit_id__in=subtree.unit_ids())
        .filter(
            Q(self_status=Appraisal.SelfStatus.SUBMITTED) | Q(evaluation_status=Appraisal.EvaluationStatus.CONFIRMED)
        )
        .values_list("unit_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for unit_id, n in appraised:
        per_unit[unit_id]["appraised"] += n
    totals = subtree.roll_up(per_unit)
    result = []
    for unit, counts in subtree.rows_for(totals):
        if not any(counts.values()):
            continue  # nobody appraised under this standard there (a preschool on the general-education table)
        base = counts["appraised"]
        shares = [(counts[c.pk], percent(counts[c.pk], base)) for c in criteria]
        cells = [(people, share, shade(share)) for people, share in shares]
        result.append(HeatRow(unit=unit, appraised=base, cells=cells))
    return result

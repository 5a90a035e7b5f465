"""The yearly result of each person, derived by the completion rule from their approved plan and the outcomes of
their classes, and the writes on it (recognition, correction). Everything that changes a result goes through
here and, past derivation, leaves a ResultEvent."""

from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from bdtx.accounts import permissions
from bdtx.appraisals.permissions import superior_unit
from bdtx.appraisals.progress import expected_staff
from bdtx.delivery.models import Enrolment, EnrolmentStatus, TrainingClass
from bdtx.organisations.models import Unit
from bdtx.plans.models import PersonalPlan, PersonalPlanItem, PlanStatus
from bdtx.rules.completion import Achievement, PlannedItem, completion_rule, year_outcome
from bdtx.staff.models import StaffGroup, StaffMember

from .models import ResultEvent, YearResult

CHUNK = 2000


class ResultError(Exception):
    """A write the rules refuse; the message says why, in the user's language."""


def people_for(year: int, *, unit=None, staff_ids: Iterable[int] | None = None) -> list[tuple[int, int]]:
    """(staff id, unit id) of those who get a result: the working teachers and managers, and anyone with a
    plan that year; within a unit's subtree or among given people."""
    # Unordered: the staff's default order (by name) would make the database walk the whole registry in that order.
    expected = expected_staff().order_by()
    plans = PersonalPlan.objects.filter(year=year).order_by()
    if unit is not None:
        subtree = Unit.objects.within(unit).values("pk")
        expected = expected.filter(unit_id__in=subtree)
        plans = plans.filter(staff__unit_id__in=subtree)
    planned = plans.values_list("staff_id", "staff__unit_id")
    expected = expected.values_list("pk", "unit_id")
    if staff_ids is not None:
        ids = list(staff_ids)
        found: dict[int, int] = {}
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            found.update(expected.filter(pk__in=chunk))
            found.update(planned.filter(staff_id__in=chunk))
        return sorted(found.items())
    found = dict(expected)
    found.update(planned)
    return sorted(found.items())


def recompute(
    year: int,
    *,
    unit=None,
    staff_ids: Iterable[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Derive (again) the results of the year; recognised or corrected results stay as they are.
    Returns {"people", "created", "updated", "unchanged", "locked"}.

    Per 2,000 people: four reads (plans, plan items, enrolments with their classes, the existing results) and the
    writes of what changed. The writes go straight to the table (one prepared INSERT or UPDATE run for every row):
    building 100,000 model instances and compiling a bulk insert cost more than deriving the results."""
    rule = completion_rule()
    rule_label = f"{rule.code} v{rule.version}"
    people = people_for(year, unit=unit, staff_ids=staff_ids)
    counts = {"people": len(people), "created": 0, "updated": 0, "unchanged": 0, "locked": 0}
    writer = _Writer(timezone.now())
    planned_items: dict[tuple, PlannedItem] = {}  # the same topic or module recurs for thousands of people
    for start in range(0, len(people), CHUNK):
        chunk = dict(people[start : start + CHUNK])
        ids = list(chunk)
        plans = {
            staff: (pk, status)
            for pk, staff, status in PersonalPlan.objects.filter(year=year, staff_id__in=ids).values_list(
                "pk", "staff_id", "status"
            )
        }
        items: dict[int, list[PlannedItem]] = defaultdict(list)
        for plan, *key in PersonalPlanItem.objects.filter(
            plan_id__in=[pk for pk, _status in plans.values()]
        ).values_list("plan_id", "content", "periods", "module__code", "module__title", "topic__title"):
            item = planned_items.get(key := tuple(key))
            if item is None:
                content, periods, module, title, topic = key
                item = planned_items[key] = PlannedItem(
                    content=content, periods=periods, module=module or "", title=title or topic or ""
                )
            items[plan].append(item)
        achievements = _achievements(year, ids)
        existing = {
            row[1]: row
            for row in YearResult.objects.filter(year=year, staff_id__in=ids)
            .order_by()
            .values_list("pk", "staff_id", *_Writer.VALUES, "recognised", "corrected")
        }
        new, dirty = [], []
        for staff_id, unit_id in chunk.items():
            plan = plans.get(staff_id)
            outcome = year_outcome(
                rule,
                plan_approved=plan is not None and plan[1] == PlanStatus.APPROVED,
                items=items.get(plan[0], []) if plan else [],
                achievements=achievements.get(staff_id, []),
            )
            values = (
                unit_id,
                plan[0] if plan else None,
                outcome.outcome,
                [[key, params] for key, params in outcome.reasons],
                outcome.lines,
                outcome.planned,
                outcome.earned,
                rule_label,
            )
            row = existing.get(staff_id)
            if row is None:
                new.append((staff_id, values))
            elif row[-2] or row[-1]:
                counts["locked"] += 1
            elif row[2:-2] != values:
                dirty.append((row[0], values))
            else:
                counts["unchanged"] += 1
        with transaction.atomic():
            writer.insert(year, new)
            counts["updated"] += writer.update(dirty)
        counts["created"] += len(new)
        if progress:
            progress(min(start + CHUNK, len(people)), len(people))
    return counts


class _Writer:
    """INSERT and UPDATE of YearResult rows with one prepared statement each, the values adapted by the model's
    own fields (JSON, the timestamp) for the database in use."""

    VALUES = ("unit_id", "plan_id", "outcome", "reasons", "lines", "periods_planned", "periods_earned", "rule")

    def __init__(self, now):
        meta = YearResult._meta
        self.table = connection.ops.quote_name(meta.db_table)
        self.columns = [meta.get_field(name.removesuffix("_id")).column for name in self.VALUES]
        self.reasons, self.lines = meta.get_field("reasons"), meta.get_field("lines")
        self.now = meta.get_field("computed_at").get_db_prep_save(now, connection)

    def _values(self, values: tuple) -> list:
        unit_id, plan_id, outcome, reasons, lines, planned, earned, rule = values
        return [
            unit_id,
            plan_id,
            outcome,
            self.reasons.get_db_prep_save(reasons, connection),
            self.lines.get_db_prep_save(lines, connection),
            planned,
            earned,
            rule,
        ]

    def insert(self, year: int, rows: list[tuple[int, tuple]]) -> None:
        if not rows:
            return
        quote = connection.ops.quote_name
        columns = ["staff_id", "year", *self.columns, "computed_at", "recognised", "corrected", "version"]
        sql = (
            f"INSERT INTO {self.table} ({', '.join(quote(c) for c in columns)}) "
            f"VALUES ({', '.join(['%s'] * len(columns))})"
        )
        with connection.cursor() as cursor:
            cursor.executemany(
                sql, [[staff_id, year, *self._values(values), self.now, False, False, 1] for staff_id, values in rows]
            )

    def update(self, rows: list[tuple[int, tuple]]) -> int:
        """Rewrite changed results, unless recognised or corrected meanwhile; returns how many were written."""
        if not rows:
            return 0
        quote = connection.ops.quote_name
        assignments = ", ".join(f"{quote(column)} = %s" for column in [*self.columns, "computed_at"])
        sql = (
            f"UPDATE {self.table} SET {assignments}, {quote('version')} = {quote('version')} + 1 "
            f"WHERE {quote('id')} = %s AND {quote('recognised')} = %s AND {quote('corrected')} = %s"
        )
        with connection.cursor() as cursor:
            cursor.executemany(sql, [[*self._values(values), self.now, pk, False, False] for pk, values in rows])
        return len(rows)


def _achievements(year: int, staff_ids: list[int]) -> dict[int, list[Achievement]]:
    rows = list(
        Enrolment.objects.filter(
            staff_id__in=staff_ids, status=EnrolmentStatus.ENROLLED, training_class__year=year
        ).values_list("staff_id", "outcome", "training_class_id")
    )
    class_ids = {class_id for _staff, _outcome, class_id in rows}
    classes = {
        pk: (content, periods, code)
        for pk, content, periods, code in TrainingClass.objects.filter(pk__in=class_ids).values_list(
            "pk", "content", "periods", "code"
        )
    }
    modules: dict[int, list[str]] = defaultdict(list)
    for class_id, code in TrainingClass.modules.through.objects.filter(trainingclass_id__in=class_ids).values_list(
        "trainingclass_id", "trainingmodule__code"
    ):
        modules[class_id].append(code)
    # One Achievement per class and outcome, shared by everyone with that outcome there (it is immutable).
    made: dict[tuple[int, str], Achievement] = {}
    found: dict[int, list[Achievement]] = defaultdict(list)
    for staff_id, outcome, class_id in rows:
        achievement = made.get((class_id, outcome))
        if achievement is None:
            content, periods, code = classes[class_id]
            achievement = made[class_id, outcome] = Achievement(
                content=content,
                periods=periods,
                outcome=outcome,
                modules=tuple(sorted(modules.get(class_id, ()))),
                class_code=code,
            )
        found[staff_id].append(achievement)
    return found


def refresh_people(staff_ids: Iterable[int], year: int) -> None:
    """After outcomes changed in classes of `year`: bring those people's results up to date."""
    ids = list(staff_ids)
    if ids:
        recompute(year, staff_ids=ids)


def _snapshot(result: YearResult) -> dict:
    return {"outcome": result.outcome, "recognised": result.recognised, "reasons": result.reasons}


def recognise(results: Iterable[YearResult], *, by) -> int:
    """Công nhận kết quả: lock these results as they are (one transaction; already recognised ones are skipped).
    The caller has checked the user may recognise each."""
    now = timezone.now()
    pending = [result for result in results if not result.recognised]
    with transaction.atomic():
        updated = YearResult.objects.filter(pk__in=[r.pk for r in pending], recognised=False).update(
            recognised=True, recognised_by=by, recognised_at=now, version=F("version") + 1
        )
        ResultEvent.objects.bulk_create(
            ResultEvent(
                result=result,
                action=ResultEvent.Action.RECOGNISE,
                by=by,
                before=_snapshot(result),
                after={**_snapshot(result), "recognised": True},
            )
            for result in pending
        )
    for result in pending:
        result.recognised, result.recognised_by, result.recognised_at = True, by, now
    return updated


def correct(result: YearResult, *, outcome: str, reason: str, by, expected_version: int | None = None) -> YearResult:
    """Change a result by hand, with a reason (audited); it stays as corrected until reopened."""
    from django.utils.translation import gettext as _

    if not reason.strip():
        raise ResultError(_("Say why the result is corrected."))
    result.refresh_from_db()
    if result.recognised:
        raise ResultError(_("This result is recognised and locked; reopen it first."))
    before = _snapshot(result)
    with transaction.atomic():
        filters = {"pk": result.pk, "recognised": False}
        if expected_version is not None:
            filters["version"] = expected_version
        if not YearResult.objects.filter(**filters).update(outcome=outcome, corrected=True, version=F("version") + 1):
            raise ResultError(_("Someone changed this result meanwhile. Reload the page and try again."))
        result.refresh_from_db()
        ResultEvent.objects.create(
            result=result,
            action=ResultEvent.Action.CORRECT,
            by=by,
            reason=reason.strip(),
            before=before,
            after=_snapshot(result),
        )
    return result


def reopen(result: YearResult, *, reason: str, by) -> YearResult:
    """Unlock a recognised (or corrected) result so that it follows the rule again; audited."""
    from django.utils.translation import gettext as _

    if not reason.strip():
        raise ResultError(_("Say why the result is reopened."))
    before = _snapshot(result)
    with transaction.atomic():
        YearResult.objects.filter(pk=result.pk).update(
            recognised=False, recognised_by=None, recognised_at=None, corrected=False, version=F("version") + 1
        )
        result.refresh_from_db()
        ResultEvent.objects.create(
            result=result,
            action=ResultEvent.Action.REOPEN,
            by=by,
            reason=reason.strip(),
            before=before,
            after=_snapshot(result),
        )
    recompute(result.year, staff_ids=[result.staff_id])
    result.refresh_from_db()
    return result


# Who recognises, corrects and reopens ---------------------------------------------------------------------
#
# TT 19/2019 Điều 11: the head of a school recognises the results of its teachers; a principal's own result is
# recognised by the level above, as for the principal's appraisal (bdtx.appraisals.permissions.superior_unit: the
# commune or district office for preschool, primary and lower secondary, the Sở for upper secondary and GDTX).
# Nobody recognises their own result. Once recognised a result is locked: only the level above the school (or the
# Sở) may reopen it, and only that level corrects a result by hand.


def is_head(staff: StaffMember) -> bool:
    """A school manager (principal, vice principal): their result is recognised by the level above."""
    return staff.group == StaffGroup.MANAGER


def units_for(results: Iterable[YearResult]) -> dict[int, Unit]:
    """The units of these results and every unit above them, by id (two queries), for the checks below."""
    unit_ids = {result.unit_id for result in results}
    units = {unit.pk: unit for unit in Unit.objects.filter(pk__in=unit_ids)}
    above = {pk for unit in units.values() for pk in unit.ancestor_ids()} - set(units)
    if above:
        units.update((unit.pk, unit) for unit in Unit.objects.filter(pk__in=above))
    return units


def recognising_unit(result: YearResult, known: dict[int, Unit] | None = None) -> Unit:
    """The unit whose managers recognise this result: the person's own unit, or the level above for a head."""
    unit = known[result.unit_id] if known is not None else result.unit
    if is_head(result.staff):
        return superior_unit(unit, known) or unit
    return unit


def _is_own(user, result: YearResult) -> bool:
    return result.staff.user_id is not None and result.staff.user_id == user.pk


def can_recognise(user, result: YearResult, known: dict[int, Unit] | None = None) -> bool:
    """The managers of the recognising unit or of a unit above it (system administrators too), never the
    person themself."""
    if _is_own(user, result):
        return False
    if permissions.is_system_admin(user):
        return True
    target = recognising_unit(result, known)
    return any(target.is_within(root) for root in permissions.managed_units(user))


def can_correct(user, result: YearResult, known: dict[int, Unit] | None = None) -> bool:
    """Correct or reopen: the managers of a unit above the person's unit (and at or above the recognising unit),
    system administrators too; never the person themself."""
    if _is_own(user, result):
        return False
    if permissions.is_system_admin(user):
        return True
    unit = known[result.unit_id] if known is not None else result.unit
    target = recognising_unit(result, known)
    return any(
        unit.is_within(root) and root.pk != unit.pk and target.is_within(root)
        for root in permissions.managed_units(user)
    )


def recognisable(user, results: Iterable[YearResult]) -> tuple[list[YearResult], list[YearResult]]:
    """(the results this user may recognise, those they may not). The results need `staff` loaded."""
    results = list(results)
    known = units_for(results)
    allowed, refused = [], []
    for result in results:
        (allowed if can_recognise(user, result, known) else refused).append(result)
    return allowed, refused


def recognise_as(user, results: Iterable[YearResult], *, strict: bool = False) -> tuple[int, list[YearResult]]:
    """Công nhận kết quả by `user`, the one path of the result page, the unit's batch and the API: the results
    they may not recognise are left out (returned), or with `strict` refused with a ResultError naming them.
    Returns (how many were recognised now, those left out)."""
    from django.utils.translation import gettext as _

    allowed, refused = recognisable(user, results)
    if strict and refused:
        names = ", ".join(sorted({result.staff.full_name for result in refused}))
        raise ResultError(
            _(
                "You may not recognise the result of %(names)s: the head of the person's unit recognises it (for "
                "a principal, the level above), never the person themself."
            )
            % {"names": names}
        )
    # In chunks: a whole province's results would pass the database's limit of values in one statement.
    count = sum(recognise(allowed[start : start + CHUNK], by=user) for start in range(0, len(allowed), CHUNK))
    return count, refused

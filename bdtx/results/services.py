"""The yearly result of each person, derived by the completion rule from their approved plan and the outcomes of
their classes, and the writes on it (recognition, correction). Everything that changes a result goes through
here and, past derivation, leaves a ResultEvent."""

from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from bdtx.appraisals.progress import expected_staff
from bdtx.delivery.models import Enrolment, EnrolmentStatus, TrainingClass
from bdtx.plans.models import PersonalPlan, PersonalPlanItem, PlanStatus
from bdtx.rules.completion import Achievement, PlannedItem, completion_rule, year_outcome
from bdtx.staff.models import StaffMember

from .models import ResultEvent, YearResult

CHUNK = 2000


class ResultError(Exception):
    """A write the rules refuse; the message says why, in the user's language."""


def people_for(year: int, *, unit=None, staff_ids: Iterable[int] | None = None) -> list[tuple[int, int]]:
    """(staff id, unit id) of those who get a result: the working teachers and managers, and anyone with a
    plan that year; within a unit's subtree or among given people."""
    expected = expected_staff()
    planned = StaffMember.objects.filter(bdtx_plans__year=year)
    if unit is not None:
        expected = expected.filter(unit__path__startswith=unit.path)
        planned = planned.filter(unit__path__startswith=unit.path)
    if staff_ids is not None:
        ids = list(staff_ids)
        found: dict[int, int] = {}
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            for queryset in (expected, planned):
                found.update(queryset.filter(pk__in=chunk).values_list("pk", "unit_id"))
        return sorted(found.items())
    found = dict(expected.values_list("pk", "unit_id"))
    found.update(planned.values_list("pk", "unit_id"))
    return sorted(found.items())


def recompute(
    year: int,
    *,
    unit=None,
    staff_ids: Iterable[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Derive (again) the results of the year; recognised or corrected results stay as they are.
    Returns {"people", "created", "updated", "unchanged", "locked"}."""
    rule = completion_rule()
    rule_label = f"{rule.code} v{rule.version}"
    people = people_for(year, unit=unit, staff_ids=staff_ids)
    counts = {"people": len(people), "created": 0, "updated": 0, "unchanged": 0, "locked": 0}
    now = timezone.now()
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
        for plan, content, periods, module, title, topic in PersonalPlanItem.objects.filter(
            plan_id__in=[pk for pk, _status in plans.values()]
        ).values_list("plan_id", "content", "periods", "module__code", "module__title", "topic__title"):
            items[plan].append(
                PlannedItem(content=content, periods=periods, module=module or "", title=title or topic or "")
            )
        achievements = _achievements(year, ids)
        existing = {result.staff_id: result for result in YearResult.objects.filter(year=year, staff_id__in=ids)}
        new, dirty = [], []
        for staff_id, unit_id in chunk.items():
            plan = plans.get(staff_id)
            outcome = year_outcome(
                rule,
                plan_approved=plan is not None and plan[1] == PlanStatus.APPROVED,
                items=items.get(plan[0], []) if plan else [],
                achievements=achievements.get(staff_id, []),
            )
            values = {
                "unit_id": unit_id,
                "plan_id": plan[0] if plan else None,
                "outcome": outcome.outcome,
                "reasons": [[key, params] for key, params in outcome.reasons],
                "lines": outcome.lines,
                "periods_planned": outcome.planned,
                "periods_earned": outcome.earned,
                "rule": rule_label,
            }
            result = existing.get(staff_id)
            if result is None:
                new.append(YearResult(staff_id=staff_id, year=year, computed_at=now, **values))
            elif result.recognised or result.corrected:
                counts["locked"] += 1
            elif any(getattr(result, field) != value for field, value in values.items()):
                for field, value in values.items():
                    setattr(result, field, value)
                result.computed_at = now
                result.version += 1
                dirty.append(result)
            else:
                counts["unchanged"] += 1
        with transaction.atomic():
            YearResult.objects.bulk_create(new, batch_size=500)
            YearResult.objects.bulk_update(dirty, [*values, "computed_at", "version"], batch_size=500)
        counts["created"] += len(new)
        counts["updated"] += len(dirty)
        if progress:
            progress(min(start + CHUNK, len(people)), len(people))
    return counts


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
    found: dict[int, list[Achievement]] = defaultdict(list)
    for staff_id, outcome, class_id in rows:
        content, periods, code = classes[class_id]
        found[staff_id].append(
            Achievement(
                content=content,
                periods=periods,
                outcome=outcome,
                modules=tuple(sorted(modules.get(class_id, ()))),
                class_code=code,
            )
        )
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

"""Each learner's outcome in a class, worked out from attendance and scores by the completion rule.

Every service that records attendance or a score calls `refresh_outcomes` for the enrolments it touched: a
fixed number of queries whatever their number. A session counts as held once its attendance is taken; an
excused absence does not count against the learner."""

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q
from django.utils import timezone

from bdtx.lib.db import update_rows
from bdtx.rules.completion import PASSED, class_outcome, completion_rule

from .models import Assessment, Attendance, ClassSession, Enrolment, EnrolmentStatus, Score

BATCH = 2000


def refresh_outcomes(enrolment_ids, *, results: bool = True) -> set[tuple[int, int]]:
    """Recompute outcome, reasons, sessions attended and mean score of these enrolments, then (unless
    `results` is False) the yearly results of the people whose outcome changed. Returns those (staff id, year)."""
    ids = list(enrolment_ids)
    changed: set[tuple[int, int]] = set()
    for start in range(0, len(ids), BATCH):
        changed |= _refresh(ids[start : start + BATCH])
    if results and changed:
        from bdtx.results.services import refresh_people

        by_year: dict[int, set[int]] = defaultdict(set)
        for staff_id, year in changed:
            by_year[year].add(staff_id)
        for year, staff_ids in by_year.items():
            refresh_people(staff_ids, year)
    return changed


def refresh_class(training_class, *, results: bool = True) -> set[tuple[int, int]]:
    """Every learner of the class (after a test was added or removed, or a session's attendance taken)."""
    enrolled = training_class.enrolments.filter(status=EnrolmentStatus.ENROLLED).values_list("pk", flat=True)
    return refresh_outcomes(list(enrolled), results=results)


def _refresh(ids: list[int]) -> set[tuple[int, int]]:
    rule = completion_rule()
    enrolments = list(
        Enrolment.objects.filter(pk__in=ids, status=EnrolmentStatus.ENROLLED).select_related("training_class")
    )
    if not enrolments:
        return set()
    class_ids = {e.training_class_id for e in enrolments}
    held = dict(
        ClassSession.objects.filter(training_class_id__in=class_ids, attendance_taken=True)
        .values("training_class")
        .annotate(n=Count("pk"))
        .values_list("training_class", "n")
    )
    counts = {
        row["enrolment"]: row
        for row in Attendance.objects.filter(enrolment_id__in=ids, session__attendance_taken=True)
        .values("enrolment")
        .annotate(
            attended=Count("pk", filter=Q(present=True)),
            excused_absences=Count("pk", filter=Q(present=False, excused=True)),
        )
    }
    tests: dict[int, list[int]] = defaultdict(list)
    for assessment_id, class_id in Assessment.objects.filter(training_class_id__in=class_ids).values_list(
        "pk", "training_class"
    ):
        tests[class_id].append(assessment_id)
    scores: dict[tuple[int, int], Decimal] = {
        (enrolment, assessment): value
        for enrolment, assessment, value in Score.objects.filter(enrolment_id__in=ids).values_list(
            "enrolment", "assessment", "value"
        )
    }
    now = timezone.now()
    changed: set[tuple[int, int]] = set()
    dirty = []
    for enrolment in enrolments:
        training_class = enrolment.training_class
        row = counts.get(enrolment.pk, {"attended": 0, "excused_absences": 0})
        values = [scores.get((enrolment.pk, test)) for test in tests[training_class.pk]]
        outcome, reasons = class_outcome(
            rule,
            sessions_held=max(held.get(training_class.pk, 0) - row["excused_absences"], 0),
            sessions_attended=row["attended"],
            scores=values,
            min_attendance_percent=training_class.min_attendance_percent,
        )
        given = [value for value in values if value is not None]
        mean = (sum(given) / len(given)).quantize(Decimal("0.01"), ROUND_HALF_UP) if given else None
        reasons = [
            [key, {k: str(v) if isinstance(v, Decimal) else v for k, v in params.items()}] for key, params in reasons
        ]
        new = (outcome, reasons, row["attended"], mean)
        if new != (enrolment.outcome, enrolment.reasons, enrolment.sessions_attended, enrolment.final_score):
            if outcome != enrolment.outcome:
                changed.add((enrolment.staff_id, training_class.year))
            before = {field: getattr(enrolment, field) for field in FIELDS}
            enrolment.outcome, enrolment.reasons, enrolment.sessions_attended, enrolment.final_score = new
            enrolment.completed_at = enrolment.completed_at or now if outcome == PASSED else None
            enrolment.updated_at = now
            dirty.append((enrolment, [field for field in FIELDS if getattr(enrolment, field) != before[field]]))
    _save(dirty)
    return changed


FIELDS = ("outcome", "reasons", "sessions_attended", "final_score", "completed_at", "updated_at")
GROUPED_UPDATES = 25


def _save(dirty: list[tuple[Enrolment, list[str]]]) -> None:
    """Write the recomputed enrolments. Rows given the same new values (most of a class after an attendance sheet
    or a new test: the same count, the same reasons) share one UPDATE: bulk_update builds a CASE per row and
    field, which costs far more for a class of hundreds. Many distinct values (e.g. every mean score different):
    one prepared UPDATE per row sent with executemany (bdtx.lib.db.update_rows)."""
    groups: dict[str, tuple[dict, list[int]]] = {}
    for enrolment, fields in dirty:
        values = {field: getattr(enrolment, field) for field in fields}
        key = repr(sorted(values.items()))
        groups.setdefault(key, (values, []))[1].append(enrolment.pk)
    if len(groups) <= GROUPED_UPDATES:
        for values, ids in groups.values():
            Enrolment.objects.filter(pk__in=ids).update(**values)
    else:
        update_rows([enrolment for enrolment, _fields in dirty], list(FIELDS))

"""Tests of a class and their scores (TT 19/2019 Điều 11: a 10-point scale, a pass from 5): adding, renaming and
removing tests, the score sheet, its Excel template and import. Every write of a score comes through
`save_scores` (the sheet, the import, the quiz, the LMS import and the API), which refreshes the learners'
outcomes in the same transaction."""

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bdtx.lib import cells
from bdtx.lib.cells import Invalid
from bdtx.lib.excel import Col, table_file
from bdtx.lib.spreadsheet import Outcome, Spec, UnusableFile, read_table, shown
from bdtx.lib.text import clean, header_key
from bdtx.rules.completion import completion_rule

from .models import Assessment, AssessmentKind, Enrolment, EnrolmentStatus, Score, ScoreSource
from .outcomes import refresh_class, refresh_outcomes
from .workbooks import CODE_HEADER, learner_rows

NAME_HEADER = "Họ và tên"
UNIT_HEADER = "Đơn vị"
TITLE_MAX = 200
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")


class ScoreError(Exception):
    """A write the rules refuse; str(error) says why and how to put it right, in the user's language."""


# Scores ---------------------------------------------------------------------------------------------------


def scale_max() -> Decimal:
    return completion_rule().scale_max


def parse_score(value: object) -> Decimal | None:
    """A score typed by a person or read from a cell: "7,5", "7.5", 7.5; blank is None. 0 to the rule's scale
    (10), at most two decimals; otherwise Invalid with a message that says how to type it."""
    if cells.is_blank(value):
        return None
    top = scale_max()
    if isinstance(value, float):
        # A number cell: drop the float's binary noise (7.1 is stored as 7.0999999…) before counting decimals.
        number = Decimal(repr(round(value, 9)))
        raw = shown(value)
    elif isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        number = Decimal(value)
        raw = str(value)
    else:
        raw = clean(value)
        if not _NUMBER.match(raw.replace(" ", "")):
            raise Invalid(
                _("“%(value)s” is not a score. Type a number from 0 to %(max)s, e.g. 7,5.")
                % {"value": raw, "max": score_text(top)}
            )
        try:
            number = Decimal(raw.replace(" ", "").replace(",", "."))
        except InvalidOperation:  # pragma: no cover - the pattern above lets only numbers through
            raise Invalid(_("“%(value)s” is not a score.") % {"value": raw}) from None
    if not number.is_finite() or number < 0 or number > top:
        raise Invalid(
            _("%(value)s is outside the scale: type a score from 0 to %(max)s.")
            % {"value": raw, "max": score_text(top)}
        )
    if number != number.quantize(Decimal("0.01"), ROUND_HALF_UP):
        raise Invalid(_("%(value)s has more than 2 decimals: round it, e.g. 7,25.") % {"value": raw.replace(".", ",")})
    return number.quantize(Decimal("0.01"))


def score_text(value: object) -> str:
    """A score as people write it: 7,5 rather than 7.50; 8 rather than 8.00 (the language's decimal mark)."""
    if value is None or value == "":
        return ""
    text = f"{Decimal(str(value)):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", formats.get_format("DECIMAL_SEPARATOR"))


def reason_text(key: str, values: Mapping | None = None) -> str:
    """The message for one reason of rules.completion.class_outcome (as stored in Enrolment.reasons), in the
    user's language."""
    values = dict(values or {})
    if key == "attendance_short":
        return _("Attended %(attended)s of %(held)s sessions; at least %(percent)s%% are needed.") % {
            "attended": values.get("attended", 0),
            "held": values.get("held", 0),
            "percent": values.get("percent", completion_rule().min_attendance_percent),
        }
    if key == "score_below":
        count = int(values.get("count", 1))
        return ngettext(
            "%(count)d test below the pass mark of %(pass_mark)s.",
            "%(count)d tests below the pass mark of %(pass_mark)s.",
            count,
        ) % {"count": count, "pass_mark": score_text(values.get("pass_mark", completion_rule().pass_mark))}
    if key == "score_missing":
        count = int(values.get("count", 1))
        return ngettext("%(count)d test not scored yet.", "%(count)d tests not scored yet.", count) % {"count": count}
    if key == "no_test":
        return _("The class has no test yet.")
    return key


def reasons_text(reasons: Iterable) -> list[str]:
    return [reason_text(key, values) for key, values in reasons or []]


# Tests of a class -----------------------------------------------------------------------------------------


def _check_test(
    training_class,
    *,
    title: str,
    kind: str,
    module,
    question_count: int,
    time_limit_minutes: int,
    max_attempts: int,
    exclude: int | None = None,
) -> str:
    title = clean(title)
    if not title:
        raise ScoreError(_("Type the test's title, e.g. “Bài kiểm tra cuối khoá”."))
    if len(title) > TITLE_MAX:
        raise ScoreError(_("The title is too long: at most %(max)d characters.") % {"max": TITLE_MAX})
    if kind not in AssessmentKind.values:
        raise ScoreError(_("Choose the kind of test."))
    others = training_class.assessments.exclude(pk=exclude).values_list("title", flat=True)
    if header_key(title) in {header_key(other) for other in others}:
        raise ScoreError(
            _("The class already has a test named “%(title)s”. Give each test its own name (the Excel columns use it).")
            % {"title": title}
        )
    if kind == AssessmentKind.QUIZ:
        if module is None:
            raise ScoreError(_("An online quiz draws its questions from a module's bank: choose the module."))
        if not training_class.modules.filter(pk=module.pk).exists():
            raise ScoreError(
                _("The module %(code)s is not one of this class's modules. Choose one of them.") % {"code": module.code}
            )
        if not 1 <= question_count <= 200:
            raise ScoreError(_("Questions drawn: from 1 to 200."))
        if not 1 <= time_limit_minutes <= 600:
            raise ScoreError(_("Time limit: from 1 to 600 minutes."))
        if not 1 <= max_attempts <= 20:
            raise ScoreError(_("Attempts allowed: from 1 to 20."))
    return title


@transaction.atomic
def add_test(
    training_class,
    *,
    title: str,
    kind: str = AssessmentKind.TEST,
    module=None,
    question_count: int = 20,
    time_limit_minutes: int = 30,
    max_attempts: int = 2,
) -> Assessment:
    """A new test of the class, last in order. Every learner now needs a score on it: outcomes are refreshed."""
    title = _check_test(
        training_class,
        title=title,
        kind=kind,
        module=module,
        question_count=question_count,
        time_limit_minutes=time_limit_minutes,
        max_attempts=max_attempts,
    )
    last = training_class.assessments.order_by("-position").values_list("position", flat=True).first()
    test = Assessment.objects.create(
        training_class=training_class,
        title=title,
        kind=kind,
        position=0 if last is None else last + 1,
        module=module if kind == AssessmentKind.QUIZ else None,
        question_count=question_count,
        time_limit_minutes=time_limit_minutes,
        max_attempts=max_attempts,
    )
    refresh_class(training_class)
    return test


TEST_FIELDS = ("title", "module_id", "question_count", "time_limit_minutes", "max_attempts")


def assessment_stamp(test: Assessment) -> str:
    """A short fingerprint of the test as its edit form showed it."""
    return hashlib.sha256(repr([getattr(test, name) for name in TEST_FIELDS]).encode()).hexdigest()[:16]


@transaction.atomic
def update_test(
    test: Assessment,
    *,
    title: str,
    module=None,
    question_count: int | None = None,
    time_limit_minutes: int | None = None,
    max_attempts: int | None = None,
    stamp: str | None = None,
) -> bool:
    """Rename a test (and change a quiz's settings). The kind stays: scores of another kind would not fit. With
    `stamp` (what the form showed), refused if someone changed the test since."""
    if stamp is not None and assessment_stamp(Assessment.objects.select_for_update().get(pk=test.pk)) != stamp:
        raise ScoreError(
            _("Someone else changed this test after you opened it. Reload the page and make your change again.")
        )
    quiz = test.kind == AssessmentKind.QUIZ
    values = {
        "module": module if quiz else test.module,
        "question_count": test.question_count if question_count is None else question_count,
        "time_limit_minutes": test.time_limit_minutes if time_limit_minutes is None else time_limit_minutes,
        "max_attempts": test.max_attempts if max_attempts is None else max_attempts,
    }
    values["title"] = _check_test(test.training_class, title=title, kind=test.kind, exclude=test.pk, **values)
    changed = [field for field, value in values.items() if getattr(test, field) != value]
    for field in changed:
        setattr(test, field, values[field])
    if changed:
        test.save(update_fields=changed)
    return bool(changed)


@transaction.atomic
def remove_test(test: Assessment, *, confirmed: bool = False) -> int:
    """Remove a test and its scores; refused without `confirmed` when it has scores. Returns the scores removed."""
    count = test.scores.count()
    if count and not confirmed:
        raise ScoreError(
            ngettext(
                "“%(title)s” has %(count)d score. Confirm that it and its score are removed.",
                "“%(title)s” has %(count)d scores. Confirm that it and its scores are removed.",
                count,
            )
            % {"title": test.title, "count": count}
        )
    training_class = test.training_class
    test.delete()
    refresh_class(training_class)
    return count


# The score sheet ------------------------------------------------------------------------------------------


def learners(training_class, user=None):
    """The enrolled learners of the class in Vietnamese name order; with `user`, only those whose enrolment
    the user may see (a principal: the people of their school; a learner: themselves)."""
    enrolments = Enrolment.objects.filter(training_class=training_class, status=EnrolmentStatus.ENROLLED)
    if user is not None:
        enrolments = enrolments.visible_to(user)
    return enrolments.select_related("staff", "staff__unit").order_by("staff__sort_key", "pk")


def score_map(enrolments, tests) -> dict[tuple[int, int], Score]:
    """{(enrolment id, test id): score} in one query."""
    return {
        (score.enrolment_id, score.assessment_id): score
        for score in Score.objects.filter(
            enrolment_id__in=[e.pk for e in enrolments], assessment_id__in=[t.pk for t in tests]
        )
    }


def cell_name(enrolment_id: int, test_id: int) -> str:
    return f"s-{enrolment_id}-{test_id}"


def loaded_values(scores: Mapping[tuple[int, int], Score]) -> str:
    """The scores as the sheet showed them (a hidden field): only the cells the person changed are written."""
    return json.dumps({f"{e}-{t}": str(score.value) for (e, t), score in scores.items()}, separators=(",", ":"))


def read_sheet(data: Mapping, enrolments, tests) -> tuple[dict, dict, list[str], dict[str, str]]:
    """The posted sheet: ({(enrolment id, test id): score or None} for the cells changed since it was loaded,
    {the same keys: the score the sheet showed there (None: none)}, the errors naming the learner and the test,
    {cell name: the text typed} to show the sheet again). Without `loaded` (not posted by the sheet) every cell
    posted is an entry and nothing is known of what was read."""
    try:
        loaded = json.loads(data.get("loaded") or "{}")
    except ValueError:
        loaded = {}
    entries, expected, errors, typed = {}, {}, [], {}
    for enrolment in enrolments:
        for test in tests:
            name = cell_name(enrolment.pk, test.pk)
            if name not in data:
                continue
            raw = data.get(name, "")
            typed[name] = raw
            try:
                value = parse_score(raw)
            except Invalid as error:
                errors.append(
                    _("%(name)s (%(code)s), %(test)s: %(error)s")
                    % {
                        "name": enrolment.staff.full_name,
                        "code": enrolment.staff.code,
                        "test": test.title,
                        "error": error,
                    }
                )
                continue
            before = loaded.get(f"{enrolment.pk}-{test.pk}")
            was = Decimal(before) if before else None
            if "loaded" in data:
                if was == value:
                    continue
                expected[(enrolment.pk, test.pk)] = was
            entries[(enrolment.pk, test.pk)] = value
    return entries, expected, errors, typed


class StaleScores(ScoreError):
    """Scores someone else changed since the person read them: nothing is written."""


def _refuse_changed(existing: Mapping, entries: Mapping, expected: Mapping) -> None:
    """StaleScores naming every learner and test whose score is no longer the one read (and not already the one
    wanted): the whole save is refused, so that an old screen never overwrites a newer score."""
    changed = []
    for key, was in expected.items():
        if key not in entries:
            continue
        score = existing.get(key)
        now = score.value if score is not None else None
        if now != (None if was is None else Decimal(was)) and now != entries[key]:
            changed.append((key, now))
    if not changed:
        return
    enrolments = Enrolment.objects.filter(pk__in={e for (e, _t), _now in changed}).select_related("staff").in_bulk()
    titles = dict(Assessment.objects.filter(pk__in={t for (_e, t), _now in changed}).values_list("pk", "title"))
    changed.sort(key=lambda item: (enrolments[item[0][0]].staff.sort_key, item[0][0], item[0][1]))
    cells_text = []
    for (enrolment_id, test_id), now in changed:
        staff = enrolments[enrolment_id].staff
        values = {"name": staff.full_name, "code": staff.code, "test": titles[test_id], "value": score_text(now)}
        if now is None:
            cells_text.append(_("%(name)s (%(code)s), %(test)s: now blank") % values)
        else:
            cells_text.append(_("%(name)s (%(code)s), %(test)s: now %(value)s") % values)
    raise StaleScores(
        ngettext(
            "Someone else changed this score since you opened the sheet: %(cells)s. Nothing was saved. Reload the "
            "page to see the scores as they are now, then type your changes again.",
            "Someone else changed these scores since you opened the sheet: %(cells)s. Nothing was saved. Reload the "
            "page to see the scores as they are now, then type your changes again.",
            len(changed),
        )
        % {"cells": "; ".join(cells_text)}
    )


@transaction.atomic
def save_scores(
    training_class,
    entries: Mapping[tuple[int, int], Decimal | None],
    *,
    by=None,
    source: str = ScoreSource.ENTRY,
    expected: Mapping[tuple[int, int], Decimal | None] | None = None,
) -> dict[str, int]:
    """Write scores of the class in bulk: {(enrolment id, test id): value}; None removes the score. Only the
    values that differ are written. Then the outcomes of the learners touched are refreshed, in the same
    transaction. ScoreError (nothing written) for a learner not enrolled here or a test of another class.
    `expected` ({key: the score as the person read it, None: none}, from the sheet or the API): StaleScores, and
    nothing written, if any of those cells changed since (the imports leave it out: a file is applied as it is)."""
    counts = {"created": 0, "updated": 0, "removed": 0, "unchanged": 0}
    if not entries:
        return counts
    enrolment_ids = {e for e, _t in entries}
    test_ids = {t for _e, t in entries}
    known_enrolments = set(
        Enrolment.objects.filter(
            pk__in=enrolment_ids, training_class=training_class, status=EnrolmentStatus.ENROLLED
        ).values_list("pk", flat=True)
    )
    known_tests = set(training_class.assessments.filter(pk__in=test_ids).values_list("pk", flat=True))
    if enrolment_ids - known_enrolments:
        raise ScoreError(_("Some learners are not enrolled in this class any more. Reload the page and try again."))
    if test_ids - known_tests:
        raise ScoreError(_("Some tests are no longer in this class. Reload the page and try again."))
    existing = {
        (score.enrolment_id, score.assessment_id): score
        for score in Score.objects.select_for_update().filter(
            enrolment_id__in=enrolment_ids, assessment_id__in=test_ids
        )
    }
    if expected:
        _refuse_changed(existing, entries, expected)
    create, update, remove, touched = [], [], [], set()
    for (enrolment_id, test_id), value in entries.items():
        score = existing.get((enrolment_id, test_id))
        if value is None:
            if score is not None:
                remove.append(score.pk)
                touched.add(enrolment_id)
            else:
                counts["unchanged"] += 1
        elif score is None:
            create.append(
                Score(assessment_id=test_id, enrolment_id=enrolment_id, value=value, source=source, recorded_by=by)
            )
            touched.add(enrolment_id)
        elif score.value != value:
            score.value, score.source, score.recorded_by = value, source, by
            update.append(score)
            touched.add(enrolment_id)
        else:
            counts["unchanged"] += 1
    if create:
        Score.objects.bulk_create(create, batch_size=500)
    if update:
        # bulk_update skips auto_now: the time is set here.
        now = timezone.now()
        for score in update:
            score.recorded_at = now
        Score.objects.bulk_update(update, ["value", "source", "recorded_by", "recorded_at"], batch_size=500)
    if remove:
        Score.objects.filter(pk__in=remove).delete()
    counts.update(created=len(create), updated=len(update), removed=len(remove))
    if touched:
        refresh_outcomes(sorted(touched))
    return counts


# Excel ----------------------------------------------------------------------------------------------------


def template_file(training_class, enrolments, tests):
    """The class's sheet as .xlsx (learners × tests, the scores so far): fill it in and upload it back."""
    scores = score_map(enrolments, tests)
    columns = [Col(CODE_HEADER, width=16), Col(NAME_HEADER, width=28), Col(UNIT_HEADER, width=30)]
    columns += [Col(test.title, kind="number", width=max(12, min(len(test.title) + 2, 30))) for test in tests]

    def rows():
        for enrolment in enrolments:
            row: list[object] = [enrolment.staff.code, enrolment.staff.full_name, enrolment.staff.unit.name]
            for test in tests:
                score = scores.get((enrolment.pk, test.pk))
                row.append(float(score.value) if score else None)
            yield row

    return table_file(columns, rows(), sheet="Điểm")


def check_import(training_class, data: bytes, name: str) -> tuple[Outcome, dict]:
    """Read and check a filled-in template: (outcome with every error by row and column, the entries to save).
    A blank cell leaves that score as it is. UnusableFile when no code column or no test column is found."""
    tests = list(training_class.assessments.order_by("position", "pk"))
    specs = [Spec(CODE_HEADER, "code", required=True), Spec(NAME_HEADER, "name")]
    specs += [Spec(test.title, f"t{test.pk}") for test in tests]
    table = read_table(data, specs, name=name)
    present = [test for test in tests if f"t{test.pk}" in table.columns]
    if not present:
        raise UnusableFile(
            _("No column is named after a test of this class. Name the score columns as the tests: %(titles)s.")
            % {"titles": ", ".join(test.title for test in tests) or "—"}
        )
    enrolled = {
        enrolment.staff.code.casefold(): enrolment
        for enrolment in learners(training_class).select_related(None).select_related("staff")
    }
    outcome, entries = Outcome(), {}
    for number, raw, enrolment in learner_rows(table, enrolled, outcome):
        for test in present:
            try:
                value = parse_score(raw.get(f"t{test.pk}"))
            except Invalid as error:
                outcome.error(number, test.title, str(error))
                continue
            if value is not None:
                entries[(enrolment.pk, test.pk)] = value
    return outcome, entries

"""Tests of a class and the score sheet: add, rename or remove tests; enter the scores of every learner
(keyboard first: Tab moves down a column), download the sheet as Excel and upload it back. Those who teach the
class (its runners and presenters) write; others who see the class read the rows they may see (a principal:
their school's people; a learner: their own). Outside that, the class does not exist (404)."""

import logging

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from bdtx.lib.excel import XLSX_CONTENT_TYPE
from bdtx.lib.spreadsheet import UnusableFile

from .. import quiz, scoring
from ..models import Assessment, AssessmentKind, ScoreSource, TrainingClass
from ..permissions import can_teach_class

export_log = logging.getLogger("bdtx.exports")


def visible_class(request, pk: int) -> TrainingClass:
    return get_object_or_404(TrainingClass.objects.visible_to(request.user).select_related("organiser"), pk=pk)


def taught_class(request, pk: int) -> TrainingClass:
    """The class, if this user teaches it (runs it or presents it); else it does not exist for them."""
    training_class = visible_class(request, pk)
    if not can_teach_class(request.user, training_class):
        raise Http404
    return training_class


def taught_test(request, pk: int) -> Assessment:
    test = get_object_or_404(
        Assessment.objects.filter(training_class__in=TrainingClass.objects.visible_to(request.user)).select_related(
            "training_class", "module"
        ),
        pk=pk,
    )
    if not can_teach_class(request.user, test.training_class):
        raise Http404
    return test


def bank_problems(tests) -> dict[int, str]:
    """{quiz test id: why it cannot be taken yet} for the quizzes whose bank is too small."""
    quizzes = [test for test in tests if test.kind == AssessmentKind.QUIZ]
    sizes = quiz.bank_sizes({test.module_id for test in quizzes if test.module_id})
    problems = {test.pk: quiz.bank_problem(test, sizes.get(test.module_id, 0)) for test in quizzes}
    return {pk: problem for pk, problem in problems.items() if problem}


# The score sheet ------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def score_sheet(request, pk: int):
    training_class = visible_class(request, pk)
    can_write = can_teach_class(request.user, training_class)
    if request.method == "POST" and not can_write:
        raise Http404
    tests = list(training_class.assessments.select_related("module").order_by("position", "pk"))
    enrolments = list(scoring.learners(training_class, None if can_write else request.user))
    errors, typed, stale = [], {}, False
    if request.method == "POST":
        entries, expected, errors, typed = scoring.read_sheet(request.POST, enrolments, tests)
        if not errors:
            try:
                counts = scoring.save_scores(
                    training_class, entries, by=request.user, source=ScoreSource.ENTRY, expected=expected
                )
            except scoring.ScoreError as error:
                errors, stale = [str(error)], isinstance(error, scoring.StaleScores)
            else:
                written = counts["created"] + counts["updated"] + counts["removed"]
                if written:
                    messages.success(
                        request,
                        ngettext("%(count)d score saved.", "%(count)d scores saved.", written) % {"count": written},
                    )
                else:
                    messages.info(request, _("Nothing was changed."))
                return redirect("delivery:scores", pk=training_class.pk)
    scores = scoring.score_map(enrolments, tests)
    height = len(enrolments)
    rows = []
    for row_index, enrolment in enumerate(enrolments):
        row_cells = []
        for col_index, test in enumerate(tests):
            name = scoring.cell_name(enrolment.pk, test.pk)
            score = scores.get((enrolment.pk, test.pk))
            row_cells.append(
                {
                    "name": name,
                    "test": test,
                    "score": score,
                    "value": typed[name] if name in typed else scoring.score_text(score.value if score else None),
                    # Tab walks down a column, then to the top of the next one: scores are entered test by test.
                    "tabindex": 1 + col_index * height + row_index,
                }
            )
        rows.append({"enrolment": enrolment, "cells": row_cells, "reasons": scoring.reasons_text(enrolment.reasons)})
    context = {
        "training_class": training_class,
        "tests": tests,
        "rows": rows,
        "can_write": can_write,
        "errors": errors,
        "stale": stale,
        # After a refusal the sheet keeps what it was loaded with: saving again is refused until it is reloaded.
        "loaded": request.POST.get("loaded", "") if stale else scoring.loaded_values(scores),
        "save_tabindex": 1 + len(tests) * height,
        "problems": bank_problems(tests).values() if can_write else [],
        "scale_max": scoring.score_text(scoring.scale_max()),
    }
    return render(request, "delivery/scores_sheet.html", context, status=409 if stale else 400 if errors else 200)


@login_required
@require_GET
def score_template(request, pk: int):
    training_class = visible_class(request, pk)
    can_write = can_teach_class(request.user, training_class)
    tests = list(training_class.assessments.order_by("position", "pk"))
    enrolments = list(scoring.learners(training_class, None if can_write else request.user))
    handle, count = scoring.template_file(training_class, enrolments, tests)
    export_log.info("user=%s exported scores class=%s rows=%d", request.user.username, training_class.pk, count)
    name = f"diem-{training_class.code}-{training_class.year}.xlsx".replace(" ", "-").replace("/", "-")
    return FileResponse(handle, as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)


class ScoreImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (.xlsx or .csv)"),
        help_text=gettext_lazy(
            "The layout of the downloaded sheet: Mã định danh, Họ và tên, then one column per test named as the "
            "test. A blank cell leaves that score as it is."
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def score_import(request, pk: int):
    training_class = taught_class(request, pk)
    form = ScoreImportForm(request.POST or None, request.FILES or None)
    outcome = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            outcome, entries = scoring.check_import(training_class, upload.read(), upload.name)
        except UnusableFile as error:
            form.add_error("file", str(error))
        else:
            if outcome.errors:
                messages.error(
                    request, _("The file has errors; nothing was saved. Correct the rows below and upload it again.")
                )
            else:
                counts = scoring.save_scores(training_class, entries, by=request.user, source=ScoreSource.IMPORT)
                messages.success(
                    request,
                    _("Saved from %(file)s: %(created)d scores added, %(updated)d changed, %(unchanged)d unchanged.")
                    % {
                        "file": upload.name,
                        "created": counts["created"],
                        "updated": counts["updated"],
                        "unchanged": counts["unchanged"],
                    },
                )
                return redirect("delivery:scores", pk=training_class.pk)
    context = {"training_class": training_class, "form": form, "outcome": outcome}
    return render(request, "delivery/scores_import.html", context, status=400 if outcome and outcome.errors else 200)


# Tests ----------------------------------------------------------------------------------------------------


class TestForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=scoring.TITLE_MAX,
        error_messages={"required": gettext_lazy("Type the test's title, e.g. “Bài kiểm tra cuối khoá”.")},
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=AssessmentKind.choices, initial=AssessmentKind.TEST)
    module = forms.ModelChoiceField(
        label=gettext_lazy("Question bank (online quiz)"),
        queryset=None,
        required=False,
        empty_label="—",
        help_text=gettext_lazy("For an online quiz: the module whose question bank it draws from."),
    )
    question_count = forms.IntegerField(
        label=gettext_lazy("Questions drawn"), min_value=1, max_value=200, initial=20, required=False
    )
    time_limit_minutes = forms.IntegerField(
        label=gettext_lazy("Time limit (minutes)"), min_value=1, max_value=600, initial=30, required=False
    )
    max_attempts = forms.IntegerField(
        label=gettext_lazy("Attempts allowed"), min_value=1, max_value=20, initial=2, required=False
    )

    # What the edit form showed (scoring.assessment_stamp): a save based on an old read is refused.
    stamp = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, training_class, test=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["module"].queryset = training_class.modules.order_by("code")
        if test is not None:
            del self.fields["kind"]
            if test.kind != AssessmentKind.QUIZ:
                for name in ("module", "question_count", "time_limit_minutes", "max_attempts"):
                    del self.fields[name]


def _quiz_values(data: dict) -> dict:
    """The quiz settings of the form (blank numbers: the defaults)."""
    keys = ("question_count", "time_limit_minutes", "max_attempts")
    values = {key: data[key] for key in keys if data.get(key) is not None}
    if "module" in data:
        values["module"] = data["module"]
    return values


@login_required
@require_http_methods(["GET", "POST"])
def test_list(request, pk: int):
    training_class = visible_class(request, pk)
    can_write = can_teach_class(request.user, training_class)
    if request.method == "POST" and not can_write:
        raise Http404
    form = TestForm(request.POST or None, training_class=training_class) if can_write else None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            test = scoring.add_test(training_class, title=data["title"], kind=data["kind"], **_quiz_values(data))
        except scoring.ScoreError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Test “%(title)s” added.") % {"title": test.title})
            return redirect("delivery:tests", pk=training_class.pk)
    tests = list(training_class.assessments.select_related("module__owner").order_by("position", "pk"))
    counts = dict(training_class.assessments.annotate(n=Count("scores")).values_list("pk", "n"))
    problems = bank_problems(tests) if can_write else {}
    for test in tests:
        test.score_count = counts.get(test.pk, 0)
        test.problem = problems.get(test.pk, "")
        test.bank_editable = bool(test.module_id) and can_write and quiz.can_edit_bank(request.user, test.module)
    context = {"training_class": training_class, "tests": tests, "form": form, "can_write": can_write}
    return render(request, "delivery/scores_tests.html", context, status=400 if form and form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def test_edit(request, pk: int):
    test = taught_test(request, pk)
    training_class = test.training_class
    initial = {
        "title": test.title,
        "module": test.module_id,
        "question_count": test.question_count,
        "time_limit_minutes": test.time_limit_minutes,
        "max_attempts": test.max_attempts,
        "stamp": scoring.assessment_stamp(test),
    }
    form = TestForm(request.POST or None, training_class=training_class, test=test, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            changed = scoring.update_test(test, title=data["title"], stamp=data["stamp"] or None, **_quiz_values(data))
        except scoring.ScoreError as error:
            form.add_error(None, str(error))
        else:
            if changed:
                messages.success(request, _("Test “%(title)s” saved.") % {"title": test.title})
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("delivery:tests", pk=training_class.pk)
    context = {"training_class": training_class, "test": test, "form": form}
    return render(request, "delivery/scores_test_form.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def test_remove(request, pk: int):
    test = taught_test(request, pk)
    training_class = test.training_class
    count = test.scores.count()
    if request.method == "POST":
        try:
            scoring.remove_test(test, confirmed=request.POST.get("confirm") == "1")
        except scoring.ScoreError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Test “%(title)s” removed.") % {"title": test.title})
            return redirect("delivery:tests", pk=training_class.pk)
    context = {"training_class": training_class, "test": test, "count": count}
    return render(request, "delivery/scores_test_remove.html", context)


urlpatterns = [
    path("<int:pk>/scores", score_sheet, name="scores"),
    path("<int:pk>/scores.xlsx", score_template, name="scores-template"),
    path("<int:pk>/scores/import", score_import, name="scores-import"),
    path("<int:pk>/tests", test_list, name="tests"),
    path("tests/<int:pk>/edit", test_edit, name="test-edit"),
    path("tests/<int:pk>/remove", test_remove, name="test-remove"),
]

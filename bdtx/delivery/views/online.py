"""The online module page of a class (từ xa / kết hợp): the modules' materials (opening one counts in the
learner's progress), and the final quiz: start an attempt, answer within the time limit, see the score. The
best attempt is the learner's score on the test. Those who teach the class see the page as a preview.

The question banks of the modules are kept here too: by the managers of the unit that added the module, or for
a national module by those who keep the province's catalogue (see delivery.quiz). Nobody else sees a bank (it
holds the answers): for them it does not exist (404)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bdtx.appraisals.permissions import own_staff
from bdtx.catalog.models import ModuleMaterial, TrainingModule
from bdtx.lib.excel import XLSX_CONTENT_TYPE
from bdtx.lib.spreadsheet import UnusableFile

from .. import quiz, scoring
from ..models import (
    Assessment,
    AssessmentKind,
    Enrolment,
    EnrolmentStatus,
    MaterialProgress,
    Question,
    QuizAttempt,
    Score,
    TrainingClass,
)
from ..permissions import can_teach_class
from .scores import visible_class

PAGE_SIZE = 50
WIDE = forms.TextInput(attrs={"size": 60})


def learner_enrolment(user, training_class) -> Enrolment | None:
    """The user's own enrolment in the class (enrolled, not waiting or withdrawn), or None."""
    own = own_staff(user)
    if own is None:
        return None
    return Enrolment.objects.filter(training_class=training_class, staff=own, status=EnrolmentStatus.ENROLLED).first()


def online_class(request, pk: int) -> tuple[TrainingClass, Enrolment | None, bool]:
    """(class, the user's enrolment, whether they teach it): the page is for its learners and its teachers."""
    training_class = visible_class(request, pk)
    enrolment = learner_enrolment(request.user, training_class)
    teaches = can_teach_class(request.user, training_class)
    if enrolment is None and not teaches:
        raise Http404
    return training_class, enrolment, teaches


@login_required
@require_GET
def online(request, pk: int):
    training_class, enrolment, teaches = online_class(request, pk)
    now = timezone.now()
    modules = list(
        training_class.modules.order_by("code").prefetch_related(
            Prefetch("materials", queryset=ModuleMaterial.objects.order_by("pk"))
        )
    )
    opened = set()
    if enrolment is not None:
        quiz.close_expired_of(enrolment, now=now)
        opened = set(MaterialProgress.objects.filter(enrolment=enrolment).values_list("material_id", flat=True))
    materials = [material for module in modules for material in module.materials.all()]
    for material in materials:
        material.opened = material.pk in opened
    tests = list(training_class.assessments.select_related("module").order_by("position", "pk"))
    quizzes = [test for test in tests if test.kind == AssessmentKind.QUIZ]
    sizes = quiz.bank_sizes({test.module_id for test in quizzes if test.module_id})
    attempts: dict[int, list[QuizAttempt]] = {}
    scores: dict[int, Score] = {}
    if enrolment is not None:
        for attempt in QuizAttempt.objects.filter(enrolment=enrolment, assessment__in=quizzes).order_by("number"):
            attempts.setdefault(attempt.assessment_id, []).append(attempt)
        scores = {score.assessment_id: score for score in Score.objects.filter(enrolment=enrolment)}
    for test in quizzes:
        test.attempt_list = attempts.get(test.pk, [])
        test.used = len(test.attempt_list)
        test.left = max(test.max_attempts - test.used, 0)
        test.open_attempt = next((a for a in test.attempt_list if quiz.is_open(a, now)), None)
        test.best = scores.get(test.pk)
        test.problem = quiz.bank_problem(test, sizes.get(test.module_id, 0))
    for test in tests:
        score = scores.get(test.pk)
        test.score_text = scoring.score_text(score.value) if score else ""
    context = {
        "training_class": training_class,
        "enrolment": enrolment,
        "teaches": teaches,
        "modules": modules,
        "materials_total": len(materials),
        "materials_opened": sum(1 for material in materials if material.opened),
        "quizzes": quizzes,
        "tests": tests,
        "reasons": scoring.reasons_text(enrolment.reasons) if enrolment else [],
    }
    return render(request, "delivery/online_page.html", context)


@login_required
@require_GET
def online_open(request, pk: int):
    """Open a material of the class's modules (?material=id): counted in the learner's progress, then the file
    is sent or the link followed."""
    training_class, enrolment, _teaches = online_class(request, pk)
    material_id = request.GET.get("material", "")
    if not material_id.isdigit():
        raise Http404
    material = get_object_or_404(ModuleMaterial.objects.filter(module__in=training_class.modules.all()), pk=material_id)
    if enrolment is not None:
        MaterialProgress.objects.get_or_create(enrolment=enrolment, material=material)
    if material.file:
        inline = material.content_type in ("application/pdf", "image/png", "image/jpeg")
        return FileResponse(
            material.file.open("rb"),
            as_attachment=not inline,
            filename=material.file_name,
            content_type=material.content_type or None,
        )
    if not material.url:
        raise Http404
    return HttpResponseRedirect(material.url)


# The quiz -------------------------------------------------------------------------------------------------


@login_required
@require_POST
def quiz_start(request, pk: int):
    test = get_object_or_404(
        Assessment.objects.filter(
            training_class__in=TrainingClass.objects.visible_to(request.user), kind=AssessmentKind.QUIZ
        ).select_related("training_class", "module"),
        pk=pk,
    )
    enrolment = learner_enrolment(request.user, test.training_class)
    if enrolment is None:
        raise Http404
    try:
        attempt = quiz.start_attempt(test, enrolment)
    except quiz.QuizError as error:
        messages.error(request, str(error))
        return redirect("delivery:online", pk=test.training_class_id)
    return redirect("delivery:quiz-attempt", pk=attempt.pk)


def own_attempt(request, pk: int) -> QuizAttempt:
    """One of the user's own attempts; nobody else's (an attempt shows the questions drawn)."""
    return get_object_or_404(
        QuizAttempt.objects.filter(
            enrolment__staff__user=request.user, enrolment__status=EnrolmentStatus.ENROLLED
        ).select_related("assessment__training_class", "assessment__module", "enrolment__staff"),
        pk=pk,
    )


@login_required
@require_http_methods(["GET", "POST"])
def quiz_attempt(request, pk: int):
    attempt = own_attempt(request, pk)
    test = attempt.assessment
    if request.method == "POST":
        answers = {str(item["q"]): request.POST.getlist(f"q{item['q']}") for item in attempt.drawn}
        try:
            if request.POST.get("action") == "save":
                quiz.save_answers(attempt, answers)
                messages.success(request, _("Answers saved. Hand the quiz in before the time is up."))
            else:
                quiz.submit_attempt(attempt, answers)
                messages.success(
                    request, _("Handed in. Your score: %(score)s.") % {"score": scoring.score_text(attempt.score)}
                )
        except quiz.QuizError as error:
            messages.error(request, str(error))
        return redirect("delivery:quiz-attempt", pk=attempt.pk)
    now = timezone.now()
    quiz.close_if_expired(attempt, now=now)
    questions = Question.objects.in_bulk([item["q"] for item in attempt.drawn])
    answers = attempt.answers or {}
    items = []
    for number, item in enumerate(attempt.drawn, start=1):
        question = questions.get(item["q"])
        if question is None:
            continue
        chosen = set(answers.get(str(question.pk), []))
        items.append(
            {
                "number": number,
                "question": question,
                "multiple": len(question.correct) > 1,
                "choices": [
                    {
                        "index": index,
                        "text": question.choices[index],
                        "letter": quiz.LETTERS[shown],
                        "checked": index in chosen,
                    }
                    for shown, index in enumerate(item["order"])
                    if index < len(question.choices)
                ],
            }
        )
    seconds_left = max(int((attempt.deadline - now).total_seconds()), 0)
    attempt_count = QuizAttempt.objects.filter(assessment=test, enrolment=attempt.enrolment).count()
    context = {
        "training_class": test.training_class,
        "test": test,
        "attempt": attempt,
        "items": items,
        "finished": attempt.submitted_at is not None,
        "right": quiz.right_count(attempt, questions) if attempt.submitted_at else None,
        "score": scoring.score_text(attempt.score),
        "minutes_left": (seconds_left + 59) // 60,
        "seconds_left": seconds_left,
        "attempts_left": max(test.max_attempts - attempt_count, 0),
    }
    return render(request, "delivery/quiz_attempt.html", context)


# The question bank ----------------------------------------------------------------------------------------


def bank_module(request, pk: int) -> TrainingModule:
    module = get_object_or_404(TrainingModule.objects.visible_to(request.user).select_related("owner"), pk=pk)
    if not quiz.can_edit_bank(request.user, module):
        raise Http404
    return module


def bank_question(request, pk: int) -> Question:
    question = get_object_or_404(
        Question.objects.filter(module__in=TrainingModule.objects.visible_to(request.user)).select_related(
            "module__owner"
        ),
        pk=pk,
    )
    if not quiz.can_edit_bank(request.user, question.module):
        raise Http404
    return question


class QuestionForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Question"), widget=forms.Textarea(attrs={"rows": 3}), max_length=quiz.TEXT_MAX
    )
    choice_a = forms.CharField(label=gettext_lazy("Choice A"), max_length=quiz.CHOICE_MAX, widget=WIDE)
    choice_b = forms.CharField(label=gettext_lazy("Choice B"), max_length=quiz.CHOICE_MAX, widget=WIDE)
    choice_c = forms.CharField(label=gettext_lazy("Choice C"), max_length=quiz.CHOICE_MAX, widget=WIDE, required=False)
    choice_d = forms.CharField(label=gettext_lazy("Choice D"), max_length=quiz.CHOICE_MAX, widget=WIDE, required=False)
    choice_e = forms.CharField(label=gettext_lazy("Choice E"), max_length=quiz.CHOICE_MAX, widget=WIDE, required=False)
    choice_f = forms.CharField(label=gettext_lazy("Choice F"), max_length=quiz.CHOICE_MAX, widget=WIDE, required=False)
    answer = forms.CharField(
        label=gettext_lazy("Right answer"),
        max_length=20,
        help_text=gettext_lazy("The letter of the right choice (B), or letters when several are right (A,C)."),
    )

    FIELDS = {"text": "text", "answer": "answer"} | {
        f"c{index}": f"choice_{letter.lower()}" for index, letter in enumerate(quiz.LETTERS)
    }

    # What the form showed (quiz.question_stamp): a save based on an old read is refused.
    stamp = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        choices = [data.get(f"choice_{letter.lower()}", "") for letter in quiz.LETTERS]
        try:
            self.question = quiz.check_question(data.get("text"), choices, data.get("answer"))
        except quiz.BadPart as error:
            self.add_error(self.FIELDS[error.part], str(error))
        return data

    @classmethod
    def initial_for(cls, question: Question) -> dict:
        initial = {
            "text": question.text,
            "answer": quiz.answer_letters(question.correct),
            "stamp": quiz.question_stamp(question),
        }
        for index, choice in enumerate(question.choices[: len(quiz.LETTERS)]):
            initial[f"choice_{quiz.LETTERS[index].lower()}"] = choice
        return initial


@login_required
@require_http_methods(["GET", "POST"])
def question_bank(request, pk: int):
    module = bank_module(request, pk)
    form = QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        text, choices, correct = form.question
        quiz.add_question(
            module, text=text, choices=choices, correct=correct, owner=quiz.bank_owner(request.user, module)
        )
        messages.success(request, _("Question added to the bank of %(code)s.") % {"code": module.code})
        return redirect("delivery:question-bank", pk=module.pk)
    questions = Question.objects.filter(module=module).order_by("-active", "pk")
    page = Paginator(questions, PAGE_SIZE).get_page(request.GET.get("page"))
    for question in page.object_list:
        question.lettered = [
            {"letter": quiz.LETTERS[index], "text": choice, "right": index in question.correct}
            for index, choice in enumerate(question.choices)
        ]
    context = {
        "module": module,
        "page": page,
        "active_count": Question.objects.filter(module=module, active=True).count(),
        "form": form,
    }
    return render(request, "delivery/quiz_bank.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def question_edit(request, pk: int):
    question = bank_question(request, pk)
    form = QuestionForm(request.POST or None, initial=QuestionForm.initial_for(question))
    if request.method == "POST" and form.is_valid():
        text, choices, correct = form.question
        try:
            changed = quiz.update_question(
                question, text=text, choices=choices, correct=correct, stamp=form.cleaned_data["stamp"] or None
            )
        except quiz.QuizError as error:
            form.add_error(None, str(error))
        else:
            if changed:
                messages.success(request, _("Question saved."))
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("delivery:question-bank", pk=question.module_id)
    context = {"module": question.module, "question": question, "form": form}
    return render(request, "delivery/quiz_question_form.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def question_active(request, pk: int):
    """Draw the question (active=1) or stop drawing it (active=0). The state wanted is posted, not "toggle": a click
    from an old page that asks for the state the question already has changes nothing."""
    question = bank_question(request, pk)
    wanted = request.POST.get("active")
    if wanted not in ("0", "1"):
        messages.error(
            request, _("Say whether the question is drawn (active=1) or not (active=0). Nothing was changed.")
        )
        return redirect("delivery:question-bank", pk=question.module_id)
    if not quiz.set_active(question, wanted == "1"):
        if question.active:
            messages.info(
                request, _("The question is already drawn (someone else may have just changed it): nothing to do.")
            )
        else:
            messages.info(
                request,
                _("The question is already no longer drawn (someone else may have just changed it): nothing to do."),
            )
        return redirect("delivery:question-bank", pk=question.module_id)
    if question.active:
        messages.success(request, _("The question is drawn again."))
    else:
        messages.success(request, _("The question is no longer drawn; attempts that drew it keep it."))
    return redirect("delivery:question-bank", pk=question.module_id)


class QuestionImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (.xlsx or .csv)"),
        help_text=gettext_lazy(
            "Columns: Câu hỏi, Phương án A, Phương án B, Phương án C, Phương án D (E and F if needed), Đáp án "
            "(e.g. B, or A,C when several choices are right)."
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def question_import(request, pk: int):
    module = bank_module(request, pk)
    form = QuestionImportForm(request.POST or None, request.FILES or None)
    outcome = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            outcome, rows = quiz.check_questions(upload.read(), upload.name)
        except UnusableFile as error:
            form.add_error("file", str(error))
        else:
            if outcome.errors:
                messages.error(
                    request, _("The file has errors; nothing was saved. Correct the rows below and upload it again.")
                )
            else:
                count = quiz.import_questions(module, rows, owner=quiz.bank_owner(request.user, module))
                messages.success(
                    request,
                    ngettext(
                        "%(count)d question added to the bank of %(code)s.",
                        "%(count)d questions added to the bank of %(code)s.",
                        count,
                    )
                    % {"count": count, "code": module.code},
                )
                return redirect("delivery:question-bank", pk=module.pk)
    context = {"module": module, "form": form, "outcome": outcome}
    return render(request, "delivery/quiz_import.html", context, status=400 if outcome and outcome.errors else 200)


@login_required
@require_GET
def question_template(request, pk: int):
    module = bank_module(request, pk)
    handle, _count = quiz.question_template(module)
    name = f"cau-hoi-{module.code}.xlsx".replace(" ", "-").replace("/", "-")
    return FileResponse(handle, as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)


urlpatterns = [
    path("<int:pk>/online", online, name="online"),
    path("<int:pk>/online/open", online_open, name="online-open"),
    path("tests/<int:pk>/start", quiz_start, name="quiz-start"),
    path("attempts/<int:pk>", quiz_attempt, name="quiz-attempt"),
    path("modules/<int:pk>/questions", question_bank, name="question-bank"),
    path("modules/<int:pk>/questions/import", question_import, name="question-import"),
    path("modules/<int:pk>/questions.xlsx", question_template, name="question-template"),
    path("questions/<int:pk>/edit", question_edit, name="question-edit"),
    path("questions/<int:pk>/active", question_active, name="question-active"),
]

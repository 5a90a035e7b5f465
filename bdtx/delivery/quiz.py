"""The online final quiz of a module (issue 5, point 4): each module's question bank (kept by hand or imported from
Excel), the draw of an attempt (questions at random, choices shuffled, stored so a reload shows the same),
the time limit enforced by the server, the attempts allowed, and the automatic score on 10 whose best attempt
becomes the learner's score on the test.

Who keeps a bank: the managers of the unit that added the module (and the levels above it); for a national
module (no owner) those who keep the province's catalogue (province officers, system administrators).
Learners never see the bank: it holds the answers."""

import datetime as dt
import hashlib
import random
import re
import string
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from bdtx.accounts import permissions as account_permissions
from bdtx.catalog.permissions import can_keep_catalog, province_units
from bdtx.lib import cells
from bdtx.lib.cells import Invalid
from bdtx.lib.excel import Col, table_file
from bdtx.lib.spreadsheet import Outcome, Spec, gc_paused, read_table
from bdtx.lib.text import clean

from .models import Assessment, AssessmentKind, Question, QuizAttempt, Score, ScoreSource
from .scoring import save_scores, scale_max

# Answers that arrive this long after the deadline still count (a slow connection, the click at 0:00).
GRACE = dt.timedelta(seconds=30)
LETTERS = string.ascii_uppercase[:6]  # A–F
MIN_CHOICES = 2
TEXT_MAX = 5000
CHOICE_MAX = 1000

QUESTION_HEADER = "Câu hỏi"
ANSWER_HEADER = "Đáp án"
CHOICE_HEADERS = [f"Phương án {letter}" for letter in LETTERS]
HEADERS = {"text": QUESTION_HEADER, "answer": ANSWER_HEADER} | {
    f"c{i}": header for i, header in enumerate(CHOICE_HEADERS)
}


class QuizError(Exception):
    """A refusal (no attempt left, time up, a bank too small); str(error) says why, in the user's language."""


# The bank -------------------------------------------------------------------------------------------------


def can_edit_bank(user, module) -> bool:
    """Keep a module's question bank: the managers of the unit that added it (and above); for a national
    module, those who keep the province's catalogue."""
    if module.owner_id is None:
        return can_keep_catalog(user)
    return account_permissions.can_manage_unit(user, module.owner)


def bank_owner(user, module):
    """The unit recorded on the questions a user adds: the module's owner, or the user's province unit."""
    if module.owner_id is not None:
        return module.owner
    units = province_units(user)
    return units[0] if units else None


def bank_sizes(module_ids) -> dict[int, int]:
    """{module id: active questions} in one query."""
    return dict(
        Question.objects.filter(module_id__in=list(module_ids), active=True)
        .values("module")
        .annotate(n=Count("pk"))
        .values_list("module", "n")
    )


def bank_problem(test: Assessment, size: int) -> str:
    """Why the quiz cannot be taken yet ("" when it can)."""
    if test.module_id is None:
        return _("“%(title)s” has no question bank: choose the module it draws from.") % {"title": test.title}
    if size < test.question_count:
        return _(
            "The question bank of %(module)s has %(have)d active questions; “%(title)s” draws %(need)d. "
            "Add questions to the bank or draw fewer."
        ) % {"module": test.module.code, "have": size, "title": test.title, "need": test.question_count}
    return ""


def answer_letters(correct: Sequence[int]) -> str:
    return ",".join(LETTERS[index] for index in sorted(correct))


class BadPart(Invalid):
    """A part of a question that cannot be used: `part` is "text", "c0"… (choice A…) or "answer"."""

    def __init__(self, part: str, message: str):
        super().__init__(message)
        self.part = part


def check_question(text: object, choices: Sequence[object], answer: object) -> tuple[str, list[str], list[int]]:
    """(text, choices, correct indexes) of a question typed in the form or read from a row; BadPart naming the
    part that is wrong. `choices` are in order A, B, C…; blank ones at the end are dropped."""
    try:
        text = cells.text(text, max_length=TEXT_MAX)
    except Invalid as error:
        raise BadPart("text", str(error)) from None
    if not text:
        raise BadPart("text", _("Type the question."))
    values = []
    for index, choice in enumerate(choices):
        try:
            values.append(cells.text(choice, max_length=CHOICE_MAX))
        except Invalid as error:
            raise BadPart(f"c{index}", str(error)) from None
    while values and not values[-1]:
        values.pop()
    if "" in values:
        gap = values.index("")
        raise BadPart(
            f"c{gap}",
            _("Choice %(letter)s is empty: fill the choices in order, without gaps.") % {"letter": LETTERS[gap]},
        )
    if len(values) < MIN_CHOICES:
        raise BadPart(f"c{len(values)}", _("Give at least two choices (A and B)."))
    try:
        correct = parse_answer(answer, len(values))
    except Invalid as error:
        raise BadPart("answer", str(error)) from None
    return text, values, correct


def parse_answer(value: object, count: int) -> list[int]:
    """ "B" or "A,C" (also "a; c", "AC") → [1] or [0, 2]; each letter one of the choices given."""
    letters = re.sub(r"[\s,;/+]", "", clean(value).upper())
    if not letters or any(ch not in LETTERS for ch in letters):
        raise Invalid(
            _(
                "“%(value)s” is not an answer. Type the letter of the right choice (e.g. B), or letters separated "
                "by commas when several are right (e.g. A,C)."
            )
            % {"value": clean(value)}
        )
    indexes = sorted({LETTERS.index(ch) for ch in letters})
    if indexes[-1] >= count:
        raise Invalid(
            _("The answer names choice %(letter)s, but the question has choices A to %(last)s only.")
            % {"letter": LETTERS[indexes[-1]], "last": LETTERS[count - 1]}
        )
    return indexes


def add_question(module, *, text: str, choices: list[str], correct: list[int], owner=None) -> Question:
    return Question.objects.create(module=module, text=text, choices=choices, correct=correct, owner=owner)


def question_stamp(question: Question) -> str:
    """A short fingerprint of the question as the edit form showed it."""
    return hashlib.sha256(repr([question.text, question.choices, question.correct]).encode()).hexdigest()[:16]


@transaction.atomic
def update_question(
    question: Question, *, text: str, choices: list[str], correct: list[int], stamp: str | None = None
) -> bool:
    """Change a question; with `stamp` (what the form showed), refused if someone changed it since."""
    if stamp is not None and question_stamp(Question.objects.select_for_update().get(pk=question.pk)) != stamp:
        raise QuizError(
            _("Someone else changed this question after you opened it. Reload the page and make your change again.")
        )
    changed = (question.text, question.choices, question.correct) != (text, choices, correct)
    if changed:
        question.text, question.choices, question.correct = text, choices, correct
        question.save(update_fields=["text", "choices", "correct"])
    return changed


def set_active(question: Question, active: bool) -> bool:
    """Deactivate (or use again) a question: it is no longer drawn; attempts that drew it keep it. Sets the state
    asked for, never flips it: False (nothing written) if the question already has it."""
    changed = bool(Question.objects.filter(pk=question.pk, active=not active).update(active=active))
    question.active = active
    return changed


def question_specs() -> list[Spec]:
    return [
        Spec(QUESTION_HEADER, "text", required=True),
        *[Spec(header, f"c{index}", required=index < MIN_CHOICES) for index, header in enumerate(CHOICE_HEADERS)],
        Spec(ANSWER_HEADER, "answer", required=True),
    ]


def check_questions(data: bytes, name: str) -> tuple[Outcome, list[dict]]:
    """Read and check a question file: (outcome with every error by row and column, the questions to add).
    UnusableFile when it is not a spreadsheet or a required column is missing."""
    table = read_table(data, question_specs(), name=name)
    outcome, rows = Outcome(), []
    width = max(index for index in range(len(LETTERS)) if f"c{index}" in table.columns) + 1
    with gc_paused():
        for number, raw in table.rows():
            outcome.rows += 1
            choices = [raw.get(f"c{index}") for index in range(width)]
            try:
                text, values, correct = check_question(raw.get("text"), choices, raw.get("answer"))
            except BadPart as error:
                outcome.error(number, HEADERS[error.part], str(error))
                continue
            rows.append({"row": number, "text": text, "choices": values, "correct": correct})
    return outcome, rows


@transaction.atomic
def import_questions(module, rows: list[dict], *, owner=None) -> int:
    """Add the checked questions (check_questions found no error) in one transaction."""
    Question.objects.bulk_create(
        [
            Question(module=module, text=row["text"], choices=row["choices"], correct=row["correct"], owner=owner)
            for row in rows
        ],
        batch_size=500,
    )
    return len(rows)


def question_template(module):
    """An empty question file with the columns of the import and one example row."""
    columns = [Col(QUESTION_HEADER, width=60), *[Col(header, width=28) for header in CHOICE_HEADERS[:4]]]
    columns += [Col(ANSWER_HEADER, width=10)]
    example = [
        "Theo Thông tư 19/2019/TT-BGDĐT, điểm đạt yêu cầu của bài kiểm tra là bao nhiêu?",
        "Từ 4 điểm",
        "Từ 5 điểm",
        "Từ 6 điểm",
        "Từ 7 điểm",
        "B",
    ]
    return table_file(columns, [example], sheet="Câu hỏi")


# Attempts -------------------------------------------------------------------------------------------------


def attempts_of(test: Assessment, enrolment) -> list[QuizAttempt]:
    return list(QuizAttempt.objects.filter(assessment=test, enrolment=enrolment).order_by("number"))


def is_open(attempt: QuizAttempt, now: dt.datetime | None = None) -> bool:
    """Still being answered: not submitted and the time (with the grace) not over."""
    now = now or timezone.now()
    return attempt.submitted_at is None and now <= attempt.deadline + GRACE


def draw(test: Assessment, *, rng: random.Random | None = None) -> list[dict]:
    """`question_count` active questions of the bank at random, each with its choices in a random order."""
    rng = rng or random.SystemRandom()
    pool = list(Question.objects.filter(module_id=test.module_id, active=True).values_list("pk", "choices"))
    if test.module_id is None or len(pool) < test.question_count:
        raise QuizError(
            bank_problem(test, len(pool)) + " " + _("Tell the class's organiser; the quiz cannot be started yet.")
        )
    drawn = []
    for pk, choices in rng.sample(pool, test.question_count):
        order = list(range(len(choices)))
        rng.shuffle(order)
        drawn.append({"q": pk, "order": order})
    return drawn


def start_attempt(
    test: Assessment, enrolment, *, now: dt.datetime | None = None, rng: random.Random | None = None
) -> QuizAttempt:
    """The learner's open attempt, or a new one (drawn now, due in the time limit); QuizError when every
    attempt is used or the bank is too small."""
    if test.kind != AssessmentKind.QUIZ:
        raise QuizError(_("“%(title)s” is not an online quiz.") % {"title": test.title})
    injected = now is not None
    now = now or timezone.now()
    with transaction.atomic():
        attempts = attempts_of(test, enrolment)
        for attempt in attempts:
            if close_if_expired(attempt, now=now):
                continue
            if is_open(attempt, now):
                return attempt
        if len(attempts) >= test.max_attempts:
            raise QuizError(
                _("You have used the %(count)d attempts allowed for “%(title)s”.")
                % {"count": test.max_attempts, "title": test.title}
            )
        try:
            with transaction.atomic():
                attempt = QuizAttempt.objects.create(
                    assessment=test,
                    enrolment=enrolment,
                    number=len(attempts) + 1,
                    drawn=draw(test, rng=rng),
                    deadline=now + dt.timedelta(minutes=test.time_limit_minutes),
                )
        except IntegrityError:  # the same learner started twice at once (two tabs): use the other one
            return QuizAttempt.objects.get(assessment=test, enrolment=enrolment, number=len(attempts) + 1)
    if injected:  # a given time (tests, imports of past attempts): the start is that time too
        QuizAttempt.objects.filter(pk=attempt.pk).update(started_at=now)
        attempt.started_at = now
    return attempt


def clean_answers(attempt: QuizAttempt, answers: Mapping) -> dict[str, list[int]]:
    """Keep only answers to the drawn questions and to choices they have: {question id: [choice indexes]}."""
    drawn = {str(item["q"]): set(item["order"]) for item in attempt.drawn}
    result = {}
    for key, chosen in answers.items():
        key = str(key)
        if key not in drawn:
            continue
        picked = sorted({int(value) for value in chosen if str(value).isdigit() and int(value) in drawn[key]})
        if picked:
            result[key] = picked
    return result


def save_answers(attempt: QuizAttempt, answers: Mapping, *, now: dt.datetime | None = None) -> None:
    """Keep the answers given so far (the attempt stays open); refused once the time is over."""
    now = now or timezone.now()
    _refuse_if_closed(attempt, now)
    attempt.answers = clean_answers(attempt, answers)
    attempt.save(update_fields=["answers"])


def submit_attempt(attempt: QuizAttempt, answers: Mapping, *, now: dt.datetime | None = None) -> QuizAttempt:
    """Hand in the attempt: scored at once; the best attempt becomes the learner's score on the test.
    Refused after the deadline (and its grace): the answers saved before it are scored instead."""
    now = now or timezone.now()
    _refuse_if_closed(attempt, now)
    attempt.answers = clean_answers(attempt, answers)
    _finish(attempt, now)
    return attempt


def _refuse_if_closed(attempt: QuizAttempt, now: dt.datetime) -> None:
    if attempt.submitted_at is not None:
        raise QuizError(_("This attempt was already handed in."))
    if now > attempt.deadline + GRACE:
        close_if_expired(attempt, now=now)
        raise QuizError(
            _(
                "The time was up at %(time)s: answers sent after it are not accepted. The answers saved before "
                "it were scored."
            )
            % {"time": timezone.localtime(attempt.deadline).strftime("%H:%M %d/%m/%Y")}
        )


def close_if_expired(attempt: QuizAttempt, *, now: dt.datetime | None = None) -> bool:
    """Hand in an attempt whose time is over with the answers saved before the deadline; True if it did."""
    now = now or timezone.now()
    if attempt.submitted_at is not None or now <= attempt.deadline + GRACE:
        return False
    _finish(attempt, attempt.deadline)
    return True


@transaction.atomic
def _finish(attempt: QuizAttempt, when: dt.datetime) -> None:
    attempt.submitted_at = when
    attempt.score = score_of(attempt)
    attempt.save(update_fields=["answers", "submitted_at", "score"])
    record_best(attempt.assessment, attempt.enrolment)


def right_count(attempt: QuizAttempt, questions: Mapping[int, Question] | None = None) -> int:
    """Questions answered fully right: exactly the right choices, no more, no fewer."""
    if questions is None:
        questions = Question.objects.in_bulk([item["q"] for item in attempt.drawn])
    answers = attempt.answers or {}
    right = 0
    for item in attempt.drawn:
        question = questions.get(item["q"])
        if question is not None and sorted(answers.get(str(item["q"]), [])) == sorted(question.correct):
            right += 1
    return right


def score_of(attempt: QuizAttempt) -> Decimal:
    """Share of the questions fully right × 10, two decimals."""
    total = len(attempt.drawn)
    if not total:
        return Decimal("0.00")
    return (Decimal(right_count(attempt)) * scale_max() / total).quantize(Decimal("0.01"), ROUND_HALF_UP)


def record_best(test: Assessment, enrolment) -> Decimal | None:
    """The best scored attempt becomes the learner's score on the test (source: quiz); outcomes refreshed."""
    best = (
        QuizAttempt.objects.filter(assessment=test, enrolment=enrolment, score__isnull=False)
        .order_by("-score")
        .values_list("score", flat=True)
        .first()
    )
    if best is None:
        return None
    current = Score.objects.filter(assessment=test, enrolment=enrolment).values_list("value", flat=True).first()
    if current != best:
        save_scores(test.training_class, {(enrolment.pk, test.pk): best}, source=ScoreSource.QUIZ)
    return best


def close_expired_of(enrolment, *, now: dt.datetime | None = None) -> int:
    """Hand in the learner's attempts whose time is over (before the page shows them)."""
    now = now or timezone.now()
    expired = QuizAttempt.objects.filter(
        enrolment=enrolment, submitted_at__isnull=True, deadline__lt=now - GRACE
    ).select_related("assessment__training_class", "enrolment")
    count = 0
    for attempt in expired:
        count += close_if_expired(attempt, now=now)
    return count

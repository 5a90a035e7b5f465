"""The online module page and its final quiz: the question bank (by hand and from a real .xlsx, all or nothing),
who keeps it, materials opened, the draw stored and stable, the deadline enforced by the server, the attempts
allowed, automatic scoring, and the best attempt becoming the score (and the outcome passed from 5)."""

import datetime as dt
import io
import random
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from bdtx.catalog.models import ModuleMaterial, TrainingModule
from bdtx.delivery import quiz, scoring
from bdtx.delivery.models import AssessmentKind, MaterialProgress, Mode, Question, QuizAttempt, Score, ScoreSource
from bdtx.testing import enrol, make_class

QUESTIONS = [
    ("Điểm đạt yêu cầu của bài kiểm tra BDTX là bao nhiêu?", ["Từ 4 điểm", "Từ 5 điểm", "Từ 6 điểm"], [1]),
    ("Nội dung 03 của chương trình BDTX là gì?", ["Mô đun tự chọn", "Chuyên đề của Bộ", "Chuyên đề của Sở"], [0]),
    ("Những hình thức nào là BDTX?", ["Tập trung", "Từ xa", "Nghỉ phép"], [0, 1]),
    ("Ai phê duyệt kế hoạch BDTX cá nhân?", ["Thủ trưởng đơn vị", "Học viên", "Báo cáo viên"], [0]),
]


@pytest.fixture
def module(cast, programmes):
    """A module the commune added (its officer keeps the bank), with four questions and two materials."""
    module = TrainingModule.objects.create(
        code="PA 09", title="Kiểm tra, đánh giá học sinh", programme=programmes["tt17-2019"], owner=cast.tree.commune
    )
    for text, choices, correct in QUESTIONS:
        Question.objects.create(module=module, text=text, choices=choices, correct=correct, owner=cast.tree.commune)
    ModuleMaterial.objects.create(module=module, title="Bài giảng video", url="https://taphuan.example.vn/video")
    ModuleMaterial.objects.create(module=module, title="Tài liệu đọc", url="https://taphuan.example.vn/tai-lieu")
    return module


@pytest.fixture
def online_class(cast, module):
    """A remote class of the commune on that module, member_a enrolled, its final quiz drawing all four questions."""
    training_class = make_class(cast.tree.commune, year=2027, code="TX-09", modules=[module], tests=0, mode=Mode.REMOTE)
    enrol(training_class, cast.member_a)
    scoring.add_test(
        training_class,
        title="Bài kiểm tra cuối mô đun",
        kind=AssessmentKind.QUIZ,
        module=module,
        question_count=4,
        time_limit_minutes=20,
        max_attempts=2,
    )
    return training_class


def final_quiz(training_class):
    return training_class.assessments.get(kind=AssessmentKind.QUIZ)


def enrolment_of(training_class, cast):
    return training_class.enrolments.get(staff=cast.member_a)


def right_answers(attempt) -> dict:
    questions = Question.objects.in_bulk([item["q"] for item in attempt.drawn])
    return {str(pk): list(question.correct) for pk, question in questions.items()}


# The bank -------------------------------------------------------------------------------------------------


def test_the_officer_of_the_unit_that_added_the_module_keeps_its_bank(client, cast, module):
    client.force_login(cast.local)
    response = client.get(reverse("delivery:question-bank", args=[module.pk]))
    assert response.status_code == 200
    assert "4 câu hỏi đang dùng." in response.content.decode()
    response = client.post(
        reverse("delivery:question-bank", args=[module.pk]),
        {
            "text": "Báo cáo viên cần trình độ tối thiểu nào?",
            "choice_a": "Cao đẳng",
            "choice_b": "Đại học",
            "answer": "b",
        },
    )
    assert response.status_code == 302
    question = Question.objects.get(text__startswith="Báo cáo viên")
    assert question.choices == ["Cao đẳng", "Đại học"] and question.correct == [1]
    assert question.owner == cast.tree.commune


def test_a_question_with_a_bad_answer_is_refused_on_its_field(client, cast, module):
    client.force_login(cast.local)
    response = client.post(
        reverse("delivery:question-bank", args=[module.pk]),
        {"text": "Câu hỏi thử", "choice_a": "Có", "choice_b": "Không", "answer": "C"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["answer"] == [
        "Đáp án ghi phương án C, nhưng câu hỏi chỉ có các phương án từ A đến B."
    ]


def test_learners_and_principals_never_see_a_bank(client, cast, module):
    for user in (cast.teacher_a, cast.principal_a, cast.principal_b):
        client.force_login(user)
        assert client.get(reverse("delivery:question-bank", args=[module.pk])).status_code == 404


def test_a_national_modules_bank_is_kept_by_the_province(client, cast, programmes):
    national = TrainingModule.objects.get(code="GVPT 04")
    client.force_login(cast.local)
    assert client.get(reverse("delivery:question-bank", args=[national.pk])).status_code == 404
    client.force_login(cast.officer)
    assert client.get(reverse("delivery:question-bank", args=[national.pk])).status_code == 200


def test_a_question_is_edited_and_deactivated(client, cast, module):
    question = Question.objects.filter(module=module).first()
    client.force_login(cast.local)
    form = client.get(reverse("delivery:question-edit", args=[question.pk])).context["form"]
    assert form.initial["answer"] == "B" and form.initial["choice_c"] == "Từ 6 điểm"
    client.post(
        reverse("delivery:question-edit", args=[question.pk]),
        {**form.initial, "choice_d": "Từ 7 điểm", "answer": "B"},
    )
    question.refresh_from_db()
    assert question.choices[-1] == "Từ 7 điểm"
    client.post(reverse("delivery:question-active", args=[question.pk]), {"active": "0"})
    question.refresh_from_db()
    assert not question.active


def workbook(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


HEADERS = ["Câu hỏi", "Phương án A", "Phương án B", "Phương án C", "Phương án D", "Đáp án"]


def test_a_question_file_is_imported_in_one_go(client, cast, module):
    client.force_login(cast.local)
    content = workbook(
        [
            HEADERS,
            ["Thông tư nào quy định BDTX?", "TT 19/2019", "TT 20/2018", "TT 26/2018", "TT 14/2018", "A"],
            ["Những nội dung nào có trong chương trình?", "01", "02", "03", "", "A, B; C"],
        ]
    )
    response = client.post(
        reverse("delivery:question-import", args=[module.pk]), {"file": SimpleUploadedFile("cau-hoi.xlsx", content)}
    )
    assert response.status_code == 302
    added = Question.objects.filter(module=module).order_by("-pk")[:2]
    assert [(q.choices, q.correct) for q in added] == [
        (["01", "02", "03"], [0, 1, 2]),
        (["TT 19/2019", "TT 20/2018", "TT 26/2018", "TT 14/2018"], [0]),
    ]
    assert "Đã thêm 2 câu hỏi vào ngân hàng của PA 09." in client.get(response.url).content.decode()


def test_a_question_file_with_bad_rows_adds_nothing_and_names_row_and_column(client, cast, module):
    client.force_login(cast.local)
    content = workbook(
        [
            HEADERS,
            ["Câu đúng", "Có", "Không", "", "", "A"],
            ["", "Có", "Không", "", "", "A"],
            ["Thiếu phương án", "Có", "", "Ba", "", "A"],
            ["Đáp án sai", "Có", "Không", "", "", "E"],
            ["Đáp án lạ", "Có", "Không", "", "", "đúng"],
        ]
    )
    response = client.post(
        reverse("delivery:question-import", args=[module.pk]), {"file": SimpleUploadedFile("cau-hoi.xlsx", content)}
    )
    assert response.status_code == 400
    assert Question.objects.filter(module=module).count() == 4
    errors = response.context["outcome"].errors
    assert [(e["row"], e["column"]) for e in errors] == [
        (3, "Câu hỏi"),
        (4, "Phương án B"),
        (5, "Đáp án"),
        (6, "Đáp án"),
    ]
    assert errors[1]["message"] == "Phương án B đang trống: hãy điền các phương án theo thứ tự, không bỏ trống ở giữa."


def test_the_question_template_reads_back_through_the_import(client, cast, module):
    client.force_login(cast.local)
    response = client.get(reverse("delivery:question-template", args=[module.pk]))
    content = b"".join(response.streaming_content)
    outcome, rows = quiz.check_questions(content, "mau.xlsx")
    assert not outcome.errors and rows[0]["correct"] == [1]


# The online page ------------------------------------------------------------------------------------------


def test_the_learner_sees_the_materials_and_opening_one_counts(client, cast, online_class, module):
    client.force_login(cast.teacher_a)
    url = reverse("delivery:online", args=[online_class.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["materials_opened"] == 0 and page.context["materials_total"] == 2
    material = module.materials.get(title="Bài giảng video")
    response = client.get(reverse("delivery:online-open", args=[online_class.pk]), {"material": material.pk})
    assert response.status_code == 302 and response.url == "https://taphuan.example.vn/video"
    assert MaterialProgress.objects.filter(enrolment__staff=cast.member_a, material=material).exists()
    page = client.get(url)
    assert page.context["materials_opened"] == 1
    assert "1 / 2" in page.content.decode()


def test_a_material_of_another_module_is_not_opened_through_the_class(client, cast, online_class, programmes):
    other = ModuleMaterial.objects.create(
        module=TrainingModule.objects.get(code="GVPT 05"), title="Khác", url="https://example.vn/khac"
    )
    client.force_login(cast.teacher_a)
    response = client.get(reverse("delivery:online-open", args=[online_class.pk]), {"material": other.pk})
    assert response.status_code == 404


def test_the_page_is_a_preview_for_those_who_teach_and_absent_for_others(client, cast, online_class):
    url = reverse("delivery:online", args=[online_class.pk])
    client.force_login(cast.local)
    assert "Xem trước" in client.get(url).content.decode()
    client.force_login(cast.principal_a)  # sees the class (offered to school A) but neither learns nor teaches
    assert client.get(url).status_code == 404
    client.force_login(cast.principal_b)
    assert client.get(url).status_code == 404


def test_the_page_lists_the_online_page_queries_in_a_bounded_number(
    client, cast, online_class, django_assert_max_num_queries
):
    client.force_login(cast.teacher_a)
    with django_assert_max_num_queries(20):
        assert client.get(reverse("delivery:online", args=[online_class.pk])).status_code == 200


# The quiz -------------------------------------------------------------------------------------------------


def test_the_draw_is_stored_and_a_reload_shows_the_same(client, cast, online_class):
    client.force_login(cast.teacher_a)
    response = client.post(reverse("delivery:quiz-start", args=[final_quiz(online_class).pk]))
    attempt = QuizAttempt.objects.get()
    assert response.url == reverse("delivery:quiz-attempt", args=[attempt.pk])
    assert len(attempt.drawn) == 4 and {len(item["order"]) for item in attempt.drawn} <= {3}
    first = client.get(response.url)
    second = client.get(response.url)
    order = [(item["question"].pk, [c["index"] for c in item["choices"]]) for item in first.context["items"]]
    assert order == [(item["question"].pk, [c["index"] for c in item["choices"]]) for item in second.context["items"]]
    assert order == [(item["q"], item["order"]) for item in attempt.drawn]
    # Starting again while it is open gives the same attempt, not a new draw.
    client.post(reverse("delivery:quiz-start", args=[final_quiz(online_class).pk]))
    assert QuizAttempt.objects.count() == 1
    assert 'type="checkbox"' in first.content.decode()  # the question with two right choices


def test_a_draw_takes_the_count_asked_among_the_active_questions(cast, online_class, module):
    test = final_quiz(online_class)
    test.question_count = 3
    test.save()
    Question.objects.filter(module=module, text__startswith="Ai").update(active=False)
    attempt = quiz.start_attempt(test, enrolment_of(online_class, cast), rng=random.Random(7))
    drawn = {item["q"] for item in attempt.drawn}
    assert len(drawn) == 3 and drawn == set(
        Question.objects.filter(module=module, active=True).values_list("pk", flat=True)
    )


def test_answers_are_scored_on_ten_by_the_share_fully_right(cast, online_class):
    attempt = quiz.start_attempt(final_quiz(online_class), enrolment_of(online_class, cast), rng=random.Random(1))
    answers = right_answers(attempt)
    multiple = next(key for key, value in answers.items() if len(value) == 2)
    answers[multiple] = answers[multiple][:1]  # half of a two-answer question is not right
    quiz.submit_attempt(attempt, answers)
    assert attempt.score == Decimal("7.50")
    assert Score.objects.get().value == Decimal("7.50") and Score.objects.get().source == ScoreSource.QUIZ


def test_the_server_refuses_answers_after_the_deadline(cast, online_class):
    enrolment = enrolment_of(online_class, cast)
    start = timezone.now() - dt.timedelta(minutes=30)
    attempt = quiz.start_attempt(final_quiz(online_class), enrolment, now=start, rng=random.Random(2))
    assert attempt.deadline == start + dt.timedelta(minutes=20)
    quiz.save_answers(attempt, {}, now=start + dt.timedelta(minutes=1))
    with pytest.raises(quiz.QuizError) as error:
        quiz.submit_attempt(attempt, right_answers(attempt))
    assert "Đã hết giờ lúc" in str(error.value)
    attempt.refresh_from_db()
    assert attempt.submitted_at == attempt.deadline and attempt.score == Decimal("0.00")
    # Within the grace after the deadline, answers still count.
    late = quiz.start_attempt(final_quiz(online_class), enrolment, now=start, rng=random.Random(3))
    quiz.submit_attempt(late, right_answers(late), now=late.deadline + dt.timedelta(seconds=20))
    assert late.score == Decimal("10.00")


def test_a_late_post_from_the_page_is_refused_with_a_message(client, cast, online_class):
    client.force_login(cast.teacher_a)
    client.post(reverse("delivery:quiz-start", args=[final_quiz(online_class).pk]))
    attempt = QuizAttempt.objects.get()
    QuizAttempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - dt.timedelta(minutes=5))
    url = reverse("delivery:quiz-attempt", args=[attempt.pk])
    response = client.post(url, {f"q{k}": v for k, v in right_answers(attempt).items()}, follow=True)
    assert "câu trả lời gửi sau thời điểm đó không được nhận" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.score == Decimal("0.00") and attempt.answers == {}


def test_saved_answers_are_scored_when_the_time_runs_out(client, cast, online_class):
    client.force_login(cast.teacher_a)
    client.post(reverse("delivery:quiz-start", args=[final_quiz(online_class).pk]))
    attempt = QuizAttempt.objects.get()
    url = reverse("delivery:quiz-attempt", args=[attempt.pk])
    client.post(url, {"action": "save", **{f"q{k}": v for k, v in right_answers(attempt).items()}})
    QuizAttempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - dt.timedelta(minutes=5))
    page = client.get(reverse("delivery:online", args=[online_class.pk]))
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None and attempt.score == Decimal("10.00")
    assert page.context["quizzes"][0].best.value == Decimal("10.00")


def test_no_more_attempts_than_allowed(cast, online_class):
    test, enrolment = final_quiz(online_class), enrolment_of(online_class, cast)
    for seed in (1, 2):
        quiz.submit_attempt(quiz.start_attempt(test, enrolment, rng=random.Random(seed)), {})
    with pytest.raises(quiz.QuizError) as error:
        quiz.start_attempt(test, enrolment)
    assert str(error.value) == "Bạn đã dùng hết 2 lượt làm bài được phép của “Bài kiểm tra cuối mô đun”."


def test_the_best_attempt_becomes_the_score_and_the_outcome_passes_from_five(client, cast, online_class):
    client.force_login(cast.teacher_a)
    test = final_quiz(online_class)
    enrolment = enrolment_of(online_class, cast)
    client.post(reverse("delivery:quiz-start", args=[test.pk]))
    first = QuizAttempt.objects.get()
    answers = right_answers(first)
    wrong = dict(list(answers.items())[:1])  # one of four right: 2.5
    client.post(reverse("delivery:quiz-attempt", args=[first.pk]), {f"q{k}": v for k, v in wrong.items()})
    enrolment.refresh_from_db()
    assert enrolment.outcome == "failed" and Score.objects.get().value == Decimal("2.50")
    client.post(reverse("delivery:quiz-start", args=[test.pk]))
    second = QuizAttempt.objects.get(number=2)
    half = dict(list(right_answers(second).items())[:2])  # two of four: 5, the pass mark
    response = client.post(reverse("delivery:quiz-attempt", args=[second.pk]), {f"q{k}": v for k, v in half.items()})
    assert "Đã nộp bài. Điểm của bạn: 5." in client.get(response.url).content.decode()
    enrolment.refresh_from_db()
    assert Score.objects.get().value == Decimal("5.00")
    assert enrolment.outcome == "passed" and enrolment.final_score == Decimal("5.00")


def test_a_worse_attempt_does_not_lower_the_score(cast, online_class):
    test, enrolment = final_quiz(online_class), enrolment_of(online_class, cast)
    good = quiz.start_attempt(test, enrolment, rng=random.Random(4))
    quiz.submit_attempt(good, right_answers(good))
    quiz.submit_attempt(quiz.start_attempt(test, enrolment, rng=random.Random(5)), {})
    assert Score.objects.get().value == Decimal("10.00")


def test_a_bank_too_small_is_said_to_the_learner(client, cast, online_class):
    test = final_quiz(online_class)
    test.question_count = 10
    test.save()
    client.force_login(cast.teacher_a)
    page = client.get(reverse("delivery:online", args=[online_class.pk])).content.decode()
    assert "Ngân hàng câu hỏi của PA 09 có 4 câu đang dùng; “Bài kiểm tra cuối mô đun” cần rút 10 câu." in page
    assert "Bắt đầu làm bài" not in page
    response = client.post(reverse("delivery:quiz-start", args=[test.pk]), follow=True)
    assert "hiện chưa làm bài kiểm tra được" in response.content.decode()
    assert not QuizAttempt.objects.exists()


def test_only_the_learner_opens_their_attempt(client, cast, online_class):
    attempt = quiz.start_attempt(final_quiz(online_class), enrolment_of(online_class, cast), rng=random.Random(6))
    for user in (cast.local, cast.principal_a, cast.principal_b):
        client.force_login(user)
        assert client.get(reverse("delivery:quiz-attempt", args=[attempt.pk])).status_code == 404

"""The school-A records of this area that the outsider test tries (see bdtx/tests/test_scope_everywhere.py): a
class organised by the commune with member_a enrolled, its test, a quiz on a module the commune added (school B
does not see it) with a question and member_a's attempt, and an LMS import."""

import datetime as dt

from django.core.files.base import ContentFile
from django.utils import timezone

from bdtx.catalog.models import TrainingModule
from bdtx.delivery.models import Assessment, AssessmentKind, LmsImport, Question, QuizAttempt
from bdtx.rules.models import Programme
from bdtx.testing import enrol, make_class


def records(cast) -> dict:
    module = TrainingModule.objects.create(
        code="PA DIEM 01",
        title="Đánh giá học sinh tiểu học",
        programme=Programme.objects.order_by("code").first(),
        owner=cast.tree.commune,
    )
    training_class = make_class(cast.tree.commune, year=2027, code="DIEM-01", modules=[module], tests=1)
    (enrolment,) = enrol(training_class, cast.member_a)
    test = training_class.assessments.get()
    question = Question.objects.create(module=module, text="Điểm đạt là bao nhiêu?", choices=["4", "5"], correct=[1])
    final_quiz = Assessment.objects.create(
        training_class=training_class,
        title="Bài kiểm tra trực tuyến",
        kind=AssessmentKind.QUIZ,
        module=module,
        question_count=1,
        position=1,
    )
    attempt = QuizAttempt.objects.create(
        assessment=final_quiz,
        enrolment=enrolment,
        number=1,
        drawn=[{"q": question.pk, "order": [1, 0]}],
        deadline=timezone.now() + dt.timedelta(minutes=30),
    )
    lms_import = LmsImport.objects.create(
        training_class=training_class,
        assessment=test,
        file=ContentFile(b"Email address,Course total (Real)\n", name="diem.csv"),
        original_name="diem.csv",
        uploaded_by=cast.local,
    )
    class_pk = training_class.pk
    return {
        "delivery:scores": class_pk,
        "delivery:scores-template": class_pk,
        "delivery:scores-import": class_pk,
        "delivery:tests": class_pk,
        "delivery:test-edit": test.pk,
        "delivery:test-remove": test.pk,
        "delivery:online": class_pk,
        "delivery:online-open": class_pk,
        "delivery:quiz-start": final_quiz.pk,
        "delivery:quiz-attempt": attempt.pk,
        "delivery:question-bank": module.pk,
        "delivery:question-import": module.pk,
        "delivery:question-template": module.pk,
        "delivery:question-edit": question.pk,
        "delivery:question-active": question.pk,
        "delivery:lms-import": class_pk,
        "delivery:lms-import-detail": lms_import.pk,
        "delivery:lms-import-apply": lms_import.pk,
        "delivery:lms-import-cancel": lms_import.pk,
        "api:class-scores": class_pk,
        "api:class-completions": class_pk,
    }

"""The scores API: a class's learners with their scores, the bulk write (all or nothing, every bad row named), and
an LMS pushing its completions with a token; 404 outside the caller's classes, 403 for one they see but do not
teach."""

from decimal import Decimal

import pytest

from bdtx.delivery import scoring
from bdtx.delivery.models import Assessment, AssessmentKind, Enrolment, Score, ScoreSource
from bdtx.delivery.outcomes import refresh_class
from bdtx.testing import enrol, make_class, make_staff


@pytest.fixture
def klass(cast):
    """A class of the commune with one test: member_a and An (school A) enrolled."""
    training_class = make_class(cast.tree.commune, year=2027, code="API-01", tests=1)
    cast.member_a.email = "hoa@ta.edu.vn"
    cast.member_a.save()
    an = make_staff(cast.tree.school_a, "Trần Văn An", code="GV-A-002", gender="nam", email="an@ta.edu.vn")
    enrol(training_class, cast.member_a, an)
    refresh_class(training_class)
    return training_class


def scores_url(training_class) -> str:
    return f"/api/v1/classes/{training_class.pk}/scores/"


def push_url(training_class) -> str:
    return f"/api/v1/classes/{training_class.pk}/completions/"


def test_the_learners_are_listed_with_their_scores(api, cast, klass, django_assert_max_num_queries):
    test = klass.assessments.get()
    hoa = Enrolment.objects.get(staff=cast.member_a)
    scoring.save_scores(klass, {(hoa.pk, test.pk): Decimal("7.5")})
    with django_assert_max_num_queries(15):
        response = api(cast.local).get(scores_url(klass))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    first, second = body["results"]
    assert (first["full_name"], second["full_name"]) == ("Trần Văn An", "Nguyễn Thị Hoà")
    assert second["scores"] == [
        {"test": test.pk, "title": "Bài kiểm tra 1", "kind": "test", "score": "7.50", "source": "entry"}
    ]
    assert second["outcome"] == "passed" and second["final_score"] == "7.50"
    assert first["reasons"] == ["Còn 1 bài kiểm tra chưa có điểm."]


def test_a_learner_reads_only_their_own_row(api, cast, klass):
    body = api(cast.teacher_a).get(scores_url(klass)).json()
    assert [row["code"] for row in body["results"]] == ["GV-A-001"]


def test_scores_are_written_in_bulk(api, cast, klass):
    test = klass.assessments.get()
    hoa = Enrolment.objects.get(staff=cast.member_a)
    response = api(cast.local).put(
        scores_url(klass),
        {
            "scores": [
                {"test": test.pk, "enrolment": hoa.pk, "score": "8,5", "was": None},
                {"test": test.pk, "code": "gv-a-002", "score": 4, "was": None},
            ]
        },
    )
    assert response.status_code == 200
    assert response.json() == {"created": 2, "updated": 0, "removed": 0, "unchanged": 0}
    assert dict(Score.objects.values_list("enrolment__staff__code", "value")) == {
        "GV-A-001": Decimal("8.50"),
        "GV-A-002": Decimal("4.00"),
    }
    assert dict(Enrolment.objects.values_list("staff__code", "outcome")) == {"GV-A-001": "passed", "GV-A-002": "failed"}
    response = api(cast.local).put(
        scores_url(klass), [{"test": test.pk, "email": "an@ta.edu.vn", "score": None, "was": "4"}]
    )
    assert response.json()["removed"] == 1


def test_a_bad_row_writes_nothing_and_every_bad_row_is_named(api, cast, klass):
    test = klass.assessments.get()
    response = api(cast.local).put(
        scores_url(klass),
        {
            "scores": [
                {"test": test.pk, "code": "GV-A-001", "score": 8, "was": None},
                {"test": test.pk, "code": "GV-A-002", "score": 11, "was": None},
                {"test": 999999, "code": "GV-A-002", "score": 5, "was": None},
                {"test": test.pk, "code": "GV-B-001", "score": 5, "was": None},
                {"test": test.pk, "code": "GV-A-002", "score": 5},
            ]
        },
    )
    assert response.status_code == 400
    assert not Score.objects.exists()
    errors = response.json()["errors"]
    assert [error["row"] for error in errors] == [2, 3, 4, 5]
    assert errors[0]["message"] == "Bài kiểm tra 1: 11 nằm ngoài thang điểm: hãy nhập điểm từ 0 đến 10."
    assert errors[2]["message"] == "Lớp không có học viên nào có số ghi danh, mã định danh hoặc e-mail này."
    assert errors[3]["message"].startswith("Hãy gửi “was”")


def test_an_lms_pushes_completions_with_a_token(api, cast, klass):
    response = api(cast.local).post(
        push_url(klass),
        [
            {"email": "HOA@ta.edu.vn", "score": 9},
            {"code": "GV-A-002", "completed": True},
        ],
    )
    assert response.status_code == 200
    lms_test = Assessment.objects.get(training_class=klass, kind=AssessmentKind.LMS)
    assert response.json() == {"test": lms_test.pk, "rows": 2, "written": 2, "unchanged": 0, "without_score": 0}
    assert dict(Score.objects.filter(assessment=lms_test).values_list("enrolment__staff__code", "value")) == {
        "GV-A-001": Decimal("9.00"),
        "GV-A-002": Decimal("10.00"),
    }
    assert set(Score.objects.filter(assessment=lms_test).values_list("source", flat=True)) == {ScoreSource.LMS}
    # The class's first test has no score yet: nobody passed so far.
    assert set(Enrolment.objects.values_list("outcome", flat=True)) == {"pending"}


def test_a_score_changed_since_it_was_read_is_refused_with_409_and_nothing_is_written(api, cast, klass):
    test = klass.assessments.get()
    hoa, an = Enrolment.objects.get(staff=cast.member_a), Enrolment.objects.get(staff__code="GV-A-002")
    scoring.save_scores(klass, {(hoa.pk, test.pk): Decimal("6"), (an.pk, test.pk): Decimal("5")})
    # Two callers read the scores (Hoà 6, An 5); the first writes Hoà 8, the second, from its old read, Hoà 9.
    first = api(cast.local).put(scores_url(klass), [{"test": test.pk, "enrolment": hoa.pk, "score": 8, "was": "6"}])
    assert first.status_code == 200
    second = api(cast.officer).put(
        scores_url(klass),
        [
            {"test": test.pk, "enrolment": hoa.pk, "score": 9, "was": "6"},
            {"test": test.pk, "enrolment": an.pk, "score": 7, "was": "5"},
        ],
    )
    assert second.status_code == 409
    assert second.json()["detail"] == (
        "Người khác vừa sửa điểm sau khi bạn mở bảng điểm: Nguyễn Thị Hoà (GV-A-001), Bài kiểm tra 1: nay là 8. "
        "Chưa lưu gì. Hãy tải lại trang để xem điểm hiện tại, rồi nhập lại thay đổi của bạn."
    )
    assert dict(Score.objects.values_list("enrolment__staff__code", "value")) == {
        "GV-A-001": Decimal("8.00"),
        "GV-A-002": Decimal("5.00"),
    }
    again = api(cast.officer).put(
        scores_url(klass),
        [
            {"test": test.pk, "enrolment": hoa.pk, "score": 9, "was": "8"},
            {"test": test.pk, "enrolment": an.pk, "score": 7, "was": "5"},
        ],
    )
    assert again.status_code == 200 and again.json()["updated"] == 2
    assert Score.objects.get(enrolment=hoa).value == Decimal("9.00")


def test_a_push_with_a_bad_row_writes_nothing(api, cast, klass):
    response = api(cast.local).post(
        push_url(klass),
        [
            {"email": "hoa@ta.edu.vn", "score": 9},
            {"email": "nobody@example.vn", "score": 9},
            {"code": "GV-A-002", "score": "mười"},
            "GV-A-001",
        ],
    )
    assert response.status_code == 400
    assert not Score.objects.exists()
    assert not Assessment.objects.filter(training_class=klass, kind=AssessmentKind.LMS).exists()
    errors = response.json()["errors"]
    assert [(error["row"], error["key"]) for error in errors] == [
        (2, "nobody@example.vn"),
        (3, "GV-A-002"),
        (4, ""),
    ]
    assert errors[1]["message"] == "“mười” không phải là điểm. Hãy nhập một số từ 0 đến 10, ví dụ 7,5."


def test_someone_who_sees_the_class_but_does_not_teach_it_gets_403(api, cast, klass):
    test = klass.assessments.get()
    assert api(cast.principal_a).post(push_url(klass), [{"code": "GV-A-001", "score": 9}]).status_code == 403
    response = api(cast.principal_a).put(
        scores_url(klass), [{"test": test.pk, "code": "GV-A-001", "score": 9, "was": None}]
    )
    assert response.status_code == 403
    assert not Score.objects.exists()


def test_an_outsider_gets_404_and_an_anonymous_caller_is_refused(api, cast, klass):
    assert api(cast.principal_b).get(scores_url(klass)).status_code == 404
    assert api(cast.principal_b).post(push_url(klass), [{"code": "GV-A-001", "score": 9}]).status_code == 404
    assert api(cast.principal_b).put(scores_url(klass), []).status_code == 404
    assert api().post(push_url(klass), []).status_code in (401, 403)


def test_the_schema_describes_the_scores_endpoints(client, db):
    paths = client.get("/api/v1/schema/", {"format": "json"}).json()["paths"]
    assert {"/api/v1/classes/{id}/scores/", "/api/v1/classes/{id}/completions/"} <= set(paths)


def test_a_push_fills_only_an_lms_test_of_the_class(api, cast, klass):
    plain = klass.assessments.get()
    response = api(cast.local).post(f"{push_url(klass)}?test={plain.pk}", [{"code": "GV-A-001", "score": 9}])
    assert response.status_code == 400
    assert response.json()["test"] == [
        "Bài kiểm tra đã chọn không phải bài kiểm tra LMS của lớp này. Hãy tải lại trang và chọn lại."
    ]
    lms_test = scoring.add_test(klass, title="Moodle", kind=AssessmentKind.LMS)
    response = api(cast.local).post(f"{push_url(klass)}?test={lms_test.pk}", [{"code": "GV-A-001", "score": 9}])
    assert response.json()["test"] == lms_test.pk and Score.objects.get().assessment == lms_test

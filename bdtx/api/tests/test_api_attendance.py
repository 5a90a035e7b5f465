"""The attendance API: the sheet of a session read and put back whole, through the same service as the page."""

from types import SimpleNamespace

import pytest

from bdtx.delivery import attendance
from bdtx.delivery.models import Attendance, AttendanceMethod
from bdtx.testing import enrol, make_class, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(cast):
    training_class = make_class(cast.tree.commune, year=2027, code="API1", sessions=2, tests=0)
    binh = make_staff(cast.tree.school_a, "Lê Thị Bình", code="GV-A-002")
    hoa, binh_e, duc = enrol(training_class, cast.member_a, binh, cast.member_b)
    session = training_class.sessions.order_by("date").first()
    return SimpleNamespace(cls=training_class, session=session, hoa=hoa, binh=binh_e, duc=duc)


def url(session) -> str:
    return f"/api/v1/sessions/{session.pk}/attendance/"


def test_the_sheet_lists_every_enrolled_learner_in_name_order_with_their_mark(
    api, cast, course, django_assert_max_num_queries
):
    attendance.save_sheet(course.session, {course.hoa.pk: "present", course.binh.pk: "excused"}, by=cast.local)
    with django_assert_max_num_queries(12):
        body = api(cast.local).get(url(course.session)).json()
    assert body["count"] == 3
    rows = {row["full_name"]: row for row in body["results"]}
    assert [row["full_name"] for row in body["results"]] == ["Lê Thị Bình", "Trần Văn Đức", "Nguyễn Thị Hoà"]
    assert rows["Nguyễn Thị Hoà"] | {"recorded_at": None} == {
        "enrolment": course.hoa.pk,
        "staff": cast.member_a.pk,
        "staff_code": "GV-A-001",
        "full_name": "Nguyễn Thị Hoà",
        "unit_code": "TA",
        "unit_name": "Trường Tiểu học Tân Phong",
        "mark": "present",
        "present": True,
        "excused": False,
        "method": "sheet",
        "recorded_at": None,
    }
    assert (rows["Lê Thị Bình"]["mark"], rows["Lê Thị Bình"]["excused"]) == ("excused", True)
    assert (rows["Trần Văn Đức"]["mark"], rows["Trần Văn Đức"]["present"]) == (None, None)


def test_putting_the_whole_sheet_saves_it_through_the_service(api, cast, course):
    sheet = [
        {"enrolment": course.hoa.pk, "present": True, "excused": False, "was": None},
        {"enrolment": course.binh.pk, "present": False, "excused": True, "was": None},
        {"enrolment": course.duc.pk, "present": False, "was": None},
    ]
    response = api(cast.local).put(url(course.session), sheet)
    assert response.status_code == 200
    assert response.json() == {
        "session": course.session.pk,
        "attendance_taken": True,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
    }
    marks = {row.enrolment_id: attendance.mark_of(row.present, row.excused) for row in Attendance.objects.all()}
    assert marks == {course.hoa.pk: "present", course.binh.pk: "excused", course.duc.pk: "absent"}
    assert {(row.method, row.recorded_by_id) for row in Attendance.objects.all()} == {
        (AttendanceMethod.SHEET, cast.local.pk)
    }
    course.session.refresh_from_db()
    course.hoa.refresh_from_db()
    assert course.session.attendance_taken and course.hoa.sessions_attended == 1
    sheet = [entry | {"was": mark} for entry, mark in zip(sheet, ["present", "excused", "absent"], strict=True)]
    sheet[2]["present"] = True
    again = api(cast.local).put(url(course.session), sheet).json()
    assert (again["updated"], again["unchanged"]) == (1, 2)


def test_a_bad_sheet_is_refused_with_a_clear_message_and_nothing_is_saved(api, cast, course):
    client = api(cast.local)
    full = [
        {"enrolment": course.hoa.pk, "present": True, "was": None},
        {"enrolment": course.binh.pk, "present": True, "was": None},
        {"enrolment": course.duc.pk, "present": True, "was": None},
    ]
    response = client.put(url(course.session), full[:2])
    assert response.status_code == 400
    assert response.json()["detail"] == (
        f"Bảng điểm danh chưa đủ: thiếu ghi danh {course.duc.pk}. "
        "Hãy gửi đủ mọi học viên đã ghi danh, mỗi người một lần."
    )
    both = [*full[:2], {"enrolment": course.duc.pk, "present": True, "excused": True, "was": None}]
    response = client.put(url(course.session), both)
    assert response.status_code == 400, response.json()
    assert response.json()["2"]["excused"] == ["Học viên có mặt thì không thể vắng có phép: hãy đặt excused là false."]
    response = client.put(url(course.session), [*full, {"enrolment": 999999, "present": True, "was": None}])
    assert response.status_code == 400 and "999999" in response.json()["detail"]
    response = client.put(url(course.session), [*full, full[0]])
    assert response.status_code == 400 and "hai lần" in response.json()["detail"]
    response = client.put(url(course.session), {"enrolment": course.hoa.pk, "present": True, "was": None})
    assert response.status_code == 400 and "danh sách" in response.json()["detail"]
    assert not Attendance.objects.exists()


def test_a_sheet_read_before_someone_else_changed_a_mark_is_refused_and_nothing_is_saved(api, cast, course):
    read = [
        {"enrolment": course.hoa.pk, "present": False, "was": None},
        {"enrolment": course.binh.pk, "present": True, "was": None},
        {"enrolment": course.duc.pk, "present": True, "was": None},
    ]
    # Meanwhile Hoà checks in by phone: present.
    attendance.save_sheet(course.session, {course.hoa.pk: "present"}, by=cast.principal_a)
    response = api(cast.local).put(url(course.session), read)
    assert response.status_code == 409
    assert "Nguyễn Thị Hoà" in response.json()["detail"]
    marks = {row.enrolment_id: (row.present, row.excused) for row in Attendance.objects.all()}
    assert marks == {course.hoa.pk: (True, False)}
    # Read again, then the same change goes through.
    read[0]["was"] = "present"
    assert api(cast.local).put(url(course.session), read).status_code == 200
    assert not Attendance.objects.get(enrolment=course.hoa).present


def test_someone_who_sees_the_class_but_does_not_teach_it_reads_their_rows_and_cannot_put(api, cast, course):
    client = api(cast.principal_a)
    body = client.get(url(course.session)).json()
    assert sorted(row["full_name"] for row in body["results"]) == ["Lê Thị Bình", "Nguyễn Thị Hoà"]
    response = client.put(url(course.session), [{"enrolment": course.hoa.pk, "present": True}])
    assert response.status_code == 403
    assert not Attendance.objects.exists()


def test_a_learner_reads_only_their_own_row(api, cast, course):
    body = api(cast.teacher_a).get(url(course.session)).json()
    assert [row["staff_code"] for row in body["results"]] == ["GV-A-001"]


def test_an_outsider_gets_404(api, cast, course):
    client = api(cast.principal_b)
    assert client.get(url(course.session)).status_code == 404
    assert client.put(url(course.session), [{"enrolment": course.hoa.pk, "present": True}]).status_code == 404
    assert api().get(url(course.session)).status_code in (401, 403)
    assert not Attendance.objects.exists()

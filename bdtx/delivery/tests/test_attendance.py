"""Attendance: the sheet of a session (saved in bulk, the session marked as held, outcomes refreshed), the list of a
class's sessions, the printable sign-in sheet, and the Excel import of many sessions at once (all or nothing)."""

import datetime as dt
import io
from types import SimpleNamespace

import openpyxl
import pytest
from django.urls import reverse
from pypdf import PdfReader

from bdtx.delivery import attendance
from bdtx.delivery.models import Attendance, AttendanceMethod, Trainer
from bdtx.testing import enrol, make_class, make_staff, make_user

pytestmark = pytest.mark.django_db
PRESENT, ABSENT, EXCUSED = attendance.PRESENT, attendance.ABSENT, attendance.EXCUSED


@pytest.fixture
def course(cast):
    """A class of the commune with three sessions (05–07/10/2027); member_a and two more of school A enrolled,
    and one of school B; a presenter with an account."""
    training_class = make_class(cast.tree.commune, year=2027, code="DD1", sessions=3, tests=0)
    binh = make_staff(cast.tree.school_a, "Lê Thị Bình", code="GV-A-002")
    an = make_staff(cast.tree.school_a, "Trần Văn An", code="GV-A-003")
    duc = cast.member_b
    hoa_e, binh_e, an_e, duc_e = enrol(training_class, cast.member_a, binh, an, duc)
    presenter = make_user("presenter")
    trainer = Trainer.objects.create(unit=cast.tree.commune, user=presenter, full_name="Phạm Văn Giảng")
    training_class.trainers.add(trainer)
    sessions = list(training_class.sessions.order_by("date"))
    return SimpleNamespace(
        cls=training_class, sessions=sessions, hoa=hoa_e, binh=binh_e, an=an_e, duc=duc_e, presenter=presenter
    )


def sheet_url(session) -> str:
    return reverse("delivery:attendance-sheet", kwargs={"pk": session.pk})


def marks_of(session) -> dict[str, str]:
    return {
        row.enrolment.staff.full_name: attendance.mark_of(row.present, row.excused)
        for row in Attendance.objects.filter(session=session).select_related("enrolment__staff")
    }


def post_sheet(client, session, marks: dict, shown: dict | None = None):
    data = {attendance.field_name(enrolment.pk): mark for enrolment, mark in marks.items()}
    data |= {f"shown-{enrolment.pk}": mark for enrolment, mark in (shown or {}).items()}
    return client.post(sheet_url(session), data)


# The sheet ------------------------------------------------------------------------------------------------


def test_a_new_sheet_lists_every_learner_by_given_name_all_marked_present(client, cast, course):
    client.force_login(cast.local)
    response = client.get(sheet_url(course.sessions[0]))
    assert response.status_code == 200
    names = [row["enrolment"].staff.full_name for row in response.context["rows"]]
    assert names == ["Trần Văn An", "Lê Thị Bình", "Trần Văn Đức", "Nguyễn Thị Hoà"]
    assert {row["mark"] for row in response.context["rows"]} == {PRESENT}
    html = response.content.decode()
    assert "mọi người đang được đánh dấu có mặt" in html
    assert f'name="a-{course.an.pk}" value="present" checked' in html
    assert "Lưu điểm danh" in html


def test_saving_the_sheet_writes_every_row_marks_the_session_held_and_refreshes_outcomes(client, cast, course):
    session = course.sessions[0]
    client.force_login(cast.local)
    response = post_sheet(
        client, session, {course.hoa: PRESENT, course.binh: ABSENT, course.an: EXCUSED, course.duc: PRESENT}
    )
    assert response.status_code == 302 and response.url == sheet_url(session)
    assert marks_of(session) == {
        "Nguyễn Thị Hoà": PRESENT,
        "Lê Thị Bình": ABSENT,
        "Trần Văn An": EXCUSED,
        "Trần Văn Đức": PRESENT,
    }
    rows = Attendance.objects.filter(session=session)
    assert {(row.method, row.recorded_by_id) for row in rows} == {(AttendanceMethod.SHEET, cast.local.pk)}
    session.refresh_from_db()
    assert session.attendance_taken
    course.hoa.refresh_from_db()
    course.binh.refresh_from_db()
    assert (course.hoa.sessions_attended, course.binh.sessions_attended) == (1, 0)
    page = client.get(sheet_url(session)).content.decode()
    assert "Đã lưu điểm danh ngày 05/10/2027: ghi 4 bản ghi, giữ nguyên 0." in page


def test_saving_again_rewrites_only_what_changed(cast, course):
    session = course.sessions[0]
    attendance.save_sheet(session, {course.hoa.pk: PRESENT, course.binh.pk: PRESENT}, by=cast.local)
    counts = attendance.save_sheet(session, {course.hoa.pk: PRESENT, course.binh.pk: ABSENT}, by=course.presenter)
    assert counts == {"created": 0, "updated": 1, "unchanged": 1}
    rows = {row.enrolment_id: row for row in Attendance.objects.filter(session=session)}
    assert rows[course.binh.pk].recorded_by == course.presenter and not rows[course.binh.pk].present
    assert rows[course.hoa.pk].recorded_by == cast.local


@pytest.mark.parametrize("learners", [5, 60])
def test_saving_a_sheet_takes_the_same_bounded_number_of_queries_whatever_the_number_of_learners(
    client, cast, learners, django_assert_max_num_queries
):
    training_class = make_class(cast.tree.commune, year=2027, code=f"Q{learners}", sessions=1)
    people = [
        make_staff(cast.tree.school_a, f"Nguyễn Văn Học {n:03d}", code=f"HV{learners}-{n:03d}") for n in range(learners)
    ]
    enrolments = enrol(training_class, *people)
    session = training_class.sessions.get()
    marks = {enrolment: (ABSENT if index % 7 == 0 else PRESENT) for index, enrolment in enumerate(enrolments)}
    client.force_login(cast.local)
    # The yearly results of those whose outcome changed are refreshed too: still a fixed number of queries.
    with django_assert_max_num_queries(30):
        response = post_sheet(client, session, marks)
    assert response.status_code == 302
    assert Attendance.objects.filter(session=session).count() == learners
    with django_assert_max_num_queries(10):
        response = client.get(sheet_url(session))
    assert len(response.context["rows"]) == learners


def test_a_row_left_as_shown_does_not_undo_a_check_in_made_meanwhile(client, cast, course):
    session = course.sessions[0]
    attendance.save_sheet(session, {course.hoa.pk: ABSENT, course.binh.pk: PRESENT}, by=cast.local)
    # The sheet showed member_a absent; meanwhile she checked in by QR.
    attendance.record_presence(session, course.hoa, method=AttendanceMethod.QR, by=cast.teacher_a)
    client.force_login(cast.local)
    post_sheet(
        client,
        session,
        {course.hoa: ABSENT, course.binh: ABSENT},
        shown={course.hoa: ABSENT, course.binh: PRESENT},
    )
    assert marks_of(session)["Nguyễn Thị Hoà"] == PRESENT
    assert marks_of(session)["Lê Thị Bình"] == ABSENT


def test_a_bad_mark_is_refused_naming_the_learner_and_nothing_is_saved(client, cast, course):
    client.force_login(cast.local)
    response = post_sheet(client, course.sessions[0], {course.hoa: PRESENT, course.binh: "maybe"})
    assert response.status_code == 400
    assert "Lê Thị Bình (GV-A-002): hãy chọn có mặt, vắng hoặc vắng có phép." in response.content.decode()
    assert not Attendance.objects.exists()


def test_a_learner_of_another_class_is_refused_by_the_service(cast, course):
    other = make_class(cast.tree.commune, year=2027, code="DD2", sessions=1)
    (stranger,) = enrol(other, make_staff(cast.tree.school_a, "Vũ Thị Lạ", code="GV-A-099"))
    with pytest.raises(attendance.AttendanceError, match="không còn ghi danh"):
        attendance.save_sheet(course.sessions[0], {course.hoa.pk: PRESENT, stranger.pk: PRESENT}, by=cast.local)
    assert not Attendance.objects.exists()


def test_the_presenter_takes_the_attendance_of_their_class(client, course):
    client.force_login(course.presenter)
    response = post_sheet(client, course.sessions[1], {course.hoa: PRESENT})
    assert response.status_code == 302
    assert Attendance.objects.get(session=course.sessions[1]).recorded_by == course.presenter


def test_a_principal_who_sees_the_class_reads_their_peoples_rows_and_cannot_save(client, cast, course):
    attendance.save_sheet(course.sessions[0], {course.hoa.pk: PRESENT, course.duc.pk: ABSENT}, by=cast.local)
    client.force_login(cast.principal_a)
    response = client.get(sheet_url(course.sessions[0]))
    assert response.status_code == 200
    names = [row["enrolment"].staff.full_name for row in response.context["rows"]]
    assert "Trần Văn Đức" not in names and "Nguyễn Thị Hoà" in names
    assert 'type="radio"' not in response.content.decode()
    assert post_sheet(client, course.sessions[0], {course.hoa: ABSENT}).status_code == 404
    assert marks_of(course.sessions[0])["Nguyễn Thị Hoà"] == PRESENT


def test_an_outsider_gets_404_on_every_attendance_page(client, cast, course):
    client.force_login(cast.principal_b)
    session, training_class = course.sessions[0], course.cls
    for name, pk in [
        ("delivery:attendance", training_class.pk),
        ("delivery:attendance-template", training_class.pk),
        ("delivery:attendance-import", training_class.pk),
        ("delivery:attendance-sheet", session.pk),
        ("delivery:attendance-pdf", session.pk),
    ]:
        url = reverse(name, kwargs={"pk": pk})
        assert client.get(url).status_code == 404, name
        assert client.post(url).status_code in (404, 405), name


# The class's sessions -------------------------------------------------------------------------------------


def test_the_class_page_counts_who_attended_how_many_sessions(client, cast, course, django_assert_max_num_queries):
    first, second, _third = course.sessions
    attendance.save_sheet(first, {course.hoa.pk: PRESENT, course.binh.pk: ABSENT, course.an.pk: PRESENT}, by=cast.local)
    attendance.save_sheet(
        second, {course.hoa.pk: PRESENT, course.binh.pk: EXCUSED, course.an.pk: ABSENT}, by=cast.local
    )
    client.force_login(cast.local)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("delivery:attendance", kwargs={"pk": course.cls.pk}))
    assert response.status_code == 200
    rows = {row["enrolment"].staff.full_name: row for row in response.context["rows"]}
    assert (rows["Nguyễn Thị Hoà"]["present"], rows["Nguyễn Thị Hoà"]["share"]) == (2, 100)
    assert (rows["Lê Thị Bình"]["present"], rows["Lê Thị Bình"]["excused"], rows["Lê Thị Bình"]["short"]) == (
        0,
        1,
        True,
    )
    assert (rows["Trần Văn An"]["present"], rows["Trần Văn An"]["share"], rows["Trần Văn An"]["short"]) == (1, 50, True)
    html = response.content.decode()
    assert "Đến nay đã học 2 buổi" in html
    assert "2 có mặt · 1 vắng · 0 vắng có phép" in html
    assert reverse("delivery:attendance-pdf", kwargs={"pk": first.pk}) in html


def test_a_learner_sees_their_own_attendance_and_a_check_in_button_while_it_is_open(client, cast, course):
    first, second, _third = course.sessions
    attendance.save_sheet(first, {course.hoa.pk: ABSENT}, by=cast.local)
    second.checkin_open = True
    second.save()
    client.force_login(cast.teacher_a)
    response = client.get(reverse("delivery:attendance", kwargs={"pk": course.cls.pk}))
    assert response.status_code == 200
    assert [row["enrolment"] for row in response.context["rows"]] == [course.hoa]
    html = response.content.decode()
    assert "Điểm danh của bạn" in html and "Vắng" in html
    assert reverse("delivery:checkin-code", kwargs={"pk": second.pk}) in html
    assert reverse("delivery:attendance-pdf", kwargs={"pk": first.pk}) not in html


# The printable sign-in sheet ------------------------------------------------------------------------------


def test_the_sign_in_sheet_is_a_pdf_with_the_vietnamese_names_and_the_columns_to_sign(client, cast, course):
    client.force_login(course.presenter)
    response = client.get(reverse("delivery:attendance-pdf", kwargs={"pk": course.sessions[0].pk}))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    for expected in [
        "DANH SÁCH KÝ TÊN THAM DỰ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "STT",
        "Họ và tên",
        "Mã định danh",
        "Đơn vị",
        "Ký tên",
        "Nguyễn Thị Hoà",
        "Lê Thị Bình",
        "Trần Văn Đức",
        "Trường THPT Chuyên Lê Quý Đôn",
        "05/10/2027, từ 08:00 đến 11:00",
        "Phòng họp trường",
        "Phạm Văn Giảng",
    ]:
        assert expected in text, expected
    assert text.index("Trần Văn An") < text.index("Lê Thị Bình") < text.index("Nguyễn Thị Hoà")


def test_only_those_who_teach_the_class_print_the_sign_in_sheet(client, cast, course):
    client.force_login(cast.teacher_a)
    assert client.get(reverse("delivery:attendance-pdf", kwargs={"pk": course.sessions[0].pk})).status_code == 404


# Excel import ---------------------------------------------------------------------------------------------


def workbook(rows: list[list[object]]) -> io.BytesIO:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    data.name = "diem-danh.xlsx"
    return data


def upload(client, course, rows):
    return client.post(reverse("delivery:attendance-import", kwargs={"pk": course.cls.pk}), {"file": workbook(rows)})


def test_the_template_lists_the_learners_and_one_column_per_session_with_the_marks_so_far(client, cast, course):
    attendance.save_sheet(course.sessions[0], {course.hoa.pk: PRESENT, course.binh.pk: EXCUSED}, by=cast.local)
    client.force_login(cast.local)
    response = client.get(reverse("delivery:attendance-template", kwargs={"pk": course.cls.pk}))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [[cell if cell is not None else "" for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["Mã định danh", "Họ và tên", "05/10/2027", "06/10/2027", "07/10/2027"]
    assert rows[1][:2] == ["GV-A-003", "Trần Văn An"]
    by_code = {row[0]: row[2:] for row in rows[1:]}
    assert by_code["GV-A-001"] == ["x", "", ""]
    assert by_code["GV-A-002"] == ["P", "", ""]
    assert by_code["GV-A-003"] == ["v", "", ""]


def test_an_import_of_many_sessions_is_applied_in_one_go_and_summarised(client, cast, course):
    client.force_login(cast.local)
    response = upload(
        client,
        course,
        [
            ["Mã định danh", "Họ và tên", "05/10/2027", "06/10/2027", "Ghi chú"],
            ["GV-A-001", "Nguyễn Thị Hoà", "x", "có", "tốt"],
            ["gv-a-002", "Tên gõ sai vẫn được", "P", "vắng"],
            ["GV-A-003", "Trần Văn An", 1, None],
            ["GV-B-001", "Trần Văn Đức", "0", "X"],
        ],
    )
    assert response.status_code == 302 and response.url == reverse("delivery:attendance", kwargs={"pk": course.cls.pk})
    first, second, third = course.sessions
    assert marks_of(first) == {
        "Nguyễn Thị Hoà": PRESENT,
        "Lê Thị Bình": EXCUSED,
        "Trần Văn An": PRESENT,
        "Trần Văn Đức": ABSENT,
    }
    assert marks_of(second) == {
        "Nguyễn Thị Hoà": PRESENT,
        "Lê Thị Bình": ABSENT,
        "Trần Văn An": ABSENT,
        "Trần Văn Đức": PRESENT,
    }
    assert not Attendance.objects.filter(session=third).exists()
    assert {row.method for row in Attendance.objects.all()} == {AttendanceMethod.IMPORT}
    for session in course.sessions:
        session.refresh_from_db()
    assert (first.attendance_taken, second.attendance_taken, third.attendance_taken) == (True, True, False)
    course.hoa.refresh_from_db()
    assert course.hoa.sessions_attended == 2
    page = client.get(response.url).content.decode()
    assert "Đã lưu từ diem-danh.xlsx: 2 buổi học, 4 học viên (4 có mặt, 3 vắng, 1 vắng có phép)" in page


def test_an_import_with_any_error_writes_nothing_and_names_each_row_and_column(client, cast, course):
    client.force_login(cast.local)
    response = upload(
        client,
        course,
        [
            ["Mã định danh", "Họ và tên", "05/10/2027", "20/10/2027"],
            ["GV-A-001", "Nguyễn Thị Hoà", "x", "x"],
            ["GV-X-404", "Người lạ", "x", ""],
            ["GV-A-002", "Lê Thị Bình", "có lẽ", ""],
            ["GV-A-001", "Nguyễn Thị Hoà", "x", ""],
        ],
    )
    assert response.status_code == 400
    errors = [(e["row"], e["column"], e["message"]) for e in response.context["outcome"].errors]
    assert errors == [
        (
            1,
            "20/10/2027",
            "Lớp không có buổi học nào vào 20/10/2027. Hãy ghi tiêu đề cột bằng ngày của một buổi học của lớp "
            "(05/10/2027, 06/10/2027, 07/10/2027), hoặc tải lại mẫu.",
        ),
        (
            3,
            "Mã định danh",
            "Không có ai có Mã định danh “GV-X-404” ghi danh trong lớp này. Hãy kiểm tra lại mã, hoặc ghi danh "
            "người này trước.",
        ),
        (
            4,
            "05/10/2027",
            "“có lẽ” không phải là ký hiệu điểm danh. Hãy ghi x (có mặt), P (vắng có phép) hoặc v (vắng).",
        ),
        (5, "Mã định danh", "GV-A-001 đã có ở dòng 2. Mỗi người chỉ một dòng."),
    ]
    assert "Tệp có lỗi; chưa có gì được lưu." in response.content.decode()
    assert not Attendance.objects.exists()
    assert not course.cls.sessions.filter(attendance_taken=True).exists()


def test_two_sessions_on_one_day_are_told_apart_by_their_start_time(client, cast, course):
    afternoon = course.cls.sessions.create(
        date=dt.date(2027, 10, 5), starts_at=dt.time(13, 30), ends_at=dt.time(16, 30), place="Phòng họp trường"
    )
    client.force_login(cast.local)
    response = upload(client, course, [["Mã định danh", "05/10/2027"], ["GV-A-001", "x"]])
    assert response.status_code == 400
    assert response.context["outcome"].errors[0]["message"] == (
        "Lớp có 2 buổi học vào ngày 05/10/2027. Hãy thêm giờ bắt đầu vào tiêu đề cột: “05/10/2027 08:00”, "
        "“05/10/2027 13:30”."
    )
    response = upload(client, course, [["Mã định danh", "05/10/2027 13:30"], ["GV-A-001", "x"]])
    assert response.status_code == 302
    assert marks_of(afternoon) == {"Nguyễn Thị Hoà": PRESENT}
    assert not Attendance.objects.filter(session=course.sessions[0]).exists()


def test_a_session_column_headed_by_a_date_cell_is_matched(client, cast, course):
    client.force_login(cast.local)
    response = upload(client, course, [["Mã định danh", dt.datetime(2027, 10, 6)], ["GV-A-002", "P"]])
    assert response.status_code == 302
    assert marks_of(course.sessions[1]) == {"Lê Thị Bình": EXCUSED}


def test_a_file_without_any_session_column_cannot_be_used(client, cast, course):
    client.force_login(cast.local)
    response = upload(client, course, [["Mã định danh", "Họ và tên"], ["GV-A-001", "Nguyễn Thị Hoà"]])
    assert response.status_code == 400
    assert "Không có cột nào mang ngày của một buổi học của lớp" in response.content.decode()
    assert not Attendance.objects.exists()


def test_only_those_who_teach_the_class_import_attendance(client, cast, course):
    client.force_login(cast.principal_a)
    assert client.get(reverse("delivery:attendance-import", kwargs={"pk": course.cls.pk})).status_code == 404
    assert upload(client, course, [["Mã định danh", "05/10/2027"], ["GV-A-001", "x"]]).status_code == 404
    assert not Attendance.objects.exists()

"""LMS results: Moodle's grade export (CSV with a BOM) and completion export (.xlsx) matched by e-mail and by ID
number (Mã định danh), the rows not matched listed with the reason, nothing written before applying and nothing
when cancelled; applied scores refresh the outcomes."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bdtx.delivery import lms
from bdtx.delivery.models import Assessment, AssessmentKind, Enrolment, LmsImport, Score, ScoreSource
from bdtx.testing import enrol, make_class, make_staff

GRADE_HEADERS = [
    "First name", "Last name", "ID number", "Institution", "Department", "Email address",
    "Quiz: Final test (Real)", "Course total (Real)", "Last downloaded from this course",
]  # fmt: skip


@pytest.fixture
def klass(cast):
    """A class of the commune without tests: member_a (hoa@ta.edu.vn) and An (by code only) enrolled."""
    training_class = make_class(cast.tree.commune, year=2027, code="LMS-01", tests=0)
    cast.member_a.email = "hoa@ta.edu.vn"
    cast.member_a.save()
    an = make_staff(cast.tree.school_a, "Trần Văn An", code="GV-A-002", gender="nam", email="an@ta.edu.vn")
    enrol(training_class, cast.member_a, an)
    return training_class


def moodle_csv() -> bytes:
    lines = [
        ",".join(GRADE_HEADERS),
        'Hoà,Nguyễn Thị,,Trường TH Tân Phong,,HOA@ta.edu.vn,9.00,"8.50",1790000000',
        "An,Trần Văn,GV-A-002,,,an.tran@gmail.com,6.00,4.00,1790000000",
        "Minh,Lê,,,,minh@khac.vn,7.00,7.00,1790000000",
        "Đức,Trần Văn,GV-B-001,,,,5.00,5.00,1790000000",
        "Lan,Phạm,,,,,,,1790000000",
    ]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def upload(client, training_class, content: bytes, name: str, **data):
    return client.post(
        reverse("delivery:lms-import", args=[training_class.pk]),
        {"file": SimpleUploadedFile(name, content), "test": "new", "title": "Kết quả LMS", **data},
    )


def test_a_moodle_grade_csv_is_matched_by_email_and_by_code(client, cast, klass):
    client.force_login(cast.local)
    response = upload(client, klass, moodle_csv(), "grades.csv")
    assert response.status_code == 302
    imported = LmsImport.objects.get()
    assert response.url == reverse("delivery:lms-import-detail", args=[imported.pk])
    assert imported.rows == 5
    assert [(m["row"], m["code"], m["score"]) for m in imported.matched] == [
        (2, "GV-A-001", "8.50"),
        (3, "GV-A-002", "4.00"),
    ]
    reasons = {u["row"]: u["message"] for u in imported.unmatched}
    assert reasons[4] == "Không có ai trong danh sách cán bộ, giáo viên có ID number hoặc e-mail này (Minh Lê)."
    assert reasons[5] == "Trần Văn Đức (GV-B-001) không ghi danh vào lớp này."
    assert reasons[6] == "Không có e-mail và không có ID number: không tìm được người này."
    assert not Score.objects.exists()  # nothing written before applying
    page = client.get(response.url).content.decode()
    assert "Course total (Real)" in page and "3 dòng không đối chiếu được" in page


def test_applying_writes_the_scores_in_one_go_and_refreshes_the_outcomes(client, cast, klass):
    client.force_login(cast.local)
    upload(client, klass, moodle_csv(), "grades.csv")
    imported = LmsImport.objects.get()
    response = client.post(reverse("delivery:lms-import-apply", args=[imported.pk]))
    assert response.status_code == 302 and response.url == reverse("delivery:scores", args=[klass.pk])
    test = Assessment.objects.get(training_class=klass, kind=AssessmentKind.LMS)
    assert test.title == "Kết quả LMS"
    assert {s.enrolment.staff.code: s.value for s in Score.objects.select_related("enrolment__staff")} == {
        "GV-A-001": Decimal("8.50"),
        "GV-A-002": Decimal("4.00"),
    }
    assert set(Score.objects.values_list("source", flat=True)) == {ScoreSource.LMS}
    outcomes = dict(Enrolment.objects.filter(training_class=klass).values_list("staff__code", "outcome"))
    assert outcomes == {"GV-A-001": "passed", "GV-A-002": "failed"}
    imported.refresh_from_db()
    assert imported.applied_at is not None
    # Applied once only.
    client.post(reverse("delivery:lms-import-apply", args=[imported.pk]))
    assert Score.objects.count() == 2


def test_another_column_can_be_chosen(client, cast, klass):
    client.force_login(cast.local)
    upload(client, klass, moodle_csv(), "grades.csv")
    imported = LmsImport.objects.get()
    client.post(
        reverse("delivery:lms-import-detail", args=[imported.pk]),
        {"column": GRADE_HEADERS.index("Quiz: Final test (Real)")},
    )
    imported.refresh_from_db()
    assert [m["score"] for m in imported.matched] == ["9.00", "6.00"]


def test_cancelling_writes_nothing_and_drops_the_test_made_for_it(client, cast, klass):
    client.force_login(cast.local)
    upload(client, klass, moodle_csv(), "grades.csv")
    imported = LmsImport.objects.get()
    assert Assessment.objects.filter(training_class=klass).count() == 1
    response = client.post(reverse("delivery:lms-import-cancel", args=[imported.pk]))
    assert response.status_code == 302
    assert not LmsImport.objects.exists() and not Score.objects.exists()
    assert not Assessment.objects.filter(training_class=klass).exists()
    assert "Đã huỷ lần nhập; không ghi điểm nào." in client.get(response.url).content.decode()


def test_a_moodle_completion_xlsx_gives_ten_to_those_complete_and_nothing_to_the_others(client, cast, klass):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Khoá học: Bồi dưỡng mô đun 4"])
    sheet.append(["First name", "Last name", "ID number", "Email address", "Course complete"])
    sheet.append(["Hoà", "Nguyễn Thị", "GV-A-001", "", "Completed"])
    sheet.append(["An", "Trần Văn", "", "AN@TA.EDU.VN", "Not completed"])
    out = io.BytesIO()
    book.save(out)
    client.force_login(cast.local)
    upload(client, klass, out.getvalue(), "completion.xlsx")
    imported = LmsImport.objects.get()
    assert [(m["code"], m["score"], m["completed"]) for m in imported.matched] == [
        ("GV-A-001", "10", True),
        ("GV-A-002", None, False),
    ]
    page = client.get(reverse("delivery:lms-import-detail", args=[imported.pk])).content.decode()
    assert "chưa hoàn thành: không có điểm" in page
    client.post(reverse("delivery:lms-import-apply", args=[imported.pk]))
    assert list(Score.objects.values_list("enrolment__staff__code", "value")) == [("GV-A-001", Decimal("10.00"))]


def test_two_people_with_one_email_are_not_guessed(cast, klass):
    other = make_staff(cast.tree.school_a, "Nguyễn Thị Hoa", code="GV-A-009", email="hoa@ta.edu.vn")
    enrol(klass, other)
    matched, unmatched = lms.match(klass, [lms.Row(row=2, email="hoa@ta.edu.vn", score=Decimal("7"))])
    assert matched == []
    assert unmatched[0]["message"] == (
        "2 người cùng có e-mail hoa@ta.edu.vn: hãy thêm ID number (Mã định danh) để phân biệt."
    )


def test_a_score_outside_the_scale_is_listed_not_written(cast, klass):
    export = lms.read_export(b"Email address,Course total (Real)\nhoa@ta.edu.vn,85.00\nan@ta.edu.vn,-\n", "grades.csv")
    matched, unmatched = lms.match(klass, lms.rows_of(export, 1))
    assert matched == []
    assert [u["message"] for u in unmatched] == [
        "85.00 nằm ngoài thang điểm: hãy nhập điểm từ 0 đến 10.",
        "Dòng này không có điểm (cột “Course total (Real)” để trống).",
    ]


def test_a_file_without_email_or_id_number_is_refused(client, cast, klass):
    client.force_login(cast.local)
    response = upload(client, klass, "Họ tên,Điểm\nHoà,8\n".encode(), "diem.csv")
    assert response.status_code == 400
    assert "Không thấy cột địa chỉ e-mail hay cột ID number" in response.content.decode()
    assert not LmsImport.objects.exists() and not Assessment.objects.filter(training_class=klass).exists()


def test_only_those_who_teach_the_class_import(client, cast, klass):
    client.force_login(cast.principal_a)
    assert client.get(reverse("delivery:lms-import", args=[klass.pk])).status_code == 404
    client.force_login(cast.principal_b)
    assert client.get(reverse("delivery:lms-import", args=[klass.pk])).status_code == 404

"""The completion reports (by child unit, level, content) against a hand-built province of two schools with known
outcomes, their Excel files, and the at-risk list with its reasons."""

import datetime as dt
import io
from types import SimpleNamespace

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from bdtx.catalog.models import TrainingModule
from bdtx.delivery.models import Attendance, AttendanceMethod, EnrolmentStatus
from bdtx.delivery.outcomes import refresh_outcomes
from bdtx.plans.models import PersonalPlan, PersonalPlanItem, PlanStatus, PlanTopic, UnitPlan
from bdtx.results import reports
from bdtx.results.models import YearResult
from bdtx.staff.models import StaffGroup, StaffMember
from bdtx.testing import enrol, make_class, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def province(cast, programmes):
    """2027 in two schools. School A (primary, under the commune): member_a completed (recognised), Mai not
    completed (module GVPT 05 missing), Nam no result yet. School B (upper secondary, under the Sở): member_b not
    completed (content 01 short), Lan completed. Everyone but Nam has an approved plan with content 01; member_a and
    Mai have GVPT 05 as well. An employee without a result counts nowhere."""
    tree = cast.tree
    so_plan = UnitPlan.objects.create(unit=tree.province, year=2027, title="Kế hoạch BDTX 2027-2028")
    topic = PlanTopic.objects.create(plan=so_plan, content="01", title="Chương trình GDPT 2018", periods=40)
    module = TrainingModule.objects.get(code="GVPT 05")
    mai = make_staff(tree.school_a, "Lê Thị Mai", levels="tieu_hoc")
    nam = make_staff(tree.school_a, "Phạm Văn Nam", levels="tieu_hoc")
    lan = make_staff(tree.school_b, "Vũ Thị Lan", levels="thpt")
    make_staff(tree.school_a, "Đỗ Văn Bảo", group=StaffGroup.EMPLOYEE)

    def plan(member, *, with_module: bool):
        personal = PersonalPlan.objects.create(
            staff=member,
            year=2027,
            unit=member.unit,
            programme=programmes["tt17-2019"],
            status=PlanStatus.APPROVED,
        )
        PersonalPlanItem.objects.create(plan=personal, content="01", topic=topic, periods=40)
        if with_module:
            PersonalPlanItem.objects.create(plan=personal, content="03", module=module, periods=10)

    def result(member, outcome, reasons=(), **values):
        return YearResult.objects.create(
            staff=member, year=2027, unit=member.unit, outcome=outcome, reasons=list(reasons), **values
        )

    plan(cast.member_a, with_module=True)
    plan(mai, with_module=True)
    plan(cast.member_b, with_module=False)
    plan(lan, with_module=False)
    result(cast.member_a, "hoan_thanh", recognised=True, periods_planned=50, periods_earned=50)
    result(mai, "khong_hoan_thanh", [["module_missing", {"module": "GVPT 05"}]])
    result(cast.member_b, "khong_hoan_thanh", [["content_short", {"content": "01", "earned": 0, "planned": 40}]])
    result(lan, "hoan_thanh")
    return SimpleNamespace(mai=mai, nam=nam, lan=lan)


def figures(row):
    return (row.completed, row.not_completed, row.no_result, row.recognised, row.percent)


def test_completion_by_unit_rolls_the_schools_up_to_the_provinces_children(cast, province):
    total, rows = reports.completion_by_unit(cast.tree.province, 2027)
    assert figures(total) == (2, 2, 1, 1, 40.0)
    assert [(row.unit.code, figures(row)) for row in rows] == [
        ("TB", (1, 1, 0, 0, 50.0)),
        ("PA", (1, 1, 1, 1, 33.3)),
    ]
    assert all(row.below_target for row in rows)
    total, rows = reports.completion_by_unit(cast.tree.commune, 2027)
    assert [(row.unit.code, figures(row), row.leaf) for row in rows] == [("TA", (1, 1, 1, 1, 33.3), True)]


def test_completion_by_level_uses_the_persons_levels_or_else_their_schools(cast, province):
    with translation.override("vi"):
        rows = reports.completion_by_level(cast.tree.province, 2027)
        assert [(row.label, figures(row)) for row in rows] == [
            ("Tiểu học", (1, 1, 1, 1, 33.3)),
            ("THPT", (1, 1, 0, 0, 50.0)),
        ]


def test_completion_by_content_counts_who_planned_and_who_did_each_content_and_module(cast, province):
    rows = reports.completion_by_content(cast.tree.province, 2027)
    assert [(row.content, row.module, row.planned, row.done, row.not_done, row.no_result) for row in rows] == [
        ("01", "", 4, 3, 1, 0),
        ("03", "", 2, 1, 1, 0),
        ("03", "GVPT 05", 2, 1, 1, 0),
    ]
    assert rows[0].percent == 75.0
    rows = reports.completion_by_content(cast.tree.school_b, 2027)
    assert [(row.content, row.planned, row.done) for row in rows] == [("01", 2, 1)]


def test_the_completion_page_drills_down_with_a_bounded_number_of_queries(
    client, cast, province, django_assert_max_num_queries
):
    client.force_login(cast.officer)
    for view in ("unit", "level", "content"):
        with django_assert_max_num_queries(14):
            response = client.get(
                reverse("results:completion", kwargs={"pk": cast.tree.province.pk}), {"year": 2027, "by": view}
            )
        assert response.status_code == 200
    page = client.get(reverse("results:completion", kwargs={"pk": cast.tree.province.pk}), {"year": 2027}).content
    page = page.decode()
    assert "Kết quả hoàn thành BDTX, năm học 2027-2028" in page
    assert reverse("results:completion", kwargs={"pk": cast.tree.commune.pk}) in page  # drill down
    assert "40.0%" in page or "40,0%" in page
    assert "Chỉ tiêu: 100% số người hoàn thành kế hoạch của năm." in page


def test_the_completion_report_downloads_with_vietnamese_headers(client, cast, province):
    client.force_login(cast.officer)
    address = reverse("results:completion-xlsx", kwargs={"pk": cast.tree.province.pk})
    book = openpyxl.load_workbook(io.BytesIO(b"".join(client.get(address, {"year": 2027}).streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:8] == (
        "Đơn vị",
        "Mã đơn vị",
        "Tổng số",
        "Hoàn thành",
        "Không hoàn thành",
        "Chưa có kết quả",
        "Đã công nhận",
        "Tỷ lệ hoàn thành (%)",
    )
    assert rows[1][1:8] == ("TB", 2, 1, 1, 0, 0, 50.0)
    assert rows[-1][1:8] == ("SO", 5, 2, 2, 1, 1, 40.0)
    content = client.get(address, {"year": 2027, "by": "content"})
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(content.streaming_content))).active.values)
    assert rows[0][:4] == ("Nội dung", "Mô đun", "Tên mô đun", "Số người có trong kế hoạch")
    assert rows[3][:5] == ("03", "GVPT 05", TrainingModule.objects.get(code="GVPT 05").title, 2, 1)


def test_a_year_that_is_not_one_is_refused_clearly(client, cast, province):
    client.force_login(cast.officer)
    response = client.get(reverse("results:completion", kwargs={"pk": cast.tree.province.pk}), {"year": "năm nay"})
    assert response.status_code == 400
    assert "“năm nay” không phải là năm học" in response.content.decode()


def test_the_reports_are_404_outside_the_units_one_manages(client, cast, province):
    client.force_login(cast.principal_b)
    for name in ("results:completion", "results:completion-xlsx", "results:at-risk", "results:at-risk-xlsx"):
        assert client.get(reverse(name, kwargs={"pk": cast.tree.school_a.pk})).status_code == 404
    client.force_login(cast.principal_a)  # a principal does not see the commune's report
    assert client.get(reverse("results:completion", kwargs={"pk": cast.tree.commune.pk})).status_code == 404


# At risk ------------------------------------------------------------------------------------------------


def absent(training_class, enrolment, sessions: int):
    """Take the attendance of the first `sessions` sessions, the learner absent."""
    for session in training_class.sessions.all()[:sessions]:
        Attendance.objects.create(session=session, enrolment=enrolment, present=False, method=AttendanceMethod.SHEET)
        session.attendance_taken = True
        session.save(update_fields=["attendance_taken"])


@pytest.fixture
def at_risk_school(cast, approved_plan):
    """member_a (01 40, 02 40, GVPT 04–07): class L01 for 01 ends on 01/08/2028, after the school year; class L03
    (GVPT 04, 05) of 5 sessions, 3 taken, all missed; class L06 (GVPT 06) of 5 sessions, the first missed (still
    recoverable); only on the waiting list of L07 (GVPT 07); no class for 02. Khoa has no plan; Hạnh has completed."""
    school = cast.tree.school_a
    modules = {module.code: module for module in TrainingModule.objects.filter(code__startswith="GVPT")}
    l01 = make_class(
        school, year=2027, code="L01", content="01", periods=40, sessions=3, first_day=dt.date(2028, 7, 30)
    )
    l03 = make_class(
        school,
        year=2027,
        code="L03",
        content="03",
        periods=20,
        modules=[modules["GVPT 04"], modules["GVPT 05"]],
        sessions=5,
    )
    l06 = make_class(school, year=2027, code="L06", content="03", periods=10, modules=[modules["GVPT 06"]], sessions=5)
    l07 = make_class(school, year=2027, code="L07", content="03", periods=10, modules=[modules["GVPT 07"]], sessions=2)
    enrolments = [enrol(c, cast.member_a)[0] for c in (l01, l03, l06)]
    waiting = enrol(l07, cast.member_a)[0]
    waiting.status = EnrolmentStatus.WAITING
    waiting.save(update_fields=["status"])
    absent(l03, enrolments[1], 3)
    absent(l06, enrolments[2], 1)
    refresh_outcomes([e.pk for e in enrolments])
    make_staff(school, "Trần Đăng Khoa")
    done = make_staff(school, "Bùi Thị Hạnh")
    YearResult.objects.create(staff=done, year=2027, unit=school, outcome="hoan_thanh")
    return school


def test_the_at_risk_list_says_why_each_person_will_miss_the_plan(cast, at_risk_school):
    with translation.override("vi"):
        risks = reports.at_risk(at_risk_school, 2027)
        by_name = {r.staff_id: reports.risks_text(r) for r in risks}
    khoa = StaffMember.objects.get(full_name="Trần Đăng Khoa")
    assert [r.staff_id for r in risks] == [cast.member_a.pk, khoa.pk]  # by given name; Hạnh has completed
    assert by_name[cast.member_a.pk] == [
        "Lớp L03 (GVPT 04, GVPT 05): dù dự đủ các buổi còn lại, tỷ lệ chuyên cần tối đa chỉ đạt 40% (yêu cầu 80%).",
        "Mô đun GVPT 07 – "
        + TrainingModule.objects.get(code="GVPT 07").title
        + ": mới chỉ trong danh sách chờ của lớp L07.",
        "Lớp L01 (Nội dung 01) kết thúc ngày 01/08/2028, sau khi năm học kết thúc (31/07/2028).",
        "Nội dung 01: các lớp đã ghi danh chỉ còn có thể hoàn thành 0/40 tiết.",
        "Nội dung 02 (40 tiết): chưa ghi danh lớp nào.",
    ]
    assert by_name[khoa.pk] == ["Chưa có kế hoạch BDTX cá nhân được duyệt cho năm học này."]


def test_the_at_risk_page_lists_the_reasons_and_downloads(client, cast, at_risk_school, django_assert_max_num_queries):
    client.force_login(cast.principal_a)
    address = reverse("results:at-risk", kwargs={"pk": at_risk_school.pk})
    with django_assert_max_num_queries(20):
        response = client.get(address, {"year": 2027})
    page = response.content.decode()
    assert "2 người có nguy cơ" in page
    assert "Nội dung 02 (40 tiết): chưa ghi danh lớp nào." in page
    assert "Trần Đăng Khoa" in page and "Bùi Thị Hạnh" not in page
    download = client.get(reverse("results:at-risk-xlsx", kwargs={"pk": at_risk_school.pk}), {"year": 2027})
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active.values)
    assert rows[0] == ("Họ và tên", "Mã định danh", "Đơn vị", "Mã đơn vị", "Chức vụ", "Lý do")
    assert [row[0] for row in rows[1:]] == ["Nguyễn Thị Hoà", "Trần Đăng Khoa"]
    assert "Nội dung 02 (40 tiết): chưa ghi danh lớp nào." in rows[1][5]


def test_a_class_failed_on_its_test_is_named_with_the_reason(cast, at_risk_school):
    from decimal import Decimal

    from bdtx.delivery.models import Score

    l02 = make_class(at_risk_school, year=2027, code="L02", content="02", periods=40, sessions=1)
    enrolment = enrol(l02, cast.member_a)[0]
    session = l02.sessions.get()
    Attendance.objects.create(session=session, enrolment=enrolment, present=True, method=AttendanceMethod.SHEET)
    l02.sessions.update(attendance_taken=True)
    Score.objects.create(assessment=l02.assessments.get(), enrolment=enrolment, value=Decimal("3.5"))
    refresh_outcomes([enrolment.pk])
    with translation.override("vi"):
        risk = next(r for r in reports.at_risk(at_risk_school, 2027) if r.staff_id == cast.member_a.pk)
        texts = reports.risks_text(risk)
    assert "Lớp L02 (Nội dung 02): không đạt (1 bài kiểm tra dưới 5 điểm)." in texts
    assert "Nội dung 02: các lớp đã ghi danh chỉ còn có thể hoàn thành 0/40 tiết." in texts

"""Progress of personal plans by unit (expected, started, submitted, approved, returned) and, at a school, who
has no approved plan yet (Vietnamese name order, 50 a page), with their Excel; scope and bounded queries."""

import io

import openpyxl
import pytest
from django.urls import reverse

from bdtx.plans import services
from bdtx.staff.models import StaffGroup
from bdtx.testing import make_staff

from .reporting import YEAR, approved_plan, province_plan, submitted_plan

pytestmark = pytest.mark.django_db
QUERY = {"year": f"{YEAR}-{YEAR + 1}"}


@pytest.fixture
def plans(cast, programmes):
    """School A: member_a approved, Hà waiting, Sơn returned, Mai writing, Tú without a plan, and an employee
    (not expected); school B: member_b approved."""
    province_plan(cast)
    approved_plan(cast.member_a)
    submitted_plan(make_staff(cast.tree.school_a, "Vi Thị Hà", code="GV-A-004"))
    returned = submitted_plan(make_staff(cast.tree.school_a, "Tòng Văn Sơn", code="GV-A-005", gender="nam"))
    services.decide_personal_plans([returned], by=cast.principal_a, approve=False, comment="Thêm mô đun GVPT 14")
    services.start_personal_plan(make_staff(cast.tree.school_a, "Lường Thị Mai", code="GV-A-006"), YEAR)
    make_staff(cast.tree.school_a, "Hà Văn Tú", code="GV-A-007", gender="nam")
    make_staff(cast.tree.school_a, "Bạc Thị Yến", code="NV-A-001", group=StaffGroup.EMPLOYEE)
    approved_plan(cast.member_b)
    return cast


def figures(row):
    return (row.expected, row.started, row.submitted, row.approved, row.returned, row.without_approved)


def test_the_province_sees_each_child_units_progress(client, plans):
    client.force_login(plans.officer)
    response = client.get(reverse("plans:progress"), QUERY)
    rows = {row.unit.code: figures(row) for row in response.context["rows"]}
    assert rows == {"PA": (5, 4, 1, 1, 1, 4), "TB": (1, 1, 0, 1, 0, 0)}
    assert figures(response.context["total"]) == (6, 5, 1, 2, 1, 4)
    page = response.content.decode()
    assert "UBND phường Tân Phong" in page and "Cần lập kế hoạch" in page and "đã duyệt (33,3%)" in page


def test_a_school_lists_who_has_no_approved_plan_in_name_order(client, plans):
    client.force_login(plans.principal_a)
    response = client.get(reverse("plans:progress"), QUERY)
    people = [(m.full_name, m.plan_status) for m in response.context["page"].object_list]
    assert people == [("Vi Thị Hà", "submitted"), ("Lường Thị Mai", "draft"), ("Tòng Văn Sơn", "returned"),
                      ("Hà Văn Tú", None)]  # fmt: skip
    page = response.content.decode()
    assert "4 người chưa có kế hoạch được duyệt." in page
    assert "Đã nộp, chờ duyệt" in page and "Chưa lập kế hoạch" in page and "Bạc Thị Yến" not in page
    assert reverse("plans:personal", kwargs={"pk": response.context["page"].object_list[0].plan_id}) in page


def test_the_list_goes_50_a_page_and_htmx_gets_the_list_alone(client, plans, django_assert_max_num_queries):
    for number in range(50):
        make_staff(plans.tree.school_a, f"Giáo Viên {number:02d}", code=f"GV-P-{number:02d}")
    client.force_login(plans.principal_a)
    with django_assert_max_num_queries(14):
        first = client.get(reverse("plans:progress"), QUERY)
    assert len(first.context["page"].object_list) == 50 and first.context["page"].paginator.count == 54
    second = client.get(reverse("plans:progress"), {**QUERY, "page": 2}, headers={"HX-Request": "true"})
    body = second.content.decode()
    assert body.lstrip().startswith('<div id="people">') and "<html" not in body
    assert "Hà Văn Tú" in body or "Lường Thị Mai" in body


def test_the_commune_drills_down_to_its_school(client, plans):
    client.force_login(plans.local)
    response = client.get(reverse("plans:progress"), QUERY)
    assert [figures(row) for row in response.context["rows"]] == [(5, 4, 1, 1, 1, 4)]
    school = client.get(reverse("plans:progress"), {**QUERY, "unit": plans.tree.school_a.pk})
    assert school.context["is_school"] and school.context["page"].paginator.count == 4


def test_a_year_typed_wrong_gets_a_message(client, plans):
    client.force_login(plans.officer)
    response = client.get(reverse("plans:progress"), {"year": "năm nay"})
    assert response.status_code == 200 and "“năm nay” không phải là năm học" in response.content.decode()


def sheet_rows(response) -> list[tuple]:
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(book.active.iter_rows(values_only=True))


def test_the_progress_and_the_people_download_as_excel(client, plans):
    client.force_login(plans.local)
    counts = client.get(reverse("plans:progress-xlsx"), QUERY)
    rows = sheet_rows(counts)
    assert rows[0][:3] == ("Đơn vị", "Mã đơn vị", "Cần lập kế hoạch")
    assert rows[1] == ("Trường Tiểu học Tân Phong", "TA", 5, 4, 1, 1, 1, 4)
    assert rows[-1][0] == "Tổng cộng: UBND phường Tân Phong"
    people = client.get(reverse("plans:progress-people-xlsx"), QUERY)
    rows = sheet_rows(people)
    assert rows[0][:2] == ("STT", "Họ và tên") and [row[1] for row in rows[1:]] == [
        "Vi Thị Hà", "Lường Thị Mai", "Tòng Văn Sơn", "Hà Văn Tú"]  # fmt: skip
    assert rows[2][7] == "Đang lập, chưa nộp" and rows[4][7] == "Chưa lập kế hoạch"


def test_a_list_too_long_to_download_asks_for_a_smaller_unit(client, plans, settings):
    settings.EXPORT_INLINE_ROWS = 3
    client.force_login(plans.officer)
    response = client.get(reverse("plans:progress-people-xlsx"), QUERY, follow=True)
    assert "hãy chọn một đơn vị nhỏ hơn" in response.content.decode()


def test_scope_the_outsider_and_people_managing_nothing_get_404(client, plans):
    client.force_login(plans.principal_b)
    for name in ("plans:progress", "plans:progress-xlsx", "plans:progress-people-xlsx"):
        assert client.get(reverse(name), {"unit": plans.tree.school_a.pk}).status_code == 404
    client.force_login(plans.teacher_a)
    assert client.get(reverse("plans:progress")).status_code == 404


def test_the_province_page_asks_a_bounded_number_of_queries(client, plans, django_assert_max_num_queries):
    client.force_login(plans.officer)
    with django_assert_max_num_queries(10):
        client.get(reverse("plans:progress"), QUERY)

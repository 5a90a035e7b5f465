"""Demand: approved personal plans counted by module and by unit, with the classes each unit needs
(ceil(people / class size)), drill-down, the year and class size as parameters, the Excel, scope."""

import io

import openpyxl
import pytest
from django.urls import reverse

from bdtx.catalog.models import TrainingModule
from bdtx.plans.reports import classes_needed
from bdtx.testing import make_staff, make_unit

from .reporting import YEAR, approved_plan, province_plan, submitted_plan

pytestmark = pytest.mark.django_db
QUERY = {"year": f"{YEAR}-{YEAR + 1}"}


@pytest.fixture
def plans(cast, programmes):
    """School A: three approved plans (01 chosen by all three, 02 and 05 by two) and one only submitted;
    school B (directly under the Sở): one approved plan."""
    province_plan(cast)
    minh = make_staff(cast.tree.school_a, "Lò Văn Minh", code="GV-A-002", gender="nam")
    lan = make_staff(cast.tree.school_a, "Đỗ Thị Lan", code="GV-A-003")
    waiting = make_staff(cast.tree.school_a, "Vi Thị Hà", code="GV-A-004")
    approved_plan(cast.member_a, (1, 2, 3, 4))
    approved_plan(minh, (1, 2, 5, 6))
    approved_plan(lan, (1, 3, 5, 7))
    submitted_plan(waiting, (1, 2, 3, 4))
    approved_plan(cast.member_b, (1, 2, 3, 4))
    return cast


@pytest.mark.parametrize(("people", "size", "classes"), [(0, 40, 0), (1, 40, 1), (40, 40, 1), (41, 40, 2), (3, 2, 2)])
def test_classes_needed_is_people_over_class_size_rounded_up(people, size, classes):
    assert classes_needed(people, size) == classes


def test_the_province_sees_modules_and_classes_by_child_unit(client, plans):
    client.force_login(plans.officer)
    response = client.get(reverse("plans:demand"), {**QUERY, "size": 2})
    result = response.context["result"]
    by_code = {row.module.code: (row.people, row.classes) for row in result.modules}
    # GVPT 01: 3 people under the commune (2 classes of 2) and 1 at school B (1 class).
    assert by_code["GVPT 01"] == (4, 3)
    assert by_code["GVPT 02"] == (3, 2) and by_code["GVPT 05"] == (2, 1) and by_code["GVPT 07"] == (1, 1)
    assert (result.total.people, result.total.places) == (4, 16)  # the submitted plan is not counted
    units = {row.unit.code: (row.people, row.places) for row in result.units}
    assert units == {"PA": (3, 12), "TB": (1, 4)}
    page = response.content.decode()
    assert "UBND phường Tân Phong" in page and "Số lớp cần mở" in page and "mỗi lớp 2 học viên" in page


def test_one_module_is_shown_by_unit_and_the_default_class_takes_40(client, plans):
    client.force_login(plans.officer)
    module = TrainingModule.objects.get(code="GVPT 01")
    response = client.get(reverse("plans:demand"), {**QUERY, "module": module.pk})
    assert response.context["chosen"] == module
    assert [(row.unit.code, figures) for row, figures in response.context["rows"]] == [("TB", (1, 1)), ("PA", (3, 1))]
    assert "Theo đơn vị: mô đun GVPT 01" in response.content.decode()


def test_drilling_down_to_a_school_counts_its_own_people(client, plans):
    client.force_login(plans.local)
    response = client.get(reverse("plans:demand"), {**QUERY, "unit": plans.tree.school_a.pk, "size": 2})
    result = response.context["result"]
    assert {row.module.code: row.classes for row in result.modules}["GVPT 01"] == 2
    assert [(row.unit.code, row.is_root) for row in result.units] == [("TA", True)]
    assert "Trường THPT Chuyên" not in response.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"year": "2027-2029"}, "“2027-2029” không phải là năm học"),
        ({"size": "0"}, "Sĩ số lớp phải là số nguyên từ 1 đến 500."),
        ({"size": "bốn mươi"}, "Hãy nhập sĩ số lớp là một số nguyên, ví dụ 40."),
    ],
)
def test_bad_parameters_get_a_message_and_the_defaults(client, plans, query, message):
    client.force_login(plans.officer)
    response = client.get(reverse("plans:demand"), query)
    assert response.status_code == 200 and message in response.content.decode()


def test_another_year_has_its_own_demand(client, plans):
    client.force_login(plans.officer)
    response = client.get(reverse("plans:demand"), {"year": f"{YEAR + 1}-{YEAR + 2}"})
    assert response.context["result"].total.people == 0
    assert "Chưa có kế hoạch cá nhân đã duyệt nào có mô đun" in response.content.decode()


def test_the_demand_downloads_as_excel_by_module_and_by_unit(client, plans):
    client.force_login(plans.officer)
    response = client.get(reverse("plans:demand-xlsx"), {**QUERY, "size": 2})
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    modules = list(book["Theo mô đun"].iter_rows(values_only=True))
    assert modules[0] == ("Mã mô đun", "Tên mô đun", "Số tiết", "Số người đăng ký", "Số lớp cần mở")
    assert modules[1][0] == "GVPT 01" and modules[1][2:] == (10, 4, 3)
    units = list(book["Theo đơn vị"].iter_rows(values_only=True))
    assert ("UBND phường Tân Phong", "PA", "GVPT 01", 3, 2) in [row[:3] + row[4:] for row in units]
    assert units[1][:3] == ("Trường THPT Chuyên Lê Quý Đôn", "TB", "GVPT 01")  # units by name, modules by code


def test_scope_the_outsider_and_people_managing_nothing_get_404(client, plans):
    client.force_login(plans.principal_b)
    assert client.get(reverse("plans:demand"), {"unit": plans.tree.school_a.pk}).status_code == 404
    assert client.get(reverse("plans:demand-xlsx"), {"unit": plans.tree.school_a.pk}).status_code == 404
    assert client.get(reverse("plans:demand"), {"unit": "x"}).status_code == 404
    client.force_login(plans.local)
    assert client.get(reverse("plans:demand"), {"unit": plans.tree.school_b.pk}).status_code == 404
    client.force_login(plans.teacher_a)
    assert client.get(reverse("plans:demand")).status_code == 404


def test_the_demand_page_asks_a_bounded_number_of_queries(client, plans, django_assert_max_num_queries):
    for number in range(6):
        school = make_unit(f"TX{number}", f"Trường Tiểu học số {number}", parent=plans.tree.commune, levels="tieu_hoc")
        approved_plan(make_staff(school, f"Giáo Viên {number}", code=f"GV-X-{number}"), (2, 4, 6, 8))
    client.force_login(plans.officer)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("plans:demand"), QUERY)
    assert response.context["result"].total.people == 10
    approved_plan(make_staff(school, "Giáo Viên Mới", code="GV-X-NEW"), (2, 4, 6, 8))
    assert client.get(reverse("plans:demand"), QUERY).context["result"].total.people == 11  # a decision: counted anew

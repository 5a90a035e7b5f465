"""The approved plans below a unit plan, counted on a small tree: at the school, approved personal plans against
the people expected, periods per content and people per module; at the commune and the Sở, the same rolled up
from the schools, with the plans of the units below and their status."""

import pytest
from django.urls import reverse

from bdtx.plans import services
from bdtx.plans.aggregation import aggregate
from bdtx.staff.models import StaffGroup
from bdtx.testing import make_staff

from .unit_scene import YEAR, build_plans, module

pytestmark = pytest.mark.django_db


def approved_plan(member, numbers, *, by, head):
    plan = services.start_personal_plan(member, YEAR)
    services.set_modules(plan, [module(n) for n in numbers], by=by)
    services.submit_personal_plan(plan, by=by)
    services.decide_personal_plans([plan], by=head, approve=True)
    return plan


@pytest.fixture
def scene(cast, programmes):
    plans = build_plans(cast)
    plans.school_b = services.create_unit_plan(unit=cast.tree.school_b, year=YEAR, by=cast.principal_b)
    minh = make_staff(cast.tree.school_a, "Lò Văn Minh", gender="nam")
    lan = make_staff(cast.tree.school_a, "Hoàng Thị Lan")
    make_staff(cast.tree.school_a, "Vàng A Páo", gender="nam", group=StaffGroup.EMPLOYEE)  # makes no plan
    approved_plan(cast.member_a, (4, 5, 6, 7), by=cast.teacher_a, head=cast.principal_a)
    approved_plan(minh, (1, 4, 5), by=cast.principal_a, head=cast.principal_a)
    services.start_personal_plan(lan, YEAR)  # still a draft
    approved_plan(cast.member_b, (4, 5, 6, 7), by=cast.principal_b, head=cast.principal_b)
    return plans


def test_the_school_counts_its_approved_personal_plans_periods_and_people_per_module(scene):
    school = aggregate(scene.school)
    assert (school.is_school, school.expected, school.approved, school.percent_approved) == (True, 3, 2, 66.7)
    assert school.periods == {"01": 80, "02": 80, "03": 80}
    assert [(m.code, m.people) for m in school.modules] == [
        ("GVPT 01", 1),
        ("GVPT 04", 2),
        ("GVPT 05", 2),
        ("GVPT 06", 1),
        ("GVPT 07", 1),
    ]


def test_the_commune_and_the_so_roll_the_schools_up_with_the_plans_below(cast, scene):
    services.submit_unit_plan(scene.school, by=cast.principal_a)
    services.decide_unit_plan(scene.school, by=cast.local, approve=True)
    commune = aggregate(scene.commune)
    assert (commune.is_school, commune.expected, commune.approved) == (False, 3, 2)
    assert [(row.unit.code, row.plan.status, row.expected, row.approved) for row in commune.children] == [
        ("TA", "approved", 3, 2)
    ]
    assert (commune.plans_below, commune.plans_below_approved) == (1, 1)
    province = aggregate(scene.so)
    assert (province.expected, province.approved, province.periods["03"]) == (4, 3, 120)
    rows = [
        (row.unit.code, row.plan.status if row.plan else None, row.expected, row.approved) for row in province.children
    ]
    assert rows == [("TB", "draft", 1, 1), ("PA", "draft", 3, 2)]  # by name: Trường THPT… before UBND…
    assert (province.plans_below, province.plans_below_approved) == (3, 1)
    assert {m.code: m.people for m in province.modules}["GVPT 04"] == 3


def test_the_plan_page_shows_the_aggregation_to_those_who_manage_the_unit(client, cast, scene):
    client.force_login(cast.principal_a)
    page = client.get(reverse("plans:unit-plan", args=[scene.school.pk])).content.decode()
    assert "Kế hoạch cấp dưới đã duyệt" in page and "2 / 3" in page and "(66,7%)" in page
    assert "80" in page and "Số người theo mô đun (nội dung 03)" in page
    client.force_login(cast.officer)
    page = client.get(reverse("plans:unit-plan", args=[scene.so.pk])).content.decode()
    assert "UBND phường Tân Phong" in page and "3 / 4" in page and "0 / 3" in page
    client.force_login(cast.principal_b)  # reads the Sở's plan, not the province's figures
    page = client.get(reverse("plans:unit-plan", args=[scene.so.pk])).content.decode()
    assert "3 / 4" not in page and "UBND phường Tân Phong" not in page
    assert "Trường THPT Chuyên Lê Quý Đôn" in page  # its own plan, below the Sở's

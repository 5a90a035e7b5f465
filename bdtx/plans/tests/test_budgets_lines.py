"""Budgets of unit plans (TT 36/2018): lines of quantity × rate by category, the province's caps and the national
reward cap refused with a message naming the line, totals, the roll-up of approved plans below, the Excel."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from bdtx.plans import services
from bdtx.plans.models import BudgetLine, CostRate
from bdtx.testing import make_unit

from .reporting import YEAR, province_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def plans(cast, programmes):
    """The Sở's plan and school A's (a draft), with the province's rate card: lecturers ≤ 1.000.000 đ/buổi."""
    so_plan = province_plan(cast)
    school_plan = services.create_unit_plan(unit=cast.tree.school_a, year=YEAR, by=cast.principal_a)
    lecturer = services.save_rate(
        unit=cast.tree.province,
        category="lecturers",
        label="Báo cáo viên cấp tỉnh",
        per="người/buổi",
        max_rate=1_000_000,
        source="Nghị quyết 12/2024/NQ-HĐND",
    )
    return so_plan, school_plan, lecturer


def line(plan, by, **values):
    values.setdefault("category", "materials")
    values.setdefault("description", "Tài liệu mô đun GVPT 04")
    values.setdefault("quantity", Decimal(10))
    return services.save_budget_line(plan, by=by, **values)


def test_lines_add_up_by_category_and_overall_in_dong(client, cast, plans):
    _so, school_plan, lecturer = plans
    client.force_login(cast.principal_a)
    url = reverse("plans:budget", kwargs={"pk": school_plan.pk})
    response = client.post(
        url,
        {
            "category": "lecturers",
            "rate_card": lecturer.pk,
            "description": "Báo cáo viên mô đun GVPT 04",
            "quantity": "2",
            "unit_label": "buổi",
            "rate": "",
        },
    )
    assert response.status_code == 302
    client.post(
        url,
        {"category": "materials", "description": "Tài liệu", "quantity": "1,5", "unit_label": "bộ", "rate": "300.000"},
    )
    lines = {item.category: item for item in BudgetLine.objects.filter(plan=school_plan)}
    assert lines["lecturers"].rate == 1_000_000 and lines["lecturers"].amount == 2_000_000  # the card's maximum
    assert lines["materials"].quantity == Decimal("1.5") and lines["materials"].amount == 450_000
    client.post(
        url, {"category": "materials", "rate_card": lecturer.pk, "description": "Báo cáo viên", "quantity": "1"}
    )
    assert BudgetLine.objects.filter(category="lecturers").count() == 2  # the rate card's category wins
    BudgetLine.objects.filter(description="Báo cáo viên").delete()
    page = client.get(url).content.decode()
    assert "Giảng viên, báo cáo viên" in page and "Tài liệu học tập" in page
    assert "2.000.000 đ" in page and "450.000 đ" in page
    assert "2.450.000 đ" in page  # the plan's total


def test_a_rate_above_the_provinces_cap_is_refused_naming_the_line_and_the_cap(client, cast, plans):
    _so, school_plan, lecturer = plans
    client.force_login(cast.principal_a)
    response = client.post(
        reverse("plans:budget", kwargs={"pk": school_plan.pk}),
        {
            "category": "lecturers",
            "rate_card": lecturer.pk,
            "description": "Báo cáo viên GVPT 05",
            "quantity": "2",
            "rate": "1.200.000",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Báo cáo viên GVPT 05" in page and "1.200.000 đ" in page and "1.000.000 đ" in page
    assert not BudgetLine.objects.exists()


def test_a_reward_above_200000_dong_per_learner_is_refused(cast, plans):
    _so, school_plan, _lecturer = plans
    with pytest.raises(services.PlanError, match="200.000 đ") as refused:
        line(school_plan, cast.principal_a, category="rewards", description="Khen thưởng học viên giỏi", rate=250_000)
    assert "Khen thưởng học viên giỏi" in str(refused.value)
    assert line(school_plan, cast.principal_a, category="rewards", description="Khen thưởng", rate=200_000).amount == (
        2_000_000
    )


def test_a_category_with_rates_on_the_card_takes_its_rate_from_the_card(cast, plans):
    _so, school_plan, lecturer = plans
    with pytest.raises(services.PlanError, match="rate card|biểu mức chi|Mức chi"):
        line(school_plan, cast.principal_a, category="lecturers", description="Báo cáo viên", rate=900_000)
    meals = services.save_rate(unit=cast.tree.province, category="meals", label="Tiền ăn", per="ngày", max_rate=80_000)
    with pytest.raises(services.PlanError):
        line(school_plan, cast.principal_a, category="lecturers", description="Báo cáo viên", rate_card=meals)
    saved = line(school_plan, cast.principal_a, category="lecturers", description="Báo cáo viên", rate_card=lecturer)
    assert saved.rate == 1_000_000


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("quantity", "hai", "“hai” không phải"),
        ("quantity", "1,255", "“1,255” không phải"),
        ("rate", "1,5 triệu", "“1,5 triệu” không phải"),
        ("description", "", "Diễn giải"),
    ],
)
def test_bad_input_gets_a_message_naming_the_field(client, cast, plans, field, value, expected):
    _so, school_plan, _lecturer = plans
    client.force_login(cast.principal_a)
    data = {"category": "materials", "description": "Tài liệu", "quantity": "3", "rate": "100000", field: value}
    response = client.post(reverse("plans:budget", kwargs={"pk": school_plan.pk}), data)
    assert response.status_code == 200
    assert expected in response.content.decode()
    assert not BudgetLine.objects.exists()


def test_a_line_is_changed_and_removed_by_the_units_managers(client, cast, plans):
    _so, school_plan, _lecturer = plans
    saved = line(school_plan, cast.principal_a, rate=100_000)
    client.force_login(cast.principal_a)
    url = reverse("plans:budget", kwargs={"pk": school_plan.pk})
    assert 'value="Tài liệu mô đun GVPT 04"' in client.get(url, {"edit": saved.pk}).content.decode()
    client.post(url, {"line": saved.pk, "category": "materials", "description": "Tài liệu in", "quantity": "4",
                      "rate": "120.000"})  # fmt: skip
    saved.refresh_from_db()
    assert (saved.description, saved.amount) == ("Tài liệu in", 480_000)
    client.post(url, {"delete": saved.pk})
    assert not BudgetLine.objects.exists()


def test_the_level_above_reads_the_budget_but_cannot_change_it(client, cast, plans):
    _so, school_plan, _lecturer = plans
    line(school_plan, cast.principal_a, rate=100_000)
    client.force_login(cast.local)
    url = reverse("plans:budget", kwargs={"pk": school_plan.pk})
    page = client.get(url).content.decode()
    assert "1.000.000 đ" in page and 'name="description"' not in page
    assert client.post(
        url, {"category": "materials", "description": "x", "quantity": "1", "rate": "1"}
    ).status_code == (403)
    assert BudgetLine.objects.count() == 1


def test_a_submitted_plans_budget_is_closed_and_a_returned_one_goes_back_to_draft(client, cast, plans):
    _so, school_plan, _lecturer = plans
    saved = line(school_plan, cast.principal_a, rate=100_000)
    services.submit_unit_plan(school_plan, by=cast.principal_a)
    with pytest.raises(services.PlanError, match="trả lại|return"):
        line(school_plan, cast.principal_a, rate=50_000)
    client.force_login(cast.principal_a)
    url = reverse("plans:budget", kwargs={"pk": school_plan.pk})
    assert 'name="description"' not in client.get(url).content.decode()
    client.post(url, {"delete": saved.pk})
    assert BudgetLine.objects.count() == 1
    services.decide_unit_plan(school_plan, by=cast.local, approve=False, comment="Giảm tiền tài liệu")
    line(school_plan, cast.principal_a, rate=50_000)
    school_plan.refresh_from_db()
    assert school_plan.status == "draft"


def test_the_sos_budget_rolls_up_the_approved_plans_below_by_unit(client, cast, plans):
    so_plan, school_plan, lecturer = plans
    line(so_plan, cast.officer, rate=1_000)  # the Sở's own: 10.000 đ
    line(school_plan, cast.principal_a, category="lecturers", description="Báo cáo viên", quantity=Decimal(3),
         rate_card=lecturer)  # fmt: skip
    line(school_plan, cast.principal_a, rate=20_000)  # 200.000 đ
    services.submit_unit_plan(school_plan, by=cast.principal_a)
    services.decide_unit_plan(school_plan, by=cast.local, approve=True)
    commune_plan = services.create_unit_plan(unit=cast.tree.commune, year=YEAR, by=cast.local)
    line(commune_plan, cast.local, rate=5_000)  # a draft: not rolled up
    school_b_plan = services.create_unit_plan(unit=cast.tree.school_b, year=YEAR, by=cast.principal_b)
    line(school_b_plan, cast.principal_b, rate=7_000)
    services.submit_unit_plan(school_b_plan, by=cast.principal_b)
    services.decide_unit_plan(school_b_plan, by=cast.officer, approve=True)

    client.force_login(cast.officer)
    page = client.get(reverse("plans:budget", kwargs={"pk": so_plan.pk})).content.decode()
    assert "UBND phường Tân Phong" in page and "3.200.000 đ" in page  # school A's plan under the commune
    assert "Trường THPT Chuyên Lê Quý Đôn" in page and "70.000 đ" in page
    assert "3.270.000 đ" in page  # below, altogether
    assert "3.280.000 đ" in page  # with the Sở's own 10.000 đ
    client.force_login(cast.local)
    page = client.get(reverse("plans:budget", kwargs={"pk": commune_plan.pk})).content.decode()
    assert "Trường Tiểu học Tân Phong" in page and "3.200.000 đ" in page
    assert "Lê Quý Đôn" not in page


def test_the_budget_downloads_as_excel_with_vietnamese_headers_and_money_formats(client, cast, plans):
    _so, school_plan, lecturer = plans
    line(school_plan, cast.principal_a, category="lecturers", description="Báo cáo viên", quantity=Decimal(2),
         unit_label="buổi", rate_card=lecturer)  # fmt: skip
    line(school_plan, cast.principal_a, rate=30_000)
    client.force_login(cast.local)
    response = client.get(reverse("plans:budget-xlsx", kwargs={"pk": school_plan.pk}))
    assert response.status_code == 200 and response["Content-Disposition"].endswith('2027-2028.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book["Dự toán kinh phí"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[3][:7] == ("STT", "Nội dung chi", "Diễn giải", "Số lượng", "Đơn vị tính", "Đơn giá (đồng)",
                           "Thành tiền (đồng)")  # fmt: skip
    assert ("Thù lao giảng viên, báo cáo viên", "Báo cáo viên", 2, "buổi", 1_000_000, 2_000_000) in [
        row[1:7] for row in rows
    ]
    assert rows[-1][2] == "TỔNG CỘNG" and rows[-1][6] == 2_300_000
    assert sheet.cell(row=5, column=7).number_format == "#,##0"
    assert "Tổng hợp cấp dưới" in book.sheetnames


def test_an_outsider_gets_404_for_the_budget_and_its_excel(client, cast, plans):
    _so, school_plan, _lecturer = plans
    for user in (cast.principal_b, cast.teacher_a):
        client.force_login(user)
        for name in ("plans:budget", "plans:budget-xlsx"):
            assert client.get(reverse(name, kwargs={"pk": school_plan.pk})).status_code == 404
    client.force_login(cast.principal_b)
    response = client.post(reverse("plans:budget", kwargs={"pk": school_plan.pk}), {"description": "x"})
    assert response.status_code == 404


def test_the_budget_page_asks_a_bounded_number_of_queries(client, cast, plans, django_assert_max_num_queries):
    so_plan, _school_plan, lecturer = plans
    for number in range(12):
        line(so_plan, cast.officer, description=f"Tài liệu {number}", rate=1_000 + number)
    for number in range(4):
        unit = make_unit(f"TX{number}", f"Trường Tiểu học số {number}", parent=cast.tree.commune, levels="tieu_hoc")
        plan = services.create_unit_plan(unit=unit, year=YEAR, by=cast.officer)
        line(plan, cast.officer, category="lecturers", description="Báo cáo viên", rate_card=lecturer)
        services.submit_unit_plan(plan, by=cast.officer)
        services.decide_unit_plan(plan, by=cast.officer, approve=True)
    client.force_login(cast.officer)
    with django_assert_max_num_queries(16):
        page = client.get(reverse("plans:budget", kwargs={"pk": so_plan.pk})).content.decode()
    assert "40.000.000 đ" in page  # 4 schools × 10 buổi × 1.000.000 đ, under the commune
    assert CostRate.objects.count() == 1

"""Two people editing the same budget line, rate or plan decision: the second save is refused with a message saying
someone else changed it, nothing of it is written, and the first person's values stay."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from bdtx.accounts.models import Role
from bdtx.plans import services
from bdtx.plans.models import BudgetLine, CostRate, PlanStatus, UnitPlan
from bdtx.testing import make_user

from .reporting import YEAR, province_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def school_plan(cast, programmes):
    """School A's draft plan with one budget line; the Sở's plan above it."""
    province_plan(cast)
    plan = services.create_unit_plan(unit=cast.tree.school_a, year=YEAR, by=cast.principal_a)
    services.save_budget_line(
        plan,
        by=cast.principal_a,
        category="materials",
        description="Tài liệu mô đun",
        quantity=Decimal(10),
        rate=50_000,
    )
    return plan


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def version_in(page: str, name: str = "version") -> str:
    return re.search(rf'name="{name}" value="(\d+)"', page).group(1)


def line_form(line: BudgetLine, version: str, **values) -> dict:
    data = {
        "line": line.pk,
        "version": version,
        "category": "materials",
        "description": line.description,
        "quantity": "10",
        "unit_label": "bộ",
        "rate": "50.000",
    }
    return {**data, **values}


def test_a_second_save_of_a_budget_line_is_refused_and_the_first_stays(cast, school_plan):
    line = BudgetLine.objects.get(plan=school_plan)
    vice = make_user("vice_a", role=Role.SCHOOL_ADMIN, unit=cast.tree.school_a)
    first, second = signed_in(cast.principal_a), signed_in(vice)
    url = reverse("plans:budget", args=[school_plan.pk])
    mine = version_in(first.get(f"{url}?edit={line.pk}").content.decode())
    theirs = version_in(second.get(f"{url}?edit={line.pk}").content.decode())
    assert first.post(url, line_form(line, mine, quantity="12")).status_code == 302
    response = second.post(url, line_form(line, theirs, quantity="30", course_ref="Lớp GVPT 04"))
    assert response.status_code == 409
    page = response.content.decode()
    assert (
        "Khoản chi “Tài liệu mô đun” vừa được người khác sửa hoặc xoá sau khi bạn mở trang này. "
        "Hãy tải lại trang để xem dự toán hiện tại, rồi sửa lại."
    ) in page
    assert 'value="Lớp GVPT 04"' in page  # what they typed is still in the form
    line.refresh_from_db()
    assert (line.quantity, line.course_ref, line.version) == (Decimal(12), "", 2)
    # Reloaded, the second person's change goes through.
    again = version_in(second.get(f"{url}?edit={line.pk}").content.decode())
    assert second.post(url, line_form(line, again, quantity="30")).status_code == 302
    line.refresh_from_db()
    assert (line.quantity, line.version) == (Decimal(30), 3)


def test_saving_a_line_someone_removed_meanwhile_is_refused_instead_of_adding_it_again(cast, school_plan):
    line = BudgetLine.objects.get(plan=school_plan)
    client = signed_in(cast.principal_a)
    url = reverse("plans:budget", args=[school_plan.pk])
    form = line_form(line, version_in(client.get(f"{url}?edit={line.pk}").content.decode()), quantity="12")
    services.delete_budget_line(line, by=cast.principal_a)
    response = client.post(url, form)
    assert response.status_code == 409
    assert "vừa được người khác sửa hoặc xoá" in response.content.decode()
    assert not BudgetLine.objects.exists()


def test_a_new_line_and_a_plain_change_still_save(cast, school_plan):
    line = BudgetLine.objects.get(plan=school_plan)
    client = signed_in(cast.principal_a)
    url = reverse("plans:budget", args=[school_plan.pk])
    added = client.post(url, {"category": "venue", "description": "Thuê hội trường", "quantity": "1", "rate": "1.000"})
    assert added.status_code == 302
    changed = services.save_budget_line(
        school_plan, by=cast.principal_a, line=line, category="materials", description="Tài liệu", quantity=Decimal(2),
        rate=40_000, expected_version=1,
    )  # fmt: skip
    assert changed.version == 2 and BudgetLine.objects.get(pk=line.pk).amount == 80_000
    with pytest.raises(services.Stale):
        services.save_budget_line(
            school_plan, by=cast.principal_a, line=line, category="materials", description="Tài liệu",
            quantity=Decimal(5), rate=40_000, expected_version=1,
        )  # fmt: skip
    assert BudgetLine.objects.get(pk=line.pk).quantity == Decimal(2)


def rate_form(rate: CostRate, version: str, **values) -> dict:
    data = {
        "rate": rate.pk,
        "version": version,
        "category": rate.category,
        "label": rate.label,
        "per": rate.per,
        "max_rate": "1.000.000",
        "source": "",
    }
    return {**data, **values}


def test_a_second_save_of_a_rate_is_refused_and_the_first_stays(cast):
    rate = services.save_rate(
        unit=cast.tree.province, category="lecturers", label="Báo cáo viên cấp tỉnh", per="người/buổi",
        max_rate=1_000_000,
    )  # fmt: skip
    colleague = make_user("officer_2", role=Role.PROVINCE_OFFICER, unit=cast.tree.province)
    first, second = signed_in(cast.officer), signed_in(colleague)
    url = reverse("plans:rates")
    mine = version_in(first.get(f"{url}?edit={rate.pk}").content.decode())
    theirs = version_in(second.get(f"{url}?edit={rate.pk}").content.decode())
    assert first.post(url, rate_form(rate, mine, max_rate="900.000", source="NQ 12/2024")).status_code == 302
    response = second.post(url, rate_form(rate, theirs, max_rate="1.200.000"))
    assert response.status_code == 409
    page = response.content.decode()
    assert (
        "Mức chi “Báo cáo viên cấp tỉnh” vừa được người khác sửa sau khi bạn mở trang này. "
        "Hãy tải lại trang để xem bản mới nhất, rồi sửa lại."
    ) in page
    assert 'value="1.200.000"' in page
    rate.refresh_from_db()
    assert (rate.max_rate, rate.source, rate.version) == (900_000, "NQ 12/2024", 2)
    again = version_in(second.get(f"{url}?edit={rate.pk}").content.decode())
    assert second.post(url, rate_form(rate, again, max_rate="950.000")).status_code == 302
    assert CostRate.objects.get(pk=rate.pk).max_rate == 950_000


def test_saving_a_rate_someone_removed_meanwhile_is_refused(cast):
    rate = services.save_rate(
        unit=cast.tree.province, category="materials", label="Tài liệu", per="bộ", max_rate=100_000
    )
    client = signed_in(cast.officer)
    url = reverse("plans:rates")
    form = rate_form(rate, version_in(client.get(f"{url}?edit={rate.pk}").content.decode()), max_rate="90.000")
    services.delete_rate(rate)
    response = client.post(url, form)
    assert response.status_code == 409
    assert "Mức chi bạn đang sửa vừa bị người khác xoá" in response.content.decode()
    assert not CostRate.objects.exists()


def test_two_decisions_on_the_same_unit_plan_the_second_is_refused(cast, school_plan):
    services.submit_unit_plan(school_plan, by=cast.principal_a)
    # Both read the plan while it was waiting for a decision.
    first, second = UnitPlan.objects.get(pk=school_plan.pk), UnitPlan.objects.get(pk=school_plan.pk)
    services.decide_unit_plan(first, by=cast.local, approve=True)
    with pytest.raises(services.Stale, match="vừa được người khác phê duyệt hoặc trả lại"):
        services.decide_unit_plan(second, by=cast.officer, approve=False, comment="Giảm tiền tài liệu")
    plan = UnitPlan.objects.get(pk=school_plan.pk)
    assert (plan.status, plan.decided_by, plan.return_comment) == (PlanStatus.APPROVED, cast.local, "")
    assert plan.events.filter(action="returned").count() == 0


def test_two_submissions_of_the_same_unit_plan_the_second_is_refused(cast, school_plan):
    first, second = UnitPlan.objects.get(pk=school_plan.pk), UnitPlan.objects.get(pk=school_plan.pk)
    services.submit_unit_plan(first, by=cast.principal_a)
    with pytest.raises(services.PlanError, match="Kế hoạch đã được nộp"):
        services.submit_unit_plan(second, by=cast.principal_a)
    assert school_plan.events.filter(action="submitted").count() == 1

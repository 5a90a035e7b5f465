"""The yearly plan in a real browser (Debian's Chromium through Playwright): a teacher builds her plan from the
suggested modules and submits it → the principal approves the school's plans in bulk → the school plan and the
Sở's demand view count her modules. Screenshots of every step are kept under var/screenshots/."""

import pytest
from playwright.sync_api import expect

from bdtx.appraisals.models import TrainingNeed
from bdtx.catalog.models import TrainingModule
from bdtx.plans import services
from bdtx.plans.models import PersonalPlan, PlanTopic
from bdtx.rules.models import Criterion
from bdtx.testing import make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

YEAR = 2027


def test_a_teacher_builds_a_plan_from_suggestions_the_principal_approves_and_the_demand_shows_it(
    page, cast, programmes
):
    TrainingModule.objects.filter(code__startswith="GVPT").update(periods=10)
    so_plan = services.create_unit_plan(unit=cast.tree.province, year=YEAR, by=cast.officer)
    PlanTopic.objects.create(plan=so_plan, content="01", title="Dạy học theo Chương trình GDPT 2018", periods=40)
    PlanTopic.objects.create(plan=so_plan, content="02", title="Giáo dục địa phương tỉnh Lai Châu", periods=40)
    so_plan.modules.set(TrainingModule.objects.filter(code__startswith="GVPT"))
    school_plan = services.create_unit_plan(unit=cast.tree.school_a, year=YEAR, by=cast.principal_a)
    weak = Criterion.objects.get(standard__code="tt20-2018", number=14)
    TrainingNeed.objects.create(
        staff=cast.member_a, unit=cast.tree.school_a, year=YEAR - 1, criterion=weak, level="dat", source="rating"
    )
    for index in range(2):  # two colleagues have submitted theirs already
        colleague = make_staff(cast.tree.school_a, f"Giáo Viên Số {index}", code=f"GV-J-{index}")
        plan = services.start_personal_plan(colleague, YEAR)
        services.set_modules(
            plan, TrainingModule.objects.filter(code__in=["GVPT 01", "GVPT 02", "GVPT 03", "GVPT 04"]), by=None
        )
        services.submit_personal_plan(plan, by=None)

    # The teacher: the module of her weakest criterion is suggested first; the balance follows her ticks.
    page.sign_in("teacher_a", "/plans/mine/")
    expect(page.locator("h1")).to_contain_text("Nguyễn Thị Hoà")
    first = page.locator("label.module").first
    expect(first).to_contain_text("GVPT 14")
    expect(first).to_contain_text("Gợi ý")
    page.shot("plan-01-suggestions")
    for code in ["GVPT 14", "GVPT 15", "GVPT 05", "GVPT 06"]:
        page.locator("label.module", has_text=code).locator("input").check()
    expect(page.locator("#balance")).to_contain_text("Kế hoạch đã đủ số tiết của năm học")
    page.shot("plan-02-balance")
    page.click("button[value=submit]")
    expect(page.locator(".messages")).to_contain_text("Đã nộp kế hoạch")
    page.shot("plan-03-submitted")
    assert PersonalPlan.objects.get(staff=cast.member_a).status == "submitted"

    # The principal approves the three plans at once.
    page.sign_in("principal_a", f"/plans/units/{cast.tree.school_a.pk}/approvals/?year={YEAR}")
    expect(page.locator("tbody tr")).to_have_count(3)
    page.locator("thead input[type=checkbox]").check()
    page.shot("plan-04-approvals")
    page.click("button[value=approve]")
    expect(page.locator(".messages")).to_contain_text("Đã phê duyệt 3 kế hoạch")
    assert set(PersonalPlan.objects.values_list("status", flat=True)) == {"approved"}

    # The school plan counts the approved plans; the Sở's demand view counts her module.
    page.goto(f"{page.base_url}/plans/unit-plans/{school_plan.pk}/")
    expect(page.locator("main")).to_contain_text("GVPT 14")
    page.shot("plan-05-school-plan")
    page.sign_in("officer", f"/plans/demand/?year={YEAR}-{YEAR + 1}")
    expect(page.locator("main")).to_contain_text("GVPT 14")
    page.shot("plan-06-demand")

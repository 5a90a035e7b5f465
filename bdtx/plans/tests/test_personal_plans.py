"""The person's plan: topics of 01/02 from the plans above, modules for 03 with a live balance and suggestions
from their training needs, submission refused while periods are missing, the head's approval one by one or
in bulk."""

import datetime as dt

import pytest
from django.urls import reverse

from bdtx.appraisals.models import TrainingNeed
from bdtx.catalog.models import TrainingModule
from bdtx.plans import services
from bdtx.plans.models import PersonalPlan, PlanEvent, PlanTopic
from bdtx.rules.models import Criterion, ProgrammeYear
from bdtx.testing import make_staff

pytestmark = pytest.mark.django_db

YEAR = 2027


@pytest.fixture
def school_plan(cast, programmes):
    """The Sở's plan (01: 40 periods, 02: 40, every GVPT module at 10 periods) and school A's plan below it."""
    TrainingModule.objects.filter(code__startswith="GVPT").update(periods=10)
    so_plan = services.create_unit_plan(unit=cast.tree.province, year=YEAR, by=cast.officer)
    PlanTopic.objects.create(plan=so_plan, content="01", title="Chương trình GDPT 2018: dạy học lớp 5", periods=40)
    PlanTopic.objects.create(plan=so_plan, content="02", title="Giáo dục địa phương tỉnh Lai Châu", periods=40)
    so_plan.modules.set(TrainingModule.objects.filter(code__startswith="GVPT"))
    return services.create_unit_plan(unit=cast.tree.school_a, year=YEAR, by=cast.principal_a)


def modules(*numbers):
    return [TrainingModule.objects.get(code=f"GVPT {n:02d}") for n in numbers]


@pytest.fixture
def teacher(client, cast):
    client.force_login(cast.teacher_a)
    return client


def test_my_plan_starts_with_the_topics_of_the_plans_above_and_says_what_is_missing(teacher, cast, school_plan):
    response = teacher.get(reverse("plans:mine"), follow=True)
    plan = PersonalPlan.objects.get(staff=cast.member_a)
    assert plan.programme.code == "tt17-2019" and plan.unit_plan == school_plan
    page = response.content.decode()
    assert "Giáo dục địa phương tỉnh Lai Châu" in page
    assert services.plan_balance(plan)["planned"] == {"01": 40, "02": 40, "03": 0, "total": 80}
    assert "Nội dung 03 mới có 0/40 tiết: cần thêm 40 tiết." in page


def test_ticking_modules_saves_them_and_returns_the_balance(teacher, cast, school_plan):
    plan = services.start_personal_plan(cast.member_a, YEAR)
    url = reverse("plans:personal-modules", kwargs={"pk": plan.pk})
    chosen = [m.pk for m in modules(4, 5, 6, 14)]
    response = teacher.post(url, {"module": chosen, "version": plan.version}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert f'value="{plan.version + 1}"' in response.content.decode()
    plan.refresh_from_db()
    assert services.plan_balance(plan)["planned"]["03"] == 40 and services.plan_problems(plan) == []
    stale = teacher.post(url, {"module": chosen[:1], "version": plan.version - 1}, headers={"HX-Request": "true"})
    assert stale.status_code == 400


def test_submitting_a_plan_short_of_periods_is_refused_with_what_is_missing(teacher, cast, school_plan):
    plan = services.start_personal_plan(cast.member_a, YEAR)
    url = reverse("plans:personal-modules", kwargs={"pk": plan.pk})
    response = teacher.post(url, {"module": [m.pk for m in modules(4, 5)], "action": "submit"})
    assert response.status_code == 400
    assert "Nội dung 03 mới có 20/40 tiết: cần thêm 20 tiết." in response.content.decode()
    assert PersonalPlan.objects.get(pk=plan.pk).status == "draft"
    teacher.post(url, {"module": [m.pk for m in modules(4, 5, 6, 7)], "action": "submit"})
    assert PersonalPlan.objects.get(pk=plan.pk).status == "submitted"


def test_a_module_not_offered_this_year_is_refused(cast, school_plan):
    school_plan.modules.set(modules(1, 2, 3, 4))
    plan = services.start_personal_plan(cast.member_a, YEAR)
    with pytest.raises(services.PlanError, match="GVPT 09"):
        services.set_modules(plan, modules(1, 9), by=cast.teacher_a)


def test_a_module_without_periods_cannot_be_chosen_yet(cast, school_plan):
    TrainingModule.objects.filter(code="GVPT 15").update(periods=None)
    plan = services.start_personal_plan(cast.member_a, YEAR)
    with pytest.raises(services.PlanError, match="GVPT 15"):
        services.set_modules(plan, modules(15), by=cast.teacher_a)


def test_modules_training_the_weakest_criteria_are_suggested_first(teacher, cast, school_plan, standards):
    criterion = Criterion.objects.get(standard__code="tt20-2018", number=14)
    TrainingNeed.objects.create(
        staff=cast.member_a, unit=cast.tree.school_a, year=YEAR - 1, criterion=criterion, level="dat", source="rating"
    )
    plan = services.start_personal_plan(cast.member_a, YEAR)
    page = teacher.get(reverse("plans:personal", kwargs={"pk": plan.pk})).content.decode()
    first = page.index('name="module"')
    assert "GVPT 14" in page[first : first + 400]
    assert "tiêu chí 14" in page.lower()


def test_the_provinces_split_of_01_and_02_changes_what_a_plan_needs(cast, school_plan, programmes):
    ProgrammeYear.objects.create(
        unit=cast.tree.province, year=YEAR, programme=programmes["tt17-2019"], periods={"01": 30, "02": 50}
    )
    plan = services.start_personal_plan(cast.member_a, YEAR)
    services.set_modules(plan, modules(1, 2, 3, 4), by=cast.teacher_a)
    assert services.plan_balance(plan)["required"] == {"01": 30, "02": 50, "03": 40, "total": 120}
    assert any("02" in problem for problem in services.plan_problems(plan))  # 40 planned, 50 required


def submitted_plan(member, numbers=(1, 2, 3, 4)):
    plan = services.start_personal_plan(member, YEAR)
    services.set_modules(plan, modules(*numbers), by=None)
    return services.submit_personal_plan(plan, by=None)


def test_the_head_approves_plans_in_bulk_and_returns_one_with_a_comment(
    client, cast, school_plan, django_assert_max_num_queries
):
    plans = [submitted_plan(cast.member_a)] + [
        submitted_plan(make_staff(cast.tree.school_a, f"Giáo Viên {i}", code=f"GV-P-{i}")) for i in range(4)
    ]
    client.force_login(cast.principal_a)
    url = reverse("plans:approvals", kwargs={"pk": cast.tree.school_a.pk})
    with django_assert_max_num_queries(15):
        page = client.get(url).content.decode()
    assert "Nguyễn Thị Hoà" in page
    refused = client.post(url, {"plan": [plans[0].pk], "decision": "return", "comment": ""})
    assert PersonalPlan.objects.get(pk=plans[0].pk).status == "submitted"
    assert refused.status_code == 200
    client.post(url, {"plan": [plans[0].pk], "decision": "return", "comment": "Chọn thêm mô đun GVPT 14"})
    client.post(url, {"plan": [p.pk for p in plans[1:]], "decision": "approve", "year": YEAR})
    statuses = dict(PersonalPlan.objects.values_list("pk", "status"))
    assert statuses[plans[0].pk] == "returned" and {statuses[p.pk] for p in plans[1:]} == {"approved"}
    assert PlanEvent.objects.filter(action="approved", by=cast.principal_a).count() == 4
    returned = PersonalPlan.objects.get(pk=plans[0].pk)
    assert returned.return_comment == "Chọn thêm mô đun GVPT 14"
    # Returned: the person can change it and submit again.
    services.set_modules(returned, modules(1, 2, 3, 14), by=cast.teacher_a)
    assert services.submit_personal_plan(returned, by=cast.teacher_a).status == "submitted"


def test_a_teacher_cannot_decide_even_their_own_plan_and_another_school_cannot_see_it(client, cast, school_plan):
    plan = submitted_plan(cast.member_a)
    client.force_login(cast.teacher_a)
    assert (
        client.post(reverse("plans:personal-decide", kwargs={"pk": plan.pk}), {"decision": "approve"}).status_code
        == 403
    )
    client.force_login(cast.principal_b)
    assert client.get(reverse("plans:personal", kwargs={"pk": plan.pk})).status_code == 404
    assert client.get(reverse("plans:approvals", kwargs={"pk": cast.tree.school_a.pk})).status_code == 404


def test_a_submitted_plan_cannot_be_changed(cast, school_plan):
    plan = submitted_plan(cast.member_a)
    with pytest.raises(services.PlanError):
        services.set_modules(plan, modules(5, 6, 7, 8), by=cast.teacher_a)


def test_a_programme_the_province_chose_for_the_year_comes_before_others_valid_then(cast, school_plan, programmes):
    from bdtx.rules.models import Programme

    newer = Programme.objects.create(
        code="luat-nha-giao-2026",
        name="Chương trình BDTX theo Luật Nhà giáo (thử)",
        document="Thông tư thử",
        applies_to={"groups": ["teacher"], "levels": ["tieu_hoc", "thcs", "thpt"]},
        total_periods=120,
        valid_from=dt.date(2031, 1, 1),  # not yet in force by its dates: only the province's choice brings it in
    )
    newer.contents.create(code="01", name="01", periods=40, adjustable=True)
    assert services.programme_for(cast.member_a, year=YEAR).code == "tt17-2019"
    ProgrammeYear.objects.create(unit=cast.tree.province, year=YEAR, programme=newer)
    assert services.programme_for(cast.member_a, year=YEAR) == newer

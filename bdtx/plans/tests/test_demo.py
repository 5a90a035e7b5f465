import hashlib
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from bdtx.appraisals.models import TrainingNeed
from bdtx.catalog.models import TrainingModule
from bdtx.organisations.models import Unit
from bdtx.plans import services
from bdtx.plans.demo import seed
from bdtx.plans.models import BudgetLine, CostRate, PersonalPlan, PlanEvent, PlanStatus, UnitPlan
from bdtx.plans.permissions import can_decide_personal_plan, can_decide_unit_plan
from bdtx.plans.suggestions import suggestions
from bdtx.rules.models import Criterion, ProgrammeYear
from bdtx.staff.models import StaffMember
from bdtx.testing import school_year_of

YEAR = school_year_of(timezone.localdate())


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def digest(*, times: bool = True) -> str:
    units = UnitPlan.objects.order_by("unit__code").values_list(
        "unit__code", "parent__unit__code", "status", "return_comment", *(["submitted_at"] if times else [])
    )
    plans = PersonalPlan.objects.order_by("staff__code").values_list(
        "staff__code", "status", "version", "return_comment", *(["submitted_at", "decided_at"] if times else [])
    )
    items = PersonalPlan.objects.order_by("staff__code", "items__content", "items__module__code").values_list(
        "staff__code", "items__content", "items__module__code", "items__periods"
    )
    lines = BudgetLine.objects.order_by("plan__unit__code", "pk").values_list("plan__unit__code", "description")
    return hashlib.sha256(repr([list(units), list(plans), list(items), list(lines)]).encode()).hexdigest()


def wipe_plans() -> None:
    PersonalPlan.objects.all().delete()  # with their items and events
    BudgetLine.objects.all().delete()
    PlanEvent.objects.all().delete()
    for depth in (2, 1, 0):  # the plans below first: a plan above is protected while others derive from it
        UnitPlan.objects.filter(unit__depth=depth).delete()
    ProgrammeYear.objects.all().delete()


@pytest.fixture
def province(db):
    run("seed_demo", "--staff", "400", "--seed", "7")


@pytest.fixture
def demo(province, programmes):
    return run("seed_demo_plans", "--seed", "7")


def test_the_so_plans_the_year_and_every_commune_and_school_derives_its_plan_from_the_nearest_above(demo):
    split = ProgrammeYear.objects.get(programme__code="tt17-2019", year=YEAR)
    assert split.unit.code == "SGD-LC" and split.periods == {"01": 30, "02": 50}
    assert "dữ liệu demo" in split.note
    so = UnitPlan.objects.get(parent=None)
    assert so.unit.code == "SGD-LC" and so.year == YEAR and so.status == PlanStatus.APPROVED
    assert "mỗi mô đun 10 tiết" in so.organisation
    topics = Counter()
    for topic in so.topics.filter(levels=""):
        topics[topic.content] += topic.periods
    assert topics == {"01": 10, "02": 50}
    gvpt = TrainingModule.objects.filter(code__startswith="GVPT")
    assert set(so.modules.all()) == set(gvpt)
    assert {(m.periods, tuple(m.edited_fields)) for m in gvpt} == {(10, ("periods",))}  # kept by load_modules
    assert so.personal_plan_deadline > timezone.localdate()
    plans = {plan.unit_id: plan for plan in UnitPlan.objects.select_related("unit", "decided_by")}
    assert len(plans) == Unit.objects.count()
    for plan in plans.values():
        if plan.parent_id is None:
            continue
        above = [pk for pk in plan.unit.ancestor_ids()[:-1] if pk in plans]
        assert plan.parent_id == plans[above[-1]].pk
        assert plan.modules.count() == 15
        if plan.status in (PlanStatus.APPROVED, PlanStatus.RETURNED):
            assert can_decide_unit_plan(plan.decided_by, plan.unit)
    statuses = Counter(plan.status for plan in plans.values() if plan.parent_id)
    assert statuses["approved"] > statuses["submitted"] > 0 and statuses["draft"] > 0
    assert UnitPlan.objects.filter(status="returned").exclude(return_comment="").count() == statuses["returned"]
    assert "kế hoạch của Sở (15 mô đun 10 tiết)" in demo


def test_every_personal_plan_past_the_draft_meets_the_rule_and_was_decided_by_the_right_head(demo):
    plans = PersonalPlan.objects.select_related("programme", "unit", "staff__unit", "unit_plan", "decided_by")
    statuses = Counter(plans.values_list("status", flat=True))
    assert statuses["approved"] > statuses["submitted"] > statuses["returned"] > 0
    assert statuses["draft"] > 0
    for plan in plans.exclude(status="draft"):
        assert services.plan_problems(plan) == []
        offered = set(services.offered_modules(plan).values_list("pk", flat=True))
        assert set(plan.items.exclude(module=None).values_list("module", flat=True)) <= offered
        assert PlanEvent.objects.filter(personal_plan=plan, action="submitted").count() == 1
        if plan.status in ("approved", "returned"):
            assert can_decide_personal_plan(plan.decided_by, plan)
    assert not plans.filter(status="returned", return_comment="").exists()
    assert all(services.plan_problems(plan) for plan in plans.filter(status="draft"))  # drafts are half done
    # About seven in ten of those who can make a plan have one, half have submitted it.
    eligible = int(demo.split(" giáo viên lập được kế hoạch")[0].rsplit(" ", 1)[-1])
    assert 0.55 < len(plans) / eligible < 0.85
    assert 0.35 < (len(plans) - statuses["draft"]) / eligible < 0.65
    assert f"{len(plans)} kế hoạch cá nhân" in demo


def test_the_rate_card_is_labelled_as_demo_data_and_the_budgets_follow_it(demo):
    rates = CostRate.objects.all()
    assert rates.count() == 10
    assert all("Nghị quyết mẫu" in rate.source and "dữ liệu demo" in rate.source for rate in rates)
    assert rates.get(category="rewards").max_rate == 200_000  # the national cap of TT 36/2018
    lines = BudgetLine.objects.select_related("rate_card", "plan")
    assert lines.filter(plan__parent=None).count() == 12
    assert lines.exclude(plan__parent=None).values("plan").distinct().count() >= 1
    for line in lines:
        assert line.rate_card is not None and line.rate <= line.rate_card.max_rate
        assert line.amount > 0


def test_modules_the_training_needs_call_for_come_first(province, programmes):
    teachers = list(
        StaffMember.objects.filter(
            group="teacher", status="working", unit__levels__in=["tieu_hoc", "thcs", "thpt", "tieu_hoc,thcs"]
        ).select_related("unit")
    )
    rated, declared = (Criterion.objects.get(standard__code="tt20-2018", number=n) for n in (14, 6))
    TrainingNeed.objects.bulk_create(
        TrainingNeed(staff=member, unit=member.unit, year=YEAR - 1, criterion=criterion, level=level, source=source)
        for member in teachers
        for criterion, level, source in ((rated, "dat", "rating"), (declared, "", "declared"))
    )
    run("seed_demo_plans", "--seed", "7")
    plans = PersonalPlan.objects.exclude(status="draft").select_related("staff__unit", "programme", "unit_plan")
    assert plans.count() > 20
    for plan in plans:
        chosen = list(plan.items.exclude(module=None).values_list("module__code", flat=True))
        assert {"GVPT 14", "GVPT 06"} <= set(chosen)
        ranked = suggestions(plan, services.offered_modules(plan).prefetch_related("criteria"))
        assert [s.module.code for s in ranked[:2]] == ["GVPT 14", "GVPT 06"]  # as the plan page suggests them


def test_running_again_changes_nothing_with_if_empty_and_is_refused_without(demo):
    before = digest()
    output = run("seed_demo_plans", "--if-empty", "--seed", "8")
    assert output.strip() == "Cơ sở dữ liệu đã có kế hoạch BDTX: không thêm kế hoạch demo."
    assert digest() == before
    with pytest.raises(CommandError) as error:
        run("seed_demo_plans")
    assert error.value.returncode == 2
    assert "--if-empty" in str(error.value)


def test_the_same_seed_gives_the_same_plans(demo):
    first, content = digest(), digest(times=False)
    wipe_plans()
    run("seed_demo_plans", "--seed", "7")
    assert digest() == first
    wipe_plans()
    today = timezone.localdate()
    seed(seed=7, today=today.replace(day=2 if today.day == 1 else 1))  # another day: other dates, same data
    assert digest(times=False) == content
    wipe_plans()
    run("seed_demo_plans", "--seed", "8")
    assert digest(times=False) != content


def test_without_the_demo_province_it_skips_quietly_with_if_empty_else_exits_2(programmes):
    assert run("seed_demo_plans", "--if-empty").startswith("Chưa có tỉnh demo")
    with pytest.raises(CommandError) as error:
        run("seed_demo_plans")
    assert error.value.returncode == 2
    assert not UnitPlan.objects.exists()


def test_without_programmes_it_exits_with_status_2(province):
    with pytest.raises(CommandError) as error:
        run("seed_demo_plans")
    assert error.value.returncode == 2
    assert "load_programmes" in str(error.value)

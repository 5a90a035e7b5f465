"""Plans to count, for the budget, demand and progress tests: the Sở's plan (01: 40 periods, 02: 40, every GVPT
module at 10 periods) and personal plans taken through the services to approval. Plain functions, fixed data."""

from bdtx.catalog.models import TrainingModule
from bdtx.plans import services
from bdtx.plans.models import PersonalPlan, PlanTopic, UnitPlan

YEAR = 2027


def province_plan(cast) -> UnitPlan:
    TrainingModule.objects.filter(code__startswith="GVPT").update(periods=10)
    plan = services.create_unit_plan(unit=cast.tree.province, year=YEAR, by=cast.officer)
    PlanTopic.objects.create(plan=plan, content="01", title="Chương trình GDPT 2018", periods=40)
    PlanTopic.objects.create(plan=plan, content="02", title="Giáo dục địa phương tỉnh Lai Châu", periods=40)
    plan.modules.set(TrainingModule.objects.filter(code__startswith="GVPT"))
    return plan


def modules(*numbers) -> list[TrainingModule]:
    return [TrainingModule.objects.get(code=f"GVPT {n:02d}") for n in numbers]


def submitted_plan(member, numbers=(1, 2, 3, 4)) -> PersonalPlan:
    plan = services.start_personal_plan(member, YEAR)
    services.set_modules(plan, modules(*numbers), by=None)
    return services.submit_personal_plan(plan, by=None)


def approved_plan(member, numbers=(1, 2, 3, 4), *, by=None) -> PersonalPlan:
    plan = submitted_plan(member, numbers)
    services.decide_personal_plans([plan], by=by, approve=True)
    return plan


def approved_unit_plan(unit, *, by, decider) -> UnitPlan:
    plan = services.create_unit_plan(unit=unit, year=YEAR, by=by)
    services.submit_unit_plan(plan, by=by)
    return services.decide_unit_plan(plan, by=decider, approve=True)

"""The unit plans of one school year on the test tree, as the pages make them: the Sở's (two topics of 01, one
of 02, modules GVPT 04–07 at 10 periods and GVPT 01 at 20), the commune's derived from it, school A's derived
from the commune's; school B has none yet."""

from types import SimpleNamespace

from bdtx.catalog.models import TrainingModule
from bdtx.plans import services
from bdtx.plans.models import PlanTopic

YEAR = 2026


def module(number: int) -> TrainingModule:
    return TrainingModule.objects.get(code=f"GVPT {number:02d}")


def build_plans(cast) -> SimpleNamespace:
    TrainingModule.objects.filter(code__in=[f"GVPT {n:02d}" for n in (4, 5, 6, 7)]).update(periods=10)
    TrainingModule.objects.filter(code="GVPT 01").update(periods=20)
    so = services.create_unit_plan(unit=cast.tree.province, year=YEAR, by=cast.officer)
    PlanTopic.objects.create(plan=so, content="01", title="Chương trình GDPT 2018: đổi mới kiểm tra", periods=25)
    PlanTopic.objects.create(plan=so, content="01", title="Chuyển đổi số trong dạy học", periods=15, position=1)
    PlanTopic.objects.create(plan=so, content="02", title="Giáo dục địa phương tỉnh Lai Châu", periods=40)
    so.modules.set([module(n) for n in (1, 4, 5, 6, 7)])
    commune = services.create_unit_plan(unit=cast.tree.commune, year=YEAR, by=cast.local)
    school = services.create_unit_plan(unit=cast.tree.school_a, year=YEAR, by=cast.principal_a)
    return SimpleNamespace(so=so, commune=commune, school=school)

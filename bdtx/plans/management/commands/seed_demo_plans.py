"""seed_demo_plans [--seed S] [--if-empty]: this school year's BDTX plans on the demo province (seed → same data)."""

from django.utils.translation import gettext as _

from bdtx.lib.demo_command import DemoCommand
from bdtx.plans import demo
from bdtx.plans.models import UnitPlan


class Command(DemoCommand):
    help = (
        "Fill the demo province with this school year's BDTX plans: the Sở's split of the periods and its plan, "
        "commune and school plans, personal plans at every stage, the province's rate card and budgets."
    )
    if_empty_help = "do nothing when any unit plan exists"
    demo_error = demo.DemoError

    def exists(self) -> bool:
        return UnitPlan.objects.exists()

    def already(self) -> str:
        return _("The database already has BDTX plans: no demo plans added.")

    def refused(self) -> str:
        return _(
            "The database already has BDTX plans. Run seed_demo_plans on a database without any (or use --if-empty)."
        )

    def build(self, seed: int):
        return demo.seed(seed=seed)

    def report(self, summary, *, seconds: float, seed: int) -> str:
        return _(
            "Demo plans built in %(seconds).1f s: the Sở's plan (%(modules)d modules of %(periods)d periods) "
            "and %(unit_plans)d commune and school plans (%(unit_submitted)d submitted, of them "
            "%(unit_approved)d approved); "
            "%(plans)d personal plans for %(eligible)d teachers who can make one (%(submitted)d submitted, of them "
            "%(approved)d approved and %(returned)d returned); %(lines)d budget lines (seed %(seed)d)."
        ) % {
            "seconds": seconds,
            "modules": summary.modules,
            "periods": demo.MODULE_PERIODS,
            "unit_plans": summary.unit_plans,
            "unit_submitted": summary.unit_submitted,
            "unit_approved": summary.unit_approved,
            "plans": summary.plans,
            "eligible": summary.eligible,
            "submitted": summary.submitted,
            "approved": summary.approved,
            "returned": summary.returned,
            "lines": summary.budget_lines,
            "seed": seed,
        }

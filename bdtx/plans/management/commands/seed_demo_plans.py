"""seed_demo_plans [--seed S] [--if-empty]: this school year's BDTX plans on the demo province (seed → same data)."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from bdtx.lib.db import refresh_statistics
from bdtx.plans import demo
from bdtx.plans.models import UnitPlan


class Command(BaseCommand):
    help = (
        "Fill the demo province with this school year's BDTX plans: the Sở's split of the periods and its plan, "
        "commune and school plans, personal plans at every stage, the province's rate card and budgets."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026, help="random seed: the same seed gives the same data")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when any unit plan exists")

    def handle(self, *args, seed: int, if_empty: bool, **options):
        if UnitPlan.objects.exists():
            if if_empty:
                self.stdout.write(_("The database already has BDTX plans: no demo plans added."))
                return
            raise CommandError(
                _(
                    "The database already has BDTX plans. Run seed_demo_plans on a database without any "
                    "(or use --if-empty)."
                ),
                returncode=2,
            )
        started = time.perf_counter()
        try:
            summary = demo.seed(seed=seed)
        except demo.DemoError as error:
            if if_empty:  # `make run` on a database of real units: nothing to fill, nothing wrong
                self.stdout.write(str(error))
                return
            raise CommandError(str(error), returncode=2) from error
        refresh_statistics()
        self.stdout.write(
            _(
                "Demo plans built in %(seconds).1f s: the Sở's plan (%(modules)d modules of %(periods)d periods) "
                "and %(unit_plans)d commune and school plans (%(unit_submitted)d submitted, of them "
                "%(unit_approved)d approved); "
                "%(plans)d personal plans for %(eligible)d teachers who can make one (%(submitted)d submitted, of them "
                "%(approved)d approved and %(returned)d returned); %(lines)d budget lines (seed %(seed)d)."
            )
            % {
                "seconds": time.perf_counter() - started,
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
        )

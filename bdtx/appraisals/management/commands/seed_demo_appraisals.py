"""seed_demo_appraisals [--seed S] [--if-empty]: appraisal cycles on the demo province (same seed → same data)."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from bdtx.appraisals import demo
from bdtx.appraisals.models import AppraisalCycle
from bdtx.lib.db import refresh_statistics


class Command(BaseCommand):
    help = (
        "Fill the demo province with appraisals: last school year's cycle done, this year's open with "
        "self-assessments, subject groups, opinions, evaluations and training needs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026, help="random seed: the same seed gives the same data")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when any appraisal cycle exists")

    def handle(self, *args, seed: int, if_empty: bool, **options):
        if AppraisalCycle.objects.exists():
            if if_empty:
                self.stdout.write(_("The database already has appraisal cycles: no demo appraisals added."))
                return
            raise CommandError(
                _(
                    "The database already has appraisal cycles. Run seed_demo_appraisals on a database without "
                    "any (or use --if-empty)."
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
                "Demo appraisals built in %(seconds).1f s: %(cycles)d cycles, %(groups)d subject groups; this year "
                "%(submitted)d of %(expected)d self-assessments submitted, %(drafts)d drafts, %(confirmed)d "
                "evaluations confirmed; last year %(last_year)d appraisals confirmed (seed %(seed)d)."
            )
            % {
                "seconds": time.perf_counter() - started,
                "cycles": summary.cycles,
                "groups": summary.groups,
                "submitted": summary.submitted,
                "expected": summary.expected,
                "drafts": summary.drafts,
                "confirmed": summary.confirmed,
                "last_year": summary.last_year,
                "seed": seed,
            }
        )

"""seed_demo_appraisals [--seed S] [--if-empty]: appraisal cycles on the demo province (same seed → same data)."""

from django.utils.translation import gettext as _

from bdtx.appraisals import demo
from bdtx.appraisals.models import AppraisalCycle
from bdtx.lib.demo_command import DemoCommand


class Command(DemoCommand):
    help = (
        "Fill the demo province with appraisals: last school year's cycle done, this year's open with "
        "self-assessments, subject groups, opinions, evaluations and training needs."
    )
    if_empty_help = "do nothing when any appraisal cycle exists"
    demo_error = demo.DemoError

    def exists(self) -> bool:
        return AppraisalCycle.objects.exists()

    def already(self) -> str:
        return _("The database already has appraisal cycles: no demo appraisals added.")

    def refused(self) -> str:
        return _(
            "The database already has appraisal cycles. Run seed_demo_appraisals on a database without "
            "any (or use --if-empty)."
        )

    def build(self, seed: int):
        return demo.seed(seed=seed)

    def report(self, summary, *, seconds: float, seed: int) -> str:
        return _(
            "Demo appraisals built in %(seconds).1f s: %(cycles)d cycles, %(groups)d subject groups; this year "
            "%(submitted)d of %(expected)d self-assessments submitted, %(drafts)d drafts, %(confirmed)d "
            "evaluations confirmed; last year %(last_year)d appraisals confirmed (seed %(seed)d)."
        ) % {
            "seconds": seconds,
            "cycles": summary.cycles,
            "groups": summary.groups,
            "submitted": summary.submitted,
            "expected": summary.expected,
            "drafts": summary.drafts,
            "confirmed": summary.confirmed,
            "last_year": summary.last_year,
            "seed": seed,
        }

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from bdtx.lib.schoolyear import school_year_label
from bdtx.privacy.services import prune_evaluations


class Command(BaseCommand):
    help = (
        "Delete the appraisals (with their evidence files) older than EVALUATION_RETENTION_YEARS school years; "
        "the current cycles are never touched."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would be deleted; delete nothing.")

    def handle(self, *args, dry_run: bool = False, **options):
        years = settings.EVALUATION_RETENTION_YEARS
        if years < 1:
            raise CommandError(
                _("EVALUATION_RETENTION_YEARS is %(years)s: set it to 1 or more (school years to keep).")
                % {"years": years},
                returncode=2,
            )
        report = prune_evaluations(years=years, dry_run=dry_run)
        values = {
            "appraisals": report.appraisals,
            "cycles": report.cycles,
            "evidence": report.evidence,
            "files": report.files,
            "year": school_year_label(report.oldest_kept_year),
        }
        counts = _(
            "Before school year %(year)s — appraisals: %(appraisals)d, cycles: %(cycles)d, evidence: %(evidence)d, "
            "files: %(files)d."
        )
        done = _("Dry run, nothing was deleted.") if dry_run else _("Deleted.")
        message = f"{done} {counts}"
        self.stdout.write(message % values)

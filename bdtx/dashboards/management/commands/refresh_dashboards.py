"""refresh_dashboards [--year YYYY] [--metric CODE ...] [--if-old]: count the dashboards' kept figures of a school
year again, now, and print the rows written per metric and the time taken."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from bdtx.dashboards import aggregates, freshness
from bdtx.dashboards.models import Metric
from bdtx.lib.schoolyear import current_school_year

FIRST_YEAR, LAST_YEAR = 2000, 2100


class Command(BaseCommand):
    help = (
        "Count the dashboards' figures of a school year (default: the current one) again: every metric, the given "
        "ones, or (--if-old) those whose data changed since they were counted. Pages do this by themselves in the "
        "background; this is for scripts and after a bulk load."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", default="", help="The school year by its first calendar year, e.g. 2026")
        parser.add_argument("--metric", action="append", default=[], help=f"One of: {', '.join(Metric.values)}")
        parser.add_argument("--if-old", action="store_true", help="Only the metrics whose data changed")

    def handle(self, *args, year: str, metric: list[str], if_old: bool, **options):
        value = year.strip() or str(current_school_year())
        if not value.isdigit() or not FIRST_YEAR <= int(value) <= LAST_YEAR:
            raise CommandError(
                _("“%(value)s” is not a school year: give its first calendar year, e.g. --year 2026 for 2026-2027.")
                % {"value": year},
                returncode=2,
            )
        unknown = [code for code in metric if code not in Metric.values]
        if unknown:
            raise CommandError(
                _("Unknown figure “%(code)s”: use one of %(choices)s.")
                % {"code": unknown[0], "choices": ", ".join(Metric.values)},
                returncode=2,
            )
        metrics = metric or None
        if if_old:
            state = freshness.check(int(value))
            metrics = sorted((state.stale | state.missing) & set(metrics or Metric.values))
        started = time.perf_counter()
        written = aggregates.refresh(int(value), metrics) if metrics != [] else {}
        for code, rows in written.items():
            self.stdout.write(f"{code}: {rows}")
        self.stdout.write(f"seconds: {time.perf_counter() - started:.2f}")

"""recompute_results --year YYYY [--unit CODE]: derive the yearly BDTX results again (recognised and corrected
ones are left as they are) and print the counts and the time taken."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from bdtx.organisations.models import Unit
from bdtx.results import services

FIRST_YEAR, LAST_YEAR = 2000, 2100


class Command(BaseCommand):
    help = (
        "Recompute the yearly BDTX results of a school year (2026 = 2026-2027), for everyone or for the people of "
        "a unit and the units below it. Prints people, created, updated, unchanged, locked and seconds, one a line."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", required=True, help="The school year by its first calendar year, e.g. 2026")
        parser.add_argument("--unit", default="", help="Code of a unit: only its people and those of the units below")

    def handle(self, *args, year: str, unit: str, **options):
        value = year.strip()
        if not value.isdigit() or not FIRST_YEAR <= int(value) <= LAST_YEAR:
            raise CommandError(
                _("“%(value)s” is not a school year: give its first calendar year, e.g. --year 2026 for 2026-2027.")
                % {"value": year},
                returncode=2,
            )
        scope = None
        if unit.strip():
            scope = Unit.objects.filter(code=unit.strip()).first()
            if scope is None:
                raise CommandError(
                    _("There is no unit with the code “%(code)s”. Check the code in the unit list.")
                    % {"code": unit.strip()},
                    returncode=2,
                )
        started = time.perf_counter()
        counts = services.recompute(int(value), unit=scope)
        seconds = time.perf_counter() - started
        for key in ("people", "created", "updated", "unchanged", "locked"):
            self.stdout.write(f"{key}: {counts[key]}")
        self.stdout.write(f"seconds: {seconds:.2f}")

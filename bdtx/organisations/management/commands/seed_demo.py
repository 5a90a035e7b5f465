"""seed_demo [--staff N] [--seed S] [--if-empty]: build the demo province (same seed → same data)."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from bdtx.lib.db import refresh_statistics
from bdtx.organisations import demo
from bdtx.organisations.models import Unit


class Command(BaseCommand):
    help = "Build a realistic demo province (Sở GDĐT Lai Châu, its communes, schools, staff and demo accounts)."

    def add_arguments(self, parser):
        parser.add_argument("--staff", type=int, default=3000, help="number of staff members (default 3000)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed: the same seed gives the same data")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when the database has any unit")

    def handle(self, *args, staff: int, seed: int, if_empty: bool, **options):
        if Unit.objects.exists():
            if if_empty:
                self.stdout.write(_("The database already has units: no demo data added."))
                return
            raise CommandError(
                _("The database already has units. Run seed_demo on an empty database (or use --if-empty)."),
                returncode=2,
            )
        if staff < 0:
            raise CommandError(_("--staff must be 0 or more."), returncode=2)
        started = time.perf_counter()
        verbose = options["verbosity"] > 1
        log = (lambda done: self.stdout.write(f"  {done}/{staff}")) if verbose else None
        summary = demo.seed(staff=staff, seed=seed, log=log)
        refresh_statistics()
        self.stdout.write(
            _(
                "Demo province built in %(seconds).1f s: %(units)d units (%(schools)d schools), %(staff)d staff "
                "(%(teachers)d teachers, %(managers)d managers, %(employees)d employees), %(accounts)d accounts. "
                "Password of every demo account: %(password)s (seed %(seed)d)."
            )
            % {
                "seconds": time.perf_counter() - started,
                "units": summary.units,
                "schools": summary.schools,
                "staff": summary.staff,
                "teachers": summary.by_group["teacher"],
                "managers": summary.by_group["manager"],
                "employees": summary.by_group["employee"],
                "accounts": summary.accounts,
                "password": demo.DEMO_PASSWORD,
                "seed": seed,
            }
        )

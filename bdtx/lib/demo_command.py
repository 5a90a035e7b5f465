"""The shape of the seed_demo_* commands that add a part of the demo to seed_demo's province: --seed (same seed,
same data) and --if-empty (what `make run` passes: do nothing when that part exists, or when the database holds
real units the demo cannot fill); exit 2 with the reason otherwise; the planner's statistics refreshed after the
bulk inserts; one summary line."""

import time

from django.core.management.base import BaseCommand, CommandError

from bdtx.lib.db import refresh_statistics


class DemoCommand(BaseCommand):
    """Subclasses set `help`, `if_empty_help`, `demo_error` (the demo module's DemoError) and implement `exists`,
    `already`, `refused`, `build` and `report`."""

    if_empty_help = ""
    demo_error: type[Exception] = Exception

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026, help="random seed: the same seed gives the same data")
        parser.add_argument("--if-empty", action="store_true", help=self.if_empty_help)

    def exists(self) -> bool:
        """Whether the database already holds this part (of the demo or of real use)."""
        raise NotImplementedError

    def already(self) -> str:
        """Said when --if-empty finds the part there already."""
        raise NotImplementedError

    def refused(self) -> str:
        """The reason for exit 2 when the part is there already and --if-empty was not given."""
        raise NotImplementedError

    def build(self, seed: int):
        """Build the part; raise the demo module's DemoError when it cannot be built here. Returns a summary."""
        raise NotImplementedError

    def report(self, summary, *, seconds: float, seed: int) -> str:
        raise NotImplementedError

    def handle(self, *args, seed: int, if_empty: bool, **options):
        if self.exists():
            if if_empty:
                self.stdout.write(self.already())
                return
            raise CommandError(self.refused(), returncode=2)
        started = time.perf_counter()
        try:
            summary = self.build(seed)
        except self.demo_error as error:
            if if_empty:  # `make run` on a database of real units: nothing to fill, nothing wrong
                self.stdout.write(str(error))
                return
            raise CommandError(str(error), returncode=2) from error
        refresh_statistics()
        self.stdout.write(self.report(summary, seconds=time.perf_counter() - started, seed=seed))

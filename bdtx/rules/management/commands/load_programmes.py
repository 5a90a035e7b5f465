"""load_programmes [FILE ...]: create or update the BDTX programmes from programme rule files (idempotent)."""

from django.core.management.base import BaseCommand, CommandError

from bdtx.rules import programmefiles
from bdtx.rules.programmes import load_programme_files
from bdtx.rules.rulefiles import RuleFileError


class Command(BaseCommand):
    help = (
        "Load BDTX programmes from rule files (default: every file in bdtx/rules/data/programmes/). "
        "Every file is checked first; nothing is written unless all are valid (exit status 2 otherwise). "
        "Programmes are matched by code; contents are created or updated, never deleted."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", help="programme rule files (.yaml); none = the bundled ones")

    def handle(self, *args, files: list[str], **options):
        paths = files or programmefiles.bundled_files()
        problems: list[str] = []
        checked = []
        for path in paths:
            try:
                checked.append(programmefiles.read(path))
            except RuleFileError as error:
                problems += error.problems
        try:
            if problems:
                raise RuleFileError(problems)
            outcomes = load_programme_files(checked)
        except RuleFileError as error:
            raise CommandError("\n".join(error.problems), returncode=2) from error
        if options["verbosity"] >= 1:
            for outcome in outcomes:
                self.stdout.write(outcome.message)

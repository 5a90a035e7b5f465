"""load_modules [FILE ...]: create or update the national module catalogue from module files (idempotent)."""

from django.core.management.base import BaseCommand, CommandError

from bdtx.catalog import modulefiles
from bdtx.catalog.services import load_module_files
from bdtx.rules.rulefiles import RuleFileError


class Command(BaseCommand):
    help = (
        "Load the national training modules from module files (default: bdtx/catalog/data/modules_*.yaml). "
        "Every file is checked first; nothing is written unless all are valid (exit status 2 otherwise). "
        "Modules are matched by code and never deleted; fields a Sở officer changed in the app are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", help="module files (.yaml); none = the bundled ones")

    def handle(self, *args, files: list[str], **options):
        paths = files or modulefiles.bundled_files()
        problems: list[str] = []
        checked = []
        for path in paths:
            try:
                checked.append(modulefiles.read(path))
            except RuleFileError as error:
                problems += error.problems
        try:
            if problems:
                raise RuleFileError(problems)
            outcomes = load_module_files(checked)
        except RuleFileError as error:
            raise CommandError("\n".join(error.problems), returncode=2) from error
        if options["verbosity"] >= 1:
            for outcome in outcomes:
                self.stdout.write(outcome.message)

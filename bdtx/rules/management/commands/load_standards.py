"""load_standards [FILE ...]: create or update the professional standards from rule files (idempotent)."""

from django.core.management.base import BaseCommand, CommandError

from bdtx.rules import rulefiles, services
from bdtx.rules.rulefiles import RuleFileError


class Command(BaseCommand):
    help = (
        "Load professional standards from rule files (default: every file in bdtx/rules/data/standards/). "
        "Every file is checked first; nothing is written unless all are valid (exit status 2 otherwise)."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", help="rule files (.yaml); none = the bundled ones")

    def handle(self, *args, files: list[str], **options):
        paths = files or rulefiles.bundled_files()
        problems: list[str] = []
        checked = []
        for path in paths:
            try:
                checked.append(rulefiles.read(path))
            except RuleFileError as error:
                problems += error.problems
        try:
            if problems:
                raise RuleFileError(problems)
            outcomes = services.load_rule_files(checked)
        except RuleFileError as error:
            raise CommandError("\n".join(error.problems), returncode=2) from error
        if options["verbosity"] >= 1:
            for outcome in outcomes:
                self.stdout.write(outcome.message)

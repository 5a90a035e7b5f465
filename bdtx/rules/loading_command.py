"""The shape shared by load_standards, load_programmes and load_modules: check every file, then load them all
in one transaction, or write nothing and exit with status 2."""

from django.core.management.base import BaseCommand, CommandError

from .rulefiles import RuleFileError, read_all


class LoadRuleFilesCommand(BaseCommand):
    """Subclasses set `files_help` and implement bundled_files(), read(path) and load(checked) -> outcomes."""

    files_help = "rule files (.yaml); none = the bundled ones"

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", help=self.files_help)

    def bundled_files(self) -> list:
        raise NotImplementedError

    def read(self, path):
        raise NotImplementedError

    def load(self, checked: list) -> list:
        raise NotImplementedError

    def handle(self, *args, files: list[str], **options):
        try:
            outcomes = self.load(read_all(files or self.bundled_files(), self.read))
        except RuleFileError as error:
            raise CommandError("\n".join(error.problems), returncode=2) from error
        if options["verbosity"] >= 1:
            for outcome in outcomes:
                self.stdout.write(outcome.message)

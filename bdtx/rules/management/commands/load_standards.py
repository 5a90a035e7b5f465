"""load_standards [FILE ...]: create or update the professional standards from rule files (idempotent)."""

from bdtx.rules import rulefiles, services
from bdtx.rules.loading_command import LoadRuleFilesCommand


class Command(LoadRuleFilesCommand):
    help = (
        "Load professional standards from rule files (default: every file in bdtx/rules/data/standards/). "
        "Every file is checked first; nothing is written unless all are valid (exit status 2 otherwise)."
    )
    files_help = "rule files (.yaml); none = the bundled ones"

    def bundled_files(self):
        return rulefiles.bundled_files()

    def read(self, path):
        return rulefiles.read(path)

    def load(self, checked):
        return services.load_rule_files(checked)

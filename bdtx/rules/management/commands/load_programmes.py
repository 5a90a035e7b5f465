"""load_programmes [FILE ...]: create or update the BDTX programmes from programme rule files (idempotent)."""

from bdtx.rules import programmefiles
from bdtx.rules.loading_command import LoadRuleFilesCommand
from bdtx.rules.programmes import load_programme_files


class Command(LoadRuleFilesCommand):
    help = (
        "Load BDTX programmes from rule files (default: every file in bdtx/rules/data/programmes/). "
        "Every file is checked first; nothing is written unless all are valid (exit status 2 otherwise). "
        "Programmes are matched by code; contents are created or updated, never deleted."
    )
    files_help = "programme rule files (.yaml); none = the bundled ones"

    def bundled_files(self):
        return programmefiles.bundled_files()

    def read(self, path):
        return programmefiles.read(path)

    def load(self, checked):
        return load_programme_files(checked)

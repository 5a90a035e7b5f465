"""load_targets [FILE ...]: create or update the built-in targets from their files (idempotent)."""

from bdtx.dashboards import services, targets
from bdtx.rules.loading_command import LoadRuleFilesCommand


class Command(LoadRuleFilesCommand):
    help = (
        "Load the built-in targets (default: every file in bdtx/dashboards/data/targets/): the province plan's, "
        "QĐ 1677/QĐ-TTg's and the roadmap of Nghị định 71/2020. Every file is checked first; nothing is written "
        "unless all are valid (exit status 2 otherwise). Running it again changes nothing."
    )
    files_help = "target files (.yaml); none = the bundled ones"

    def bundled_files(self):
        return targets.bundled_files()

    def read(self, path):
        return targets.read(path)

    def load(self, checked):
        return services.load_target_files(checked)

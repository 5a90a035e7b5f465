"""load_modules [FILE ...]: create or update the national module catalogue from module files (idempotent)."""

from bdtx.catalog import modulefiles
from bdtx.catalog.services import load_module_files
from bdtx.rules.loading_command import LoadRuleFilesCommand


class Command(LoadRuleFilesCommand):
    help = (
        "Load the national training modules from module files (default: bdtx/catalog/data/modules_*.yaml). "
        "Every file is checked first; nothing is written unless all are valid (exit status 2 otherwise). "
        "Modules are matched by code and never deleted; fields a Sở officer changed in the app are kept."
    )
    files_help = "module files (.yaml); none = the bundled ones"

    def bundled_files(self):
        return modulefiles.bundled_files()

    def read(self, path):
        return modulefiles.read(path)

    def load(self, checked):
        return load_module_files(checked)

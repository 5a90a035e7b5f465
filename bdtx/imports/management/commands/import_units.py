from bdtx.imports.cli import ImportCommand
from bdtx.organisations.importing import import_units


class Command(ImportCommand):
    help = "Create or update units from a spreadsheet (exit 0 ok, 1 row errors and nothing written, 2 unusable file)."

    def run_import(self, options) -> dict:
        return import_units(options["file"], dry_run=options["dry_run"]).as_dict()

from bdtx.imports.cli import ImportCommand
from bdtx.staff.importing import import_staff


class Command(ImportCommand):
    help = "Create or update staff from a spreadsheet (exit 0 ok, 1 row errors and nothing written, 2 unusable file)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--unit", default="", help="unit code for rows without Mã đơn vị")

    def run_import(self, options) -> dict:
        return import_staff(options["file"], default_unit=options["unit"], dry_run=options["dry_run"]).as_dict()

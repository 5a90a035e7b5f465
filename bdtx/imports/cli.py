"""What import_units and import_staff share: the exit statuses and the output of CONTRACTS.md."""

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import translation
from django.utils.translation import gettext as _

from bdtx.lib.db import refresh_statistics
from bdtx.lib.spreadsheet import UnusableFile
from bdtx.ops.faults import storage_message

OK, ROW_ERRORS, UNUSABLE = 0, 1, 2


class ImportCommand(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("file", help="an .xlsx or .csv (UTF-8) file")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")

    def run_import(self, options) -> dict:
        raise NotImplementedError

    def handle(self, *args, **options):
        # Messages are for Vietnamese users whatever the shell's locale.
        with translation.override(settings.LANGUAGE_CODE):
            self._handle(options)

    def _handle(self, options) -> None:
        try:
            result = self.run_import(options)
        except (UnusableFile, OSError, DatabaseError) as error:
            if isinstance(error, DatabaseError):
                # A full or read-only database: the import's one transaction rolled back, nothing was written.
                reason = storage_message(error)
                if reason is None:
                    raise
            elif isinstance(error, UnusableFile):
                reason = str(error)
            else:
                reason = _("Cannot read the file %(file)s: %(reason)s") % {
                    "file": options["file"],
                    "reason": error.strerror or error,
                }
            if options["json"]:
                self._print_json(
                    {
                        "rows": 0,
                        "created": 0,
                        "updated": 0,
                        "unchanged": 0,
                        "errors": [{"row": 0, "column": "", "message": reason}],
                    }
                )
            raise CommandError(reason, returncode=UNUSABLE) from None
        if not options["dry_run"] and (result["created"] or result["updated"]):
            refresh_statistics()
        if options["json"]:
            self._print_json(result)
        else:
            self._print_summary(result, dry_run=options["dry_run"])
        if result["errors"]:
            raise CommandError(
                _("%(count)d error(s) found; nothing was written. Fix them and run the import again.")
                % {"count": len(result["errors"])},
                returncode=ROW_ERRORS,
            )

    def _print_json(self, result: dict) -> None:
        self.stdout.write(json.dumps(result, ensure_ascii=False))

    def _print_summary(self, result: dict, *, dry_run: bool) -> None:
        counts = {key: result[key] for key in ("rows", "created", "updated", "unchanged")}
        if result["errors"]:
            self.stdout.write(
                _("%(rows)d row(s) read; %(errors)d error(s); nothing was written.")
                % {**counts, "errors": len(result["errors"])}
            )
            for error in result["errors"]:
                where = _("Row %(row)d") % error
                if error["column"]:
                    where += f", {error['column']}"
                self.stdout.write(f"{where}: {error['message']}")
        elif dry_run:
            self.stdout.write(
                _(
                    "Checked %(rows)d row(s), no errors. Would create %(created)d, update %(updated)d, "
                    "leave %(unchanged)d unchanged (dry run: nothing was written)."
                )
                % counts
            )
        else:
            self.stdout.write(
                _("Imported %(rows)d row(s): %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
                % counts
            )

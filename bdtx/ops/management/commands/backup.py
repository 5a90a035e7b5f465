"""backup [--output PATH]: the database and the uploaded files into one archive with a manifest (docs/deploy.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from bdtx.ops.backup import BackupError, make_backup


class Command(BaseCommand):
    help = (
        "Back up the database (SQLite online backup, or pg_dump) and the uploaded files into one archive with a "
        "manifest of row counts and checksums. Exit status 0; 2 when the backup cannot be made."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            help="a file name (.tar.gz, or .tar for no compression) or a directory; default: BACKUP_DIR",
        )

    def handle(self, *args, output: str | None = None, **options):
        try:
            path, manifest = make_backup(Path(output) if output else None)
        except BackupError as error:
            raise CommandError(str(error), returncode=2) from error
        if options["verbosity"] < 1:
            return
        self.stdout.write(
            _("Backup written to %(path)s: %(tables)d tables, %(rows)d rows, %(files)d uploaded files.")
            % {
                "path": path,
                "tables": len(manifest["tables"]),
                "rows": sum(table["rows"] for table in manifest["tables"].values()),
                "files": len(manifest["media"]),
            }
        )

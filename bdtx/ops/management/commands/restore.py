"""restore PATH [--yes]: put back the database and the uploaded files of a backup, then check them against it."""

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from bdtx.ops.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` (stop the site first), then compare row counts and checksums "
        "with its manifest. Exit status 0 when everything matches; 1 when something differs (listed); 2 when "
        "nothing was restored (not a backup, another kind of database, or a database with data and no --yes)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the backup archive")
        parser.add_argument("--yes", action="store_true", help="replace a database that already holds data")

    def handle(self, *args, path: str, yes: bool = False, **options):
        try:
            restored = restore_backup(Path(path), replace=yes)
        except BackupError as error:
            raise CommandError(str(error), returncode=2) from error
        for note in restored.notes:
            self.stdout.write(note)
        if restored.differences:
            raise CommandError(
                "\n".join(
                    [
                        _("The restored data differs from the backup in %(count)d places:")
                        % {"count": len(restored.differences)}
                    ]
                    + [f"  {difference}" for difference in restored.differences]
                ),
                returncode=1,
            )
        manifest = restored.manifest
        created = timezone.localtime(dt.datetime.fromisoformat(manifest["created_at"]))
        self.stdout.write(
            _(
                "Restored from %(path)s (backup of %(created)s): %(tables)d tables, %(rows)d rows and %(files)d "
                "uploaded files match the backup."
            )
            % {
                "path": path,
                "created": created.strftime("%d/%m/%Y %H:%M"),
                "tables": len(manifest["tables"]),
                "rows": sum(table["rows"] for table in manifest["tables"].values()),
                "files": len(manifest["media"]),
            }
        )

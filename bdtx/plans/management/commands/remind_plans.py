"""remind_plans [--days N] [--dry-run]: e-mail people whose BDTX plan is due within N days and not submitted.
Run it once a day (cron or a systemd timer); a second run the same day sends nothing again."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from bdtx.plans.reminders import send_reminders


class Command(BaseCommand):
    help = "E-mail a reminder to people whose personal BDTX plan is due soon and not yet submitted."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7, help="remind when the deadline is within N days (7)")
        parser.add_argument("--dry-run", action="store_true", help="list who would be reminded, send nothing")

    def handle(self, *args, days: int, dry_run: bool, **options):
        if days < 0:
            raise CommandError(_("--days must be 0 or more."), returncode=2)
        reminders = send_reminders(days=days, dry_run=dry_run)
        if dry_run:
            for reminder in reminders:
                self.stdout.write(f"{reminder.staff.code}\t{reminder.staff.email}\t{reminder.deadline:%d/%m/%Y}")
        self.stdout.write(
            (_("%(count)d people would be reminded.") if dry_run else _("%(count)d reminders sent."))
            % {"count": len(reminders)}
        )

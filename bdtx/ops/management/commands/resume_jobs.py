"""resume_jobs: queue again, once, the long jobs whose worker died (what every `run_worker` does every few seconds).

For a machine whose workers run plain `db_worker`, from cron; and to see which jobs were given up (interrupted
JOB_MAX_INTERRUPTIONS times in a row: start them again from their page once the cause is found)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from bdtx.ops.jobs import reap


class Command(BaseCommand):
    help = "Queue again the long background jobs whose worker died; list those interrupted too often."

    def handle(self, *args, **options):
        resumed, given_up = reap()
        for lease in resumed:
            self.stdout.write(
                _("Queued again: %(kind)s %(id)s (interruption %(count)d).")
                % {"kind": lease.kind, "id": lease.object_id, "count": lease.interruptions}
            )
        for lease in given_up:
            self.stderr.write(
                _(
                    "Not queued again: %(kind)s %(id)s was interrupted %(count)d times in a row. Find the cause in "
                    "the logs, then start it again from its page."
                )
                % {"kind": lease.kind, "id": lease.object_id, "count": lease.interruptions}
            )
        if not resumed and not given_up and options["verbosity"] >= 1:
            self.stdout.write(_("No interrupted job."))

"""run_worker: django-tasks-db's `db_worker`, plus the job reaper (bdtx/ops/jobs.py) in a thread beside it.

The reaper runs at start and every JOB_REAP_SECONDS: a long job whose worker died (its lease went silent) is
queued again and finished by a live worker. Every option of db_worker applies (`--queue-name`, `--interval`…)."""

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker

from bdtx.ops.jobs import Reaper


class Command(DatabaseWorker):
    help = "Run a task worker of the database queue, resuming long jobs whose worker died (bdtx/ops/jobs.py)."

    def handle(self, *args, **options):
        reaper = Reaper()
        reaper.start()
        try:
            super().handle(*args, **options)
        finally:
            reaper.stop()

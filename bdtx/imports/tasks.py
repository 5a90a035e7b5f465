"""Background work for spreadsheet imports (django.tasks): check a file, then apply it.

Both re-read the stored file, so a worker that stops mid-way loses nothing: the job can be checked or
applied again. Applying re-validates first and writes in one transaction, or not at all."""

import logging
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bdtx.lib.db import refresh_statistics
from bdtx.lib.spreadsheet import UnusableFile
from bdtx.ops.faults import storage_message
from bdtx.ops.jobs import resumable
from bdtx.organisations import importing as unit_importing
from bdtx.staff import importing as staff_importing
from bdtx.staff.models import ChangeSource

from . import workbooks
from .models import ImportJob

log = logging.getLogger("bdtx.imports")


def _progress(job: ImportJob):
    def report(done: int, total: int) -> None:
        # Its own write (outside any transaction) so the page polling the job sees it at once.
        ImportJob.objects.filter(pk=job.pk).update(done=done, total=total)

    return report


def _check(job: ImportJob):
    if job.uploaded_by is None:
        raise UnusableFile(_("The account that uploaded this file no longer exists. Upload the file again."))
    path = job.file.path
    if job.kind == ImportJob.Kind.STAFF:
        default_unit = job.unit.code if job.unit else ""
        table = staff_importing.read(path, name=job.original_name, default_unit=default_unit)
        plan = staff_importing.check_staff(
            table, user=job.uploaded_by, default_unit=default_unit, progress=_progress(job)
        )
    else:
        table = unit_importing.read(path, name=job.original_name)
        plan = unit_importing.check_units(table, user=job.uploaded_by, progress=_progress(job))
    return table, plan


def _record(job: ImportJob, table, outcome) -> None:
    job.rows, job.created, job.updated, job.unchanged = (
        outcome.rows,
        outcome.created,
        outcome.updated,
        outcome.unchanged,
    )
    job.errors, job.error_count = outcome.errors, len(outcome.errors)
    job.done = job.total = outcome.rows
    if outcome.errors:
        columns = {table.headers[key]: index for key, index in table.columns.items()}
        try:
            content = workbooks.marked(
                job.file.path, job.original_name, outcome.errors, header_row=table.header_row, columns=columns
            )
            job.marked.save(f"{Path(job.original_name).stem}-loi.xlsx", ContentFile(content), save=False)
        except Exception:  # the preview still lists every error; only the marked copy is missing
            log.exception("could not write the marked workbook of import %s", job.pk)


def _fail(job: ImportJob, message: str) -> None:
    job.status = ImportJob.Status.FAILED
    job.failure = message
    job.errors = [{"row": 0, "column": "", "message": message}]
    job.error_count = 1
    job.finished_at = timezone.now()
    job.save()


def _guarded(job: ImportJob, work, unexpected: str):
    """Run `work`; a file that cannot be used, a full or read-only database or disk, or an unexpected error marks
    the job failed (with a message the user can act on) and gives None. Nothing is half written: the apply runs
    in one transaction. When even the failure cannot be recorded (a read-only database), the error escapes and
    the job's lease lets a worker run it again later (bdtx/ops/jobs.py)."""
    try:
        return work()
    except AlreadyApplied:
        raise
    except UnusableFile as error:
        _fail(job, str(error))
    except Exception as error:
        message = storage_message(error)
        log.exception("import %s failed%s", job.pk, " (storage)" if message else "")
        _fail(job, message or unexpected)
    return None


def run_check(job_id: int) -> None:
    job = ImportJob.objects.select_related("uploaded_by", "unit").get(pk=job_id)
    with translation.override(settings.LANGUAGE_CODE):
        # A check queued again after its worker died must not undo what came after it (an apply).
        waiting = (ImportJob.Status.QUEUED, ImportJob.Status.CHECKING)
        if not ImportJob.objects.filter(pk=job.pk, status__in=waiting).update(
            status=ImportJob.Status.CHECKING, done=0, total=0
        ):
            return
        checked = _guarded(
            job,
            lambda: _check(job),
            _(
                "The check stopped because of an unexpected error. Try again; if it happens again, "
                "send the file to the administrator."
            ),
        )
        if checked is None:
            return
        table, plan = checked
        _record(job, table, plan.outcome)
        job.status = ImportJob.Status.CHECKED
        job.checked_at = timezone.now()
        job.save()


class AlreadyApplied(Exception):
    """Another run applied this job meanwhile (its worker was thought dead): this run writes nothing."""


def _apply(job: ImportJob):
    table, plan = _check(job)
    if not plan.outcome.errors:
        # The rows and the job's "applied" are one transaction: a run killed mid-way leaves nothing behind and the
        # job still "applying", so it runs again from the start; and the job's row, locked first, lets exactly
        # one run apply it.
        with transaction.atomic():
            if not ImportJob.objects.select_for_update().filter(pk=job.pk, status=ImportJob.Status.APPLYING).exists():
                raise AlreadyApplied
            if job.kind == ImportJob.Kind.STAFF:
                staff_importing.apply_staff(
                    plan, by=job.uploaded_by, source=ChangeSource.IMPORT, reference=f"import:{job.pk}"
                )
            else:
                unit_importing.apply_units(plan, by=job.uploaded_by)
            _record(job, table, plan.outcome)
            job.status = ImportJob.Status.APPLIED
            job.finished_at = timezone.now()
            job.save()
        refresh_statistics()
    return table, plan


def run_apply(job_id: int) -> None:
    job = ImportJob.objects.select_related("uploaded_by", "unit").get(pk=job_id)
    if job.status != ImportJob.Status.APPLYING:
        return
    with translation.override(settings.LANGUAGE_CODE):
        try:
            applied = _guarded(
                job,
                lambda: _apply(job),
                _(
                    "Nothing was written: an unexpected error stopped the import. Try again; if it happens "
                    "again, send the file to the administrator."
                ),
            )
        except AlreadyApplied:
            return
        if applied is None:
            return
        table, plan = applied
        if plan.outcome.errors:
            # The data changed since the check: show the new errors, write nothing.
            _record(job, table, plan.outcome)
            job.status = ImportJob.Status.CHECKED
            job.save()


@task
@resumable("import")
def check_import(job_id: int) -> None:
    """Validate the uploaded file and store the preview (counts and every error)."""
    run_check(job_id)


@task
@resumable("import")
def apply_import(job_id: int) -> None:
    """Re-validate and apply the file in one transaction; nothing is applied if it now has errors."""
    run_apply(job_id)

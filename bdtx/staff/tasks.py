"""Background work of the staff registry (django.tasks): long exports."""

import logging

from django.conf import settings
from django.core.files import File
from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bdtx.ops.jobs import resumable

from .exports import filtered_staff, staff_workbook
from .models import ExportJob

log = logging.getLogger("bdtx.exports")
# In the stored file's name of an export with masked rows ("đã che": masked); the download's name says it too.
MASKED_MARK = "-da-che"


@task
@resumable("staff-export")
def build_export(job_id: int) -> None:
    """Write the export of a staff list, recording progress in the job's row; a re-run starts it over."""
    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    if job.status == ExportJob.Status.DONE:
        return
    with translation.override(settings.LANGUAGE_CODE):
        try:
            form, staff = filtered_staff(job.requested_by, job.params)
            total = staff.count()
            ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, done=0, total=total)

            def progress(done: int) -> None:
                ExportJob.objects.filter(pk=job.pk).update(done=done)

            handle, count, masked = staff_workbook(staff, viewer=job.requested_by, progress=progress)
            with handle:
                job.file.save(f"staff-{job.pk}{MASKED_MARK if masked else ''}.xlsx", File(handle), save=False)
        except Exception:
            log.exception("export %s failed", job.pk)
            job.status = ExportJob.Status.FAILED
            job.failure = _("The export stopped because of an unexpected error. Try again from the staff list.")
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "failure", "finished_at"])
            return
        job.status, job.done, job.total, job.finished_at = ExportJob.Status.DONE, count, count, timezone.now()
        job.save(update_fields=["file", "status", "done", "total", "finished_at"])
        log.info("user=%s exported staff filters=%s rows=%d (background)", job.requested_by.username, job.params, count)

"""Background work of the dashboards (django.tasks), each under a job lease of bdtx/ops/jobs.py (a run whose worker
died is queued again by the reaper): counting a school year's tallies again (RefreshJob), and writing a long list of
the people behind a figure (PeopleExport)."""

import logging

from django.conf import settings
from django.core.files import File
from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bdtx.ops.jobs import current, resumable

from . import aggregates, exports, freshness, people
from .models import Metric, PeopleExport, RefreshJob
from .services import REFRESH

log = logging.getLogger("bdtx.dashboards")
PEOPLE_EXPORT = "people-export"  # the kind of its job leases (the counts': services.REFRESH)


@task()
@resumable(REFRESH)
def refresh_job(job_id: int) -> None:
    """Count the job's metrics (or, when it names none, those whose data changed) of its school year again. A re-run
    after a dead worker counts only what is still old: each metric is written in a transaction of its own."""
    job = RefreshJob.objects.filter(pk=job_id).first()
    if job is None or job.status == RefreshJob.Status.DONE:
        return
    jobs = RefreshJob.objects.filter(pk=job.pk)
    with translation.override(settings.LANGUAGE_CODE):
        try:
            metrics = job.metrics or sorted(_old_metrics(job.year))
            held = current()
            if job.metrics and held is not None and held.resumed:  # what the dead run counted holds
                metrics = [metric for metric in metrics if metric in _old_metrics(job.year)]
            jobs.update(status=RefreshJob.Status.RUNNING, started_at=timezone.now(), done=0, total=len(metrics))
            written = aggregates.refresh(
                job.year, metrics, progress=lambda done, total: jobs.update(done=done, total=total)
            )
        except Exception:
            log.exception("dashboard refresh job %s failed", job.pk)
            jobs.update(
                status=RefreshJob.Status.FAILED,
                failure=_(
                    "Counting the figures stopped because of an unexpected error. It starts again on the next visit."
                ),
                finished_at=timezone.now(),
            )
            return
        jobs.update(status=RefreshJob.Status.DONE, finished_at=timezone.now())
        log.info("dashboard tallies counted year=%s %s", job.year, written)


def _old_metrics(year: int) -> set[str]:
    state = freshness.check(year)
    return (state.stale | state.missing) & set(Metric.values)


@task()
@resumable(PEOPLE_EXPORT)
def people_export(job_id: int) -> None:
    """Write a list of people to the job's file, recording progress in its row; a re-run starts it over."""
    job = PeopleExport.objects.select_related("unit", "requested_by").filter(pk=job_id).first()
    if job is None or job.status == PeopleExport.Status.DONE:
        return
    jobs = PeopleExport.objects.filter(pk=job.pk)
    with translation.override(settings.LANGUAGE_CODE):
        try:
            handle, count = write_people(job, progress=lambda done: jobs.update(done=done))
            with handle:
                job.file.save(f"people-{job.pk}.xlsx", File(handle), save=False)
        except Exception:
            log.exception("people export %s failed", job.pk)
            jobs.update(
                status=PeopleExport.Status.FAILED,
                failure=_("The export stopped because of an unexpected error. Try again from the list."),
                finished_at=timezone.now(),
            )
            return
        job.status, job.done, job.total, job.finished_at = PeopleExport.Status.DONE, count, count, timezone.now()
        job.save(update_fields=["file", "status", "done", "total", "finished_at"])
        log.info("user=%s exported people filters=%s rows=%d (background)", job.requested_by, job.filters, count)


def write_people(job: PeopleExport, *, progress=None):
    """The job's list, found from its unit and filters, as a workbook in a temporary file, and its number of people.
    With `progress` (the background job), the job's row says how many there are before the writing starts."""
    found, _error = people.listed(job.unit, job.which, job.year, job.retiring_in)
    if progress is not None:
        total = len(found) if isinstance(found, list) else found.count()
        PeopleExport.objects.filter(pk=job.pk).update(status=PeopleExport.Status.RUNNING, done=0, total=total)
    title = people.title(job.which, job.retiring_in, job.year)
    return exports.people_workbook(job.which, found, title, job.unit, job.year, as_of=timezone.now(), progress=progress)

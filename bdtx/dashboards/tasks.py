"""Counting a school year's tallies again in the background (django.tasks), with its progress in a RefreshJob row.
Counting is idempotent, so a job whose worker died is simply started again (bdtx.dashboards.services.ensure_fresh)."""

import logging

from django.conf import settings
from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import aggregates, freshness
from .models import Metric, RefreshJob

log = logging.getLogger("bdtx.dashboards")


@task()
def refresh_job(job_id: int) -> None:
    """Count the job's metrics (or, when it names none, those whose data changed) of its school year again."""
    job = RefreshJob.objects.filter(pk=job_id).first()
    if job is None or job.status == RefreshJob.Status.DONE:
        return
    jobs = RefreshJob.objects.filter(pk=job.pk)
    with translation.override(settings.LANGUAGE_CODE):
        try:
            metrics = job.metrics or sorted(_old_metrics(job.year))
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

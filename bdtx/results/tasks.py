"""Recomputing the results of a large subtree in the background (django.tasks), with progress in a RecomputeJob row.
Recomputing is idempotent (what is unchanged is left alone), so a job whose worker died is simply run again."""

import logging

from django.conf import settings
from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bdtx.ops.jobs import resumable

from . import services
from .models import RecomputeJob

log = logging.getLogger("bdtx.results")


@task()
@resumable("recompute")
def recompute_job(job_id: int) -> None:
    """Recompute the year's results of the job's subtree, recording progress after every 2,000 people."""
    job = RecomputeJob.objects.select_related("unit").filter(pk=job_id).first()
    if job is None or job.status == RecomputeJob.Status.DONE:
        return
    jobs = RecomputeJob.objects.filter(pk=job.pk)
    with translation.override(settings.LANGUAGE_CODE):
        try:
            jobs.update(status=RecomputeJob.Status.RUNNING, done=0)
            counts = services.recompute(
                job.year, unit=job.unit, progress=lambda done, total: jobs.update(done=done, total=total)
            )
        except Exception:
            log.exception("recompute job %s failed", job.pk)
            jobs.update(
                status=RecomputeJob.Status.FAILED,
                failure=_("The recomputation stopped because of an unexpected error. Start it again."),
                finished_at=timezone.now(),
            )
            return
        jobs.update(
            status=RecomputeJob.Status.DONE,
            done=counts["people"],
            total=counts["people"],
            counts=counts,
            finished_at=timezone.now(),
        )
        log.info("recomputed results year=%s unit=%s %s", job.year, job.unit.code, counts)

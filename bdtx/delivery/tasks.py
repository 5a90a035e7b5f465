"""Background work of delivery (django.tasks): bulk enrolment of the people whose approved plans ask for a class's
modules. Chunks of CHUNK people, each in its own transaction with bulk writes, the job's row updated after each so
the progress page moves; a job run again (after a worker stopped) skips the people already in the class and
counts those it had placed itself as before."""

import logging

from django.conf import settings
from django.db.models import F
from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bdtx.ops.jobs import resumable

from .models import EnrolmentJob, EnrolmentSource, JobStatus
from .services import DeliveryError, enrol_people, plan_candidates, plan_demand

log = logging.getLogger("bdtx.delivery")
CHUNK = 1000


@task
@resumable("enrolment")
def enrol_from_plans(job_id: int) -> None:
    """Run (or run again) a bulk enrolment job."""
    run(job_id)


def run(job_id: int) -> None:
    job = EnrolmentJob.objects.select_related("training_class__organiser", "unit", "requested_by").get(pk=job_id)
    if job.status == JobStatus.DONE:
        return
    with translation.override(settings.LANGUAGE_CODE):
        try:
            if job.requested_by is None:
                raise DeliveryError(_("The account that started this enrolment no longer exists. Start it again."))
            training_class = job.training_class
            ids = list(
                plan_candidates(training_class, job.unit)
                .order_by("unit__path", "sort_key", "pk")
                .values_list("pk", flat=True)
            )
            # People whose plan asks for the module but who are already in another class for it: skipped.
            elsewhere = max(plan_demand(training_class, job.unit) - len(ids), 0)
            EnrolmentJob.objects.filter(pk=job.pk).update(
                status=JobStatus.RUNNING,
                total=len(ids) + elsewhere,
                done=elsewhere,
                enrolled=0,
                waiting=0,
                skipped=elsewhere,
                clashes=0,
                failure="",
            )
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start : start + CHUNK]
                counts = enrol_people(
                    training_class,
                    chunk,
                    by=job.requested_by,
                    source=EnrolmentSource.PLAN,
                    resumed_since=job.created_at,
                )
                EnrolmentJob.objects.filter(pk=job.pk).update(
                    done=F("done") + len(chunk),
                    enrolled=F("enrolled") + counts.enrolled,
                    waiting=F("waiting") + counts.waiting,
                    skipped=F("skipped") + counts.skipped,
                    clashes=F("clashes") + counts.clashes,
                )
        except DeliveryError as error:
            _fail(job, str(error))
            return
        except Exception:
            log.exception("enrolment job %s failed", job.pk)
            _fail(
                job,
                _("The enrolment stopped because of an unexpected error. Start it again: nobody is enrolled twice."),
            )
            return
    EnrolmentJob.objects.filter(pk=job.pk).update(status=JobStatus.DONE, finished_at=timezone.now())
    log.info("enrolment job %s done (class %s, unit %s)", job.pk, job.training_class_id, job.unit_id)


def _fail(job: EnrolmentJob, message: str) -> None:
    EnrolmentJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, failure=message, finished_at=timezone.now())

"""The lease of a long background job (bdtx/ops/jobs.py): which run holds it, and when it last showed signs of life;
and what every job writing a file for one person (a list exported in the background) keeps."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobLease(models.Model):
    """One row per job: a kind ("certificate-batch") and the id of the job's own state row (a CertificateBatch).
    The run holding it renews `heartbeat_at` every few seconds; a lease whose heartbeat is older than
    JOB_LEASE_SECONDS belongs to a run that died, and the reaper queues the job again. Never edited by people."""

    kind = models.CharField(max_length=40)
    object_id = models.PositiveBigIntegerField()
    task_path = models.CharField(max_length=200)  # the django.tasks Task of the last run, called with object_id
    claimed_by = models.CharField(max_length=120, blank=True)  # "host:pid:token" of the run holding it; "" = free
    task_id = models.CharField(max_length=64, blank=True)  # the queue's id of the holding (or queued) run
    started_at = models.DateTimeField(null=True, blank=True)  # the first run since the job last finished
    claimed_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)  # the last run ended (done, or failed by the job itself)
    runs = models.PositiveIntegerField(default=0)
    interruptions = models.PositiveIntegerField(default=0)  # runs that died since the job last finished

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="one_lease_per_job")]
        indexes = [models.Index(fields=["finished_at", "heartbeat_at"], name="lease_unfinished")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"


class FileJob(models.Model):
    """A file written in the background for the person who asked (staff.ExportJob, dashboards.PeopleExport): its
    state and progress for the job's page (partials/export_job.html), then the file."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Writing")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="exports/", blank=True, max_length=200)
    failure = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]

    @property
    def busy(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        return min(100, self.done * 100 // self.total) if self.total else 0

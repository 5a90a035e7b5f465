"""Long background jobs that survive a dead worker: one lease per job, renewed while it runs, taken over when not.

django-tasks-db marks a task RUNNING when a worker takes it and never looks at it again, so a worker killed
mid-task (SIGKILL, out of memory, the machine lost) leaves it RUNNING for ever and nobody runs it again
(django-tasks issue #46). Our long jobs (imports, bulk enrolment, recomputation, certificate batches, exports)
keep their state in their own row; this module gives them one shared way to be resumed:

- `@resumable("kind")`, under `@task`: the body runs only while its run holds the job's lease (JobLease, one per
  kind and job id). Taking it is one conditional UPDATE (the lease is free, or its heartbeat is stale), so two
  workers never run the same job at once, whatever the queue holds.
- While the body runs, a thread renews the heartbeat every JOB_HEARTBEAT_SECONDS on its own connection (a long
  transaction of the job does not hold it back on PostgreSQL).
- `reap()` queues again every unfinished job whose heartbeat is older than JOB_LEASE_SECONDS, and marks the dead
  run's queue entry failed. Every task worker runs it (`manage.py run_worker`) at start and every
  JOB_REAP_SECONDS; `manage.py resume_jobs` runs it once. A job interrupted JOB_MAX_INTERRUPTIONS times in a row
  is left for a person to start again.
- The bodies are idempotent, so a re-run finishes the work without doing any of it twice: an import applies in
  one transaction (a killed run rolls back wholly), certificate batches issue only what is missing, enrolment
  skips those already in the class, recomputing leaves unchanged results alone, an export starts over.
- `notice(kind, id)` tells the job's page the true state: running again after an interruption, or stalled.
"""

import datetime as dt
import functools
import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.db.models import Case, F, Q, Value, When
from django.dispatch import receiver
from django.tasks.signals import task_started
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string

from .models import JobLease

log = logging.getLogger("bdtx.jobs")
_running = threading.local()  # the queue id of the task this thread is running (django.tasks' task_started)


@receiver(task_started)
def _remember_task(sender, task_result, **kwargs) -> None:
    _running.task_id = str(task_result.id)


def heartbeat_seconds() -> float:
    return float(getattr(settings, "JOB_HEARTBEAT_SECONDS", 5))


def lease_seconds() -> float:
    return float(getattr(settings, "JOB_LEASE_SECONDS", 30))


def max_interruptions() -> int:
    return int(getattr(settings, "JOB_MAX_INTERRUPTIONS", 5))


def holder_name() -> str:
    """Who runs a job, as the lease and the logs show it: this machine and process, and a token for this run."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{get_random_string(6)}"


@dataclass
class Claim:
    lease_id: int
    holder: str
    started_at: dt.datetime  # when the first run of this job began, counting the runs that died since
    interruptions: int  # runs of this job that died before this one
    lost: bool = False  # the heartbeat found the lease taken over (this run was thought dead)

    @property
    def resumed(self) -> bool:
        return self.interruptions > 0


def claim(kind: str, object_id: int, *, task_path: str = "", now: dt.datetime | None = None) -> Claim | None:
    """Take the job's lease for this run, or None when a live run holds it. One conditional UPDATE: of two
    workers claiming together, the database lets exactly one win (the other's UPDATE matches no row)."""
    now = now or timezone.now()
    lease, _created = JobLease.objects.get_or_create(
        kind=kind, object_id=object_id, defaults={"task_path": task_path, "heartbeat_at": now}
    )
    holder = holder_name()
    task_id, _running.task_id = getattr(_running, "task_id", ""), ""
    stale = now - dt.timedelta(seconds=lease_seconds())
    won = (
        JobLease.objects.filter(pk=lease.pk)
        .filter(Q(claimed_by="") | Q(heartbeat_at__lt=stale) | Q(heartbeat_at=None))
        .update(
            task_path=task_path or F("task_path"),
            claimed_by=holder,
            task_id=task_id,
            claimed_at=now,
            heartbeat_at=now,
            finished_at=None,
            runs=F("runs") + 1,
            # Taking over from a holder whose heartbeat stopped: that run died.
            interruptions=F("interruptions") + Case(When(~Q(claimed_by=""), then=Value(1)), default=Value(0)),
            # A new start, unless this run resumes one that died.
            started_at=Case(
                When(Q(started_at=None) | Q(finished_at__isnull=False), then=Value(now)), default=F("started_at")
            ),
        )
    )
    if not won:
        return None
    started_at, interruptions = JobLease.objects.values_list("started_at", "interruptions").get(pk=lease.pk)
    return Claim(lease.pk, holder, started_at, interruptions)


def current() -> Claim | None:
    """The lease held by the job this thread is running, if any (a resumed run counts what the dead ones did)."""
    return getattr(_running, "claim", None)


def renew(held: Claim) -> bool:
    """Renew the heartbeat; False when another run has taken the lease over."""
    renewed = JobLease.objects.filter(pk=held.lease_id, claimed_by=held.holder).update(heartbeat_at=timezone.now())
    if not renewed:
        held.lost = True
    return bool(renewed)


def release(held: Claim, *, finished: bool) -> None:
    """The run ended. Finished (done, or failed and recorded by the job): the lease is free and the job complete.
    Not finished (an exception escaped the job, e.g. the database went away while it recorded a failure): the
    heartbeat is cleared, so the next reaper pass queues the job again."""
    if finished:
        values = {"claimed_by": "", "finished_at": timezone.now(), "interruptions": 0}
    else:
        values = {"heartbeat_at": None}
    try:
        JobLease.objects.filter(pk=held.lease_id, claimed_by=held.holder).update(**values)
    except DatabaseError:  # the database is away: the heartbeat goes stale and the reaper resumes the job
        log.warning("could not release the lease %s of %s", held.lease_id, held.holder, exc_info=True)


class _Heartbeat(threading.Thread):
    def __init__(self, held: Claim) -> None:
        super().__init__(name=f"heartbeat-{held.lease_id}", daemon=True)
        self.held = held
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopping.wait(heartbeat_seconds()):
                try:
                    if not renew(self.held):
                        log.warning("lease %s was taken over from %s", self.held.lease_id, self.held.holder)
                        return
                except DatabaseError:  # busy or away: the next beat tries again
                    log.warning("heartbeat of lease %s failed", self.held.lease_id, exc_info=True)
        finally:
            connections.close_all()  # this thread's own connections

    def stop(self) -> None:
        self.stopping.set()
        self.join()


def resumable(kind: str):
    """Run a job's task (first argument: the id of the job's state row) only under the job's lease, renewed while
    it runs; a run that finds a live holder does nothing. Put it under `@task`."""

    def decorate(func):
        task_path = f"{func.__module__}.{func.__qualname__}"  # what django.tasks stores, and the reaper enqueues

        @functools.wraps(func)
        def run(job_id: int, *args, **kwargs):
            held = claim(kind, job_id, task_path=task_path)
            if held is None:
                log.info("%s %s is being run by another worker: nothing to do", kind, job_id)
                return None
            heartbeat = _Heartbeat(held)
            heartbeat.start()
            _running.claim, finished = held, False
            try:
                result = func(job_id, *args, **kwargs)
                finished = True
                return result
            finally:
                _running.claim = None
                heartbeat.stop()
                release(held, finished=finished)

        return run

    return decorate


# The reaper ---------------------------------------------------------------------------------------------------


def _queue_id(task_id: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(task_id)
    except ValueError:  # not a database queue's id (the immediate backend's, or none)
        return None


def _waiting_in_queue(task_id: str) -> bool:
    from django_tasks_db.models import DBTaskResult

    key = _queue_id(task_id)
    return key is not None and DBTaskResult.objects.filter(pk=key, status="READY").exists()


def _mark_lost(task_id: str, now: dt.datetime) -> None:
    """The dead run's queue entry says FAILED instead of RUNNING for ever."""
    from django_tasks_db.models import DBTaskResult

    key = _queue_id(task_id)
    if key is not None:
        DBTaskResult.objects.filter(pk=key, status="RUNNING").update(
            status="FAILED",
            finished_at=now,
            exception_class_path="bdtx.ops.jobs.WorkerLost",
            traceback="The worker running this task stopped (its job lease expired); the job was queued again.\n",
        )


def stale_leases(now: dt.datetime | None = None):
    """Unfinished jobs whose run has shown no sign of life for JOB_LEASE_SECONDS."""
    cutoff = (now or timezone.now()) - dt.timedelta(seconds=lease_seconds())
    return (
        JobLease.objects.filter(finished_at=None)
        .filter(Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at=None))
        .order_by("heartbeat_at", "pk")
    )


def reap(now: dt.datetime | None = None) -> tuple[list[JobLease], list[JobLease]]:
    """Queue again every job whose run died; (resumed, given up: interrupted too often, left for a person).
    Several workers may reap at once: a conditional UPDATE lets one of them queue each job."""
    now = now or timezone.now()
    resumed, given_up = [], []
    for lease in stale_leases(now):
        if not lease.claimed_by and _waiting_in_queue(lease.task_id):
            continue  # queued again already, waiting for a free worker
        interruptions = lease.interruptions + (1 if lease.claimed_by else 0)
        lease.interruptions = interruptions
        if interruptions > max_interruptions():
            given_up.append(lease)
            continue
        with transaction.atomic():
            won = JobLease.objects.filter(
                pk=lease.pk, claimed_by=lease.claimed_by, heartbeat_at=lease.heartbeat_at, finished_at=None
            ).update(claimed_by="", heartbeat_at=now, interruptions=interruptions)
            if not won:
                continue
            _mark_lost(lease.task_id, now)
        log.warning(
            "%s %s: the run of %s stopped; queued again (interruption %d)",
            lease.kind,
            lease.object_id,
            lease.claimed_by or "a worker",
            interruptions,
        )
        result = import_string(lease.task_path).enqueue(lease.object_id)
        JobLease.objects.filter(pk=lease.pk, claimed_by="", finished_at=None).update(task_id=str(result.id))
        resumed.append(lease)
    return resumed, given_up


class Reaper(threading.Thread):
    """reap() now and every JOB_REAP_SECONDS, beside a task worker, on its own connection."""

    def __init__(self, every: float | None = None) -> None:
        super().__init__(name="job-reaper", daemon=True)
        self.every = every if every is not None else float(getattr(settings, "JOB_REAP_SECONDS", 10))
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            while True:
                try:
                    reap()
                except Exception:  # the database is away or busy: try again at the next pass
                    log.warning("the job reaper could not run", exc_info=True)
                    connections.close_all()
                if self.stopping.wait(self.every):
                    return
        finally:
            connections.close_all()

    def stop(self) -> None:
        self.stopping.set()
        self.join()


# What the job's page says -------------------------------------------------------------------------------------

RESUMED, STALLED, GIVEN_UP = "resumed", "stalled", "given_up"


def notice(kind: str, object_id: int, now: dt.datetime | None = None) -> dict | None:
    """For an unfinished job: {"state": "resumed" | "stalled" | "given_up", "interruptions": n}, or None when it
    runs normally (or has not started). Stalled: its run stopped renewing the heartbeat, so it will be queued
    again shortly. One query."""
    lease = (
        JobLease.objects.filter(kind=kind, object_id=object_id, finished_at=None)
        .only("claimed_by", "heartbeat_at", "interruptions")
        .first()
    )
    if lease is None:
        return None
    now = now or timezone.now()
    quiet = lease.heartbeat_at is None or now - lease.heartbeat_at > dt.timedelta(
        seconds=min(lease_seconds(), 3 * heartbeat_seconds())
    )
    count = lease.interruptions
    if lease.claimed_by and quiet:
        count += 1
        state = GIVEN_UP if count > max_interruptions() else STALLED
    elif count > max_interruptions():
        state = GIVEN_UP
    elif count:
        state = RESUMED
    else:
        return None
    return {"state": state, "interruptions": count}

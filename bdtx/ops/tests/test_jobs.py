"""Long jobs survive a dead worker (bdtx/ops/jobs.py): one lease per job, taken by exactly one run; a job whose run
stopped renewing it is queued again once and finishes with the right counts; the job's page tells the truth."""

import datetime as dt
import io
import threading

import pytest
from django.core.files import File
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from bdtx.imports.models import ImportJob
from bdtx.imports.tasks import apply_import
from bdtx.imports.tests.helpers import person, xlsx
from bdtx.ops import jobs
from bdtx.ops.models import JobLease
from bdtx.results import certificates
from bdtx.results.certificate_tasks import run_certificate_batch
from bdtx.results.models import Certificate, CertificateBatch
from bdtx.results.tests.scope_certificates import SIGNING, YEAR, completed_result
from bdtx.staff.models import StaffChange, StaffMember
from bdtx.testing import make_staff

pytestmark = pytest.mark.django_db
DEAD = "old-host:4242:dead00"
CERTIFICATES = "bdtx.results.certificate_tasks.run_certificate_batch"
IMPORTS = "bdtx.imports.tasks.apply_import"
FAMILIES = ["Lê", "Trần", "Phạm", "Vũ"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Khoa", "Lan", "Minh", "Nga"]


def held_by_a_dead_worker(kind: str, object_id: int, task_path: str, *, seconds_ago: int = 120, **extra):
    """The lease as a worker killed `seconds_ago` leaves it: held, its heartbeat silent since."""
    past = timezone.now() - dt.timedelta(seconds=seconds_ago)
    return JobLease.objects.create(
        kind=kind,
        object_id=object_id,
        task_path=task_path,
        claimed_by=DEAD,
        claimed_at=past,
        started_at=past,
        heartbeat_at=past,
        runs=1,
        **extra,
    )


@pytest.fixture
def results(cast):
    """Six teachers of school A with recognised "Hoàn thành" results."""
    others = [make_staff(cast.tree.school_a, f"Giáo viên {n}", code=f"GV-A-2{n:02d}") for n in range(5)]
    staff = [cast.member_a, *others]
    return [completed_result(member) for member in staff]


def a_batch(cast, **values) -> CertificateBatch:
    school = cast.tree.school_a
    return CertificateBatch.objects.create(
        issuer=school, unit=school, year=YEAR, requested_by=cast.principal_a, **SIGNING, **values
    )


def issued_numbers(cast) -> list[int]:
    return sorted(Certificate.objects.filter(issuer=cast.tree.school_a, year=YEAR).values_list("number", flat=True))


def test_a_batch_whose_worker_died_mid_way_is_run_again_once_and_finishes_with_the_right_counts(cast, results):
    batch = a_batch(cast, status=CertificateBatch.Status.RUNNING, done=0, total=6)
    # What the dead run did: the first chunk of certificates issued (committed), then nothing.
    certificates.issue_many(results[:2], issuer=cast.tree.school_a, by=cast.principal_a, **SIGNING)
    held_by_a_dead_worker("certificate-batch", batch.pk, CERTIFICATES)

    resumed, given_up = jobs.reap()

    assert [lease.object_id for lease in resumed] == [batch.pk] and given_up == []
    batch.refresh_from_db()
    assert (batch.status, batch.issued, batch.done, batch.total) == ("done", 6, 6, 6)
    assert issued_numbers(cast) == [1, 2, 3, 4, 5, 6]  # no number twice, none skipped
    assert Certificate.objects.filter(status="valid").values("result").distinct().count() == 6
    lease = JobLease.objects.get(kind="certificate-batch", object_id=batch.pk)
    assert (lease.runs, lease.claimed_by, lease.finished_at is not None) == (2, "", True)
    assert jobs.reap() == ([], [])  # once: nothing left to resume


def test_two_claims_of_the_same_job_only_one_wins():
    first = jobs.claim("certificate-batch", 41, task_path=CERTIFICATES)
    assert first is not None
    assert jobs.claim("certificate-batch", 41, task_path=CERTIFICATES) is None  # its holder is alive
    assert jobs.claim("certificate-batch", 42, task_path=CERTIFICATES) is not None  # another job is another lease
    jobs.release(first, finished=True)
    again = jobs.claim("certificate-batch", 41, task_path=CERTIFICATES)
    assert again is not None and not again.resumed
    assert JobLease.objects.get(kind="certificate-batch", object_id=41).runs == 2


@pytest.mark.django_db(transaction=True)
def test_workers_claiming_the_same_job_at_the_same_moment_let_exactly_one_run_it():
    if connection.vendor != "postgresql":
        pytest.skip("threads sharing SQLite's in-memory test database lock each other out; CI runs this on PostgreSQL")
    JobLease.objects.create(kind="certificate-batch", object_id=7, task_path=CERTIFICATES, heartbeat_at=timezone.now())
    start, outcomes = threading.Barrier(8), []

    def worker():
        start.wait()
        try:
            outcomes.append(jobs.claim("certificate-batch", 7, task_path=CERTIFICATES))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(outcome is not None for outcome in outcomes) == 1
    assert JobLease.objects.get(kind="certificate-batch", object_id=7).runs == 1


def test_a_dead_workers_lease_is_taken_over_and_its_heartbeat_then_finds_it_lost():
    stale = jobs.claim("staff-export", 5, task_path="bdtx.staff.tasks.build_export")
    JobLease.objects.filter(pk=stale.lease_id).update(heartbeat_at=timezone.now() - dt.timedelta(minutes=5))
    taker = jobs.claim("staff-export", 5, task_path="bdtx.staff.tasks.build_export")
    assert taker is not None and taker.interruptions == 1 and taker.resumed
    assert taker.started_at == stale.started_at  # the job's first start still counts
    assert jobs.renew(stale) is False and stale.lost
    jobs.release(stale, finished=True)  # the old run's release changes nothing
    assert JobLease.objects.get(pk=taker.lease_id).claimed_by == taker.holder
    assert jobs.renew(taker) is True


def test_a_second_run_of_a_batch_held_by_a_live_worker_does_nothing(cast, results):
    batch = a_batch(cast, status=CertificateBatch.Status.RUNNING)
    live = jobs.claim("certificate-batch", batch.pk, task_path=CERTIFICATES)
    run_certificate_batch.enqueue(batch.pk)
    batch.refresh_from_db()
    assert batch.status == "running" and Certificate.objects.count() == 0
    jobs.release(live, finished=True)
    run_certificate_batch.enqueue(batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.issued) == ("done", 6) and issued_numbers(cast) == [1, 2, 3, 4, 5, 6]


def test_an_import_killed_while_applying_is_applied_again_from_the_start_and_only_once(cast, tmp_path, settings):
    names = [f"{family} Văn {given}" for family in FAMILIES for given in GIVEN]
    rows = [person(f"GV-A-3{n:02d}", name, cccd=f"0010850003{n:02d}") for n, name in enumerate(names)]
    path = xlsx(tmp_path / "ds.xlsx", rows)
    with open(path, "rb") as handle:
        job = ImportJob.objects.create(
            kind="staff", file=File(handle, "ds.xlsx"), original_name="ds.xlsx", uploaded_by=cast.principal_a
        )
    # The killed run's transaction rolled back: nothing of it is in the database, the job still says "applying".
    ImportJob.objects.filter(pk=job.pk).update(status="applying", done=0)
    held_by_a_dead_worker("import", job.pk, IMPORTS)

    (resumed,), _given_up = jobs.reap()

    job.refresh_from_db()
    assert (job.status, job.rows, job.created, job.updated) == ("applied", 40, 40, 0)
    assert StaffMember.objects.filter(code__startswith="GV-A-3").count() == 40
    assert StaffChange.objects.filter(reference=f"import:{job.pk}").count() == 40
    # A late duplicate of the run (its worker was only slow) writes nothing more.
    apply_import.enqueue(job.pk)
    assert StaffChange.objects.filter(reference=f"import:{job.pk}").count() == 40


def test_the_reaper_marks_the_dead_runs_queue_entry_failed_and_queues_the_job_once(cast, results, settings):
    batch = a_batch(cast, status=CertificateBatch.Status.RUNNING)
    entry = DBTaskResult.objects.create(
        args_kwargs={"args": [batch.pk], "kwargs": {}},
        task_path=CERTIFICATES,
        backend_name="default",
        run_after=get_date_max(),
        status="RUNNING",
    )
    held_by_a_dead_worker("certificate-batch", batch.pk, CERTIFICATES, task_id=str(entry.pk))
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # queue it, do not run it

    resumed, _given_up = jobs.reap()

    assert len(resumed) == 1
    entry.refresh_from_db()
    assert (entry.status, entry.exception_class_path) == ("FAILED", "bdtx.ops.jobs.WorkerLost")
    queued = DBTaskResult.objects.get(status="READY")
    assert queued.task_path == CERTIFICATES and queued.args_kwargs["args"] == [batch.pk]
    lease = JobLease.objects.get(kind="certificate-batch", object_id=batch.pk)
    assert (lease.claimed_by, lease.task_id, lease.interruptions) == ("", str(queued.pk), 1)
    # Waiting for a free worker, even past the lease's time: not queued a second time.
    JobLease.objects.filter(pk=lease.pk).update(heartbeat_at=timezone.now() - dt.timedelta(minutes=10))
    assert jobs.reap() == ([], [])
    assert DBTaskResult.objects.filter(status="READY").count() == 1


def test_a_job_interrupted_too_often_is_left_for_a_person(cast, results, settings):
    settings.JOB_MAX_INTERRUPTIONS = 2
    batch = a_batch(cast, status=CertificateBatch.Status.RUNNING)
    held_by_a_dead_worker("certificate-batch", batch.pk, CERTIFICATES, interruptions=2)
    out, err = io.StringIO(), io.StringIO()
    call_command("resume_jobs", stdout=out, stderr=err)
    assert "certificate-batch" in err.getvalue() and "3 lần liên tiếp" in err.getvalue()
    batch.refresh_from_db()
    assert batch.status == "running" and Certificate.objects.count() == 0


def test_resume_jobs_says_what_it_queued_again(cast, results):
    batch = a_batch(cast, status=CertificateBatch.Status.RUNNING)
    held_by_a_dead_worker("certificate-batch", batch.pk, CERTIFICATES)
    out = io.StringIO()
    call_command("resume_jobs", stdout=out)
    assert f"certificate-batch {batch.pk}" in out.getvalue()
    batch.refresh_from_db()
    assert batch.status == "done"
    out = io.StringIO()
    call_command("resume_jobs", stdout=out)
    assert "Không có công việc nào bị gián đoạn." in out.getvalue()


def test_an_error_escaping_the_job_leaves_it_for_the_reaper():
    calls = []

    @jobs.resumable("test-job")
    def flaky(job_id):
        calls.append(job_id)
        raise ConnectionError("the database went away while the failure was recorded")

    with pytest.raises(ConnectionError):
        flaky(9)
    lease = JobLease.objects.get(kind="test-job", object_id=9)
    assert lease.finished_at is None and lease.heartbeat_at is None and lease.claimed_by
    assert [stale.pk for stale in jobs.stale_leases()] == [lease.pk]


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_keeps_a_long_job_alive(settings):
    if connection.vendor != "postgresql":
        pytest.skip("a thread and the test share SQLite's in-memory database badly; CI runs this on PostgreSQL")
    settings.JOB_HEARTBEAT_SECONDS = 0.01
    beats = []

    @jobs.resumable("test-job")
    def slow(job_id):
        lease = JobLease.objects.get(kind="test-job", object_id=job_id)
        first = lease.heartbeat_at
        JobLease.objects.filter(pk=lease.pk).update(heartbeat_at=timezone.now() - dt.timedelta(minutes=5))
        deadline = timezone.now() + dt.timedelta(seconds=5)
        while timezone.now() < deadline:
            lease.refresh_from_db()
            if lease.heartbeat_at > first:
                beats.append(lease.heartbeat_at)
                return
            threading.Event().wait(0.01)

    slow(3)
    assert beats


# What people see -------------------------------------------------------------------------------------------------


def importing(cast) -> ImportJob:
    return ImportJob.objects.create(
        kind="staff", file="imports/x.xlsx", original_name="ds.xlsx", uploaded_by=cast.principal_a, status="applying"
    )


def test_a_job_running_again_after_an_interruption_says_so(client, cast):
    job = importing(cast)
    JobLease.objects.create(
        kind="import", object_id=job.pk, task_path=IMPORTS, claimed_by="web-2:77:abcdef",
        heartbeat_at=timezone.now(), interruptions=1, runs=2,
    )  # fmt: skip
    client.force_login(cast.principal_a)
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert "Đang chạy lại sau sự cố" in page


def test_a_job_whose_worker_stopped_shows_interrupted_not_a_frozen_bar(client, cast):
    job = importing(cast)
    held_by_a_dead_worker("import", job.pk, IMPORTS, seconds_ago=20)
    client.force_login(cast.principal_a)
    page = client.get(reverse("imports:progress", args=[job.pk]), headers={"HX-Request": "true"}).content.decode()
    assert "Bị gián đoạn" in page and "tự động" in page


def test_a_job_given_up_asks_a_person_to_start_it_again(client, cast, settings):
    settings.JOB_MAX_INTERRUPTIONS = 1
    job = importing(cast)
    held_by_a_dead_worker("import", job.pk, IMPORTS, interruptions=1)
    client.force_login(cast.principal_a)
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert "sẽ không tự chạy lại" in page


def test_a_job_running_normally_shows_no_notice(client, cast, django_assert_max_num_queries):
    job = importing(cast)
    jobs.claim("import", job.pk, task_path=IMPORTS)
    client.force_login(cast.principal_a)
    with django_assert_max_num_queries(6):
        page = client.get(reverse("imports:progress", args=[job.pk]), headers={"HX-Request": "true"})
    assert "sự cố" not in page.content.decode() and "gián đoạn" not in page.content.decode()

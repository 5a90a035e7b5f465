"""The kept figures follow the data: a change made through the services (a transfer, a qualification updated, a
result rewritten by the bulk recomputation, an evaluation reopened, a budget line changed) makes the metrics that
read it old; the next page starts a count in the background and the figure follows. A page never shows old figures
without saying so."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from bdtx.appraisals.models import Appraisal
from bdtx.appraisals.services import reopen_evaluation
from bdtx.catalog.models import TrainingModule
from bdtx.dashboards import freshness, services, tasks
from bdtx.dashboards.models import Metric, RefreshJob, Tally, TallyState
from bdtx.delivery.models import Attendance, AttendanceMethod, Score
from bdtx.delivery.outcomes import refresh_outcomes
from bdtx.ops import jobs
from bdtx.ops.models import JobLease
from bdtx.plans.services import save_budget_line
from bdtx.results import services as results
from bdtx.results.models import ResultEvent, YearResult
from bdtx.staff.services import transfer_staff, update_staff
from bdtx.testing import enrol, make_class

from . import scene

DUMMY_TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def world(cast, standards):
    built = scene.build(cast, standards)
    state, _job = services.ensure_fresh(scene.YEAR)
    assert state.fresh
    return built


def count(unit, metric, year=scene.YEAR, **match) -> int:
    return Tally.objects.filter(year=year, unit=unit, metric=metric, **match).aggregate(n=Sum("count"))["n"] or 0


def counted_at() -> dict:
    return dict(TallyState.objects.filter(year=scene.YEAR).values_list("metric", "counted_at"))


def test_figures_counted_from_unchanged_data_hold(world):
    state = freshness.check(scene.YEAR)
    assert state.fresh and state.as_of is not None
    assert services.ensure_fresh(scene.YEAR)[1] is None  # nothing to count


def test_a_transfer_moves_the_person_in_the_figures_after_the_refresh(world, cast):
    binh = world.people.binh
    transfer_staff(binh, world.preschool, by=cast.local)
    state = freshness.check(scene.YEAR)
    assert {Metric.COMPLETION, Metric.QUALIFICATIONS, Metric.RETIREMENT} <= state.stale
    assert Metric.BUDGET not in state.stale
    services.ensure_fresh(scene.YEAR)
    assert count(world.tree.school_a, Metric.COMPLETION) == 5
    assert count(world.preschool, Metric.COMPLETION) == 4
    assert count(world.preschool, Metric.RETIREMENT, bucket="2026") == 2


def test_a_degree_updated_through_the_form_changes_who_must_upgrade(world, cast):
    update_staff(world.people.lan, qualification="cao_dang", by=cast.principal_a)
    services.ensure_fresh(scene.YEAR)
    assert count(world.preschool, Metric.UPGRADE, bucket="must") == 0
    assert count(world.preschool, Metric.QUALIFICATIONS, detail="meets") == 2


def test_only_the_metrics_whose_data_changed_are_counted_again(world, cast):
    before = counted_at()
    line = world.plans.commune.budget_lines.get()
    save_budget_line(
        world.plans.commune, by=cast.local, category="venue", description="Hội trường", quantity=Decimal(2),
        rate=1_000_000, line=line,
    )  # fmt: skip
    assert freshness.check(scene.YEAR).stale == {Metric.BUDGET}
    services.ensure_fresh(scene.YEAR)
    after = counted_at()
    assert after[Metric.BUDGET] > before[Metric.BUDGET]
    assert after[Metric.COMPLETION] == before[Metric.COMPLETION]
    assert count(world.tree.commune, Metric.BUDGET, bucket="venue", detail="pending") == 2_000_000


def test_a_budget_line_moved_to_another_category_is_seen(world, cast):
    line = world.plans.commune.budget_lines.get()
    save_budget_line(
        world.plans.commune, by=cast.local, category="materials", description="Tài liệu", quantity=Decimal(1),
        rate=1_000_000, line=line,
    )  # fmt: skip
    services.ensure_fresh(scene.YEAR)
    assert count(world.tree.commune, Metric.BUDGET, bucket="materials", detail="pending") == 1_000_000


def test_a_reopened_evaluation_leaves_the_ratings(world, cast):
    appraisal = Appraisal.objects.get(staff=world.people.binh, cycle=world.cycle)
    reopen_evaluation(appraisal, by=cast.local, reason="Cần xem lại minh chứng tiêu chí 2")
    services.ensure_fresh(scene.YEAR)
    assert count(world.tree.school_a, Metric.RATINGS, bucket="chua_dat") == 0
    assert count(world.tree.school_a, Metric.NEEDS, bucket="evaluated") == 1


def test_a_corrected_result_changes_completion_and_core(world, cast):
    result = YearResult.objects.get(staff=world.people.an, year=scene.YEAR)
    results.reopen(result, reason="Nhập nhầm", by=cast.officer)  # back to the rule: no plan, not completed
    services.ensure_fresh(scene.YEAR)
    assert count(world.tree.school_a, Metric.COMPLETION, bucket="hoan_thanh") == 0
    assert count(world.tree.province, Metric.CORE, bucket="core_completed") == 1


def pass_class(training_class, enrolment):
    for session in training_class.sessions.all():
        Attendance.objects.create(session=session, enrolment=enrolment, present=True, method=AttendanceMethod.SHEET)
    training_class.sessions.update(attendance_taken=True)
    for test in training_class.assessments.all():
        Score.objects.create(assessment=test, enrolment=enrolment, value=Decimal("7.5"))


def test_a_result_rewritten_in_place_by_the_recomputation_is_seen_without_any_event(cast, approved_plan):
    """Passing the classes recomputes the result in bulk (no ResultEvent): the results' checksum still moves."""
    year, school = 2027, cast.tree.school_a
    province = cast.tree.province
    modules = TrainingModule.objects.filter(code__in=["GVPT 04", "GVPT 05", "GVPT 06", "GVPT 07"])
    classes = [
        make_class(province, year=year, code="L01", content="01", periods=40, sessions=2),
        make_class(province, year=year, code="L02", content="02", periods=40, sessions=2),
        make_class(province, year=year, code="L03", content="03", periods=40, modules=modules, sessions=2),
    ]
    enrolments = [enrol(training_class, cast.member_a)[0] for training_class in classes]
    results.recompute(year, unit=school)
    services.ensure_fresh(year)
    assert count(school, Metric.COMPLETION, year=year, bucket="khong_hoan_thanh") == 1
    events = ResultEvent.objects.count()
    for training_class, enrolment in zip(classes, enrolments, strict=True):
        pass_class(training_class, enrolment)
    refresh_outcomes([e.pk for e in enrolments])
    assert YearResult.objects.get(staff=cast.member_a, year=year).outcome == "hoan_thanh"
    assert ResultEvent.objects.count() == events
    assert Metric.COMPLETION in freshness.check(year).stale
    services.ensure_fresh(year)
    assert count(school, Metric.COMPLETION, year=year, bucket="hoan_thanh") == 1


def test_the_page_says_the_figures_are_old_while_they_are_counted_again(client, world, cast, settings):
    settings.TASKS = DUMMY_TASKS  # queued, not run: as with a busy worker
    as_of = freshness.check(scene.YEAR).as_of
    transfer_staff(world.people.binh, world.preschool, by=cast.local)
    client.force_login(cast.local)
    response = client.get(reverse("dashboards:unit", args=[world.tree.commune.pk]), {"year": scene.YEAR})
    html = response.content.decode()
    assert "Dữ liệu đã thay đổi từ lúc tính số liệu dưới đây" in html
    assert as_of.astimezone(dt.timezone(dt.timedelta(hours=7))).strftime("%d/%m/%Y %H:%M") in html
    job = RefreshJob.objects.get(year=scene.YEAR, status=RefreshJob.Status.QUEUED)
    # A second page joins the same job; the banner polls its state.
    status_url = reverse("dashboards:status", args=[world.tree.commune.pk])
    assert "Đang cập nhật" in client.get(status_url, {"year": scene.YEAR}).content.decode()
    assert RefreshJob.objects.filter(year=scene.YEAR).exclude(status=RefreshJob.Status.DONE).count() == 1
    tasks.refresh_job.call(job.pk)  # the worker runs it
    response = client.get(status_url, {"year": scene.YEAR}, headers={"HX-Request": "true"})
    assert response.status_code == 204 and response["HX-Refresh"] == "true"
    html = client.get(reverse("dashboards:unit", args=[world.tree.commune.pk]), {"year": scene.YEAR}).content
    assert "khớp với dữ liệu hiện có" in html.decode()


def test_a_page_shows_that_the_figures_are_being_counted_for_the_first_time(client, cast, settings):
    settings.TASKS = DUMMY_TASKS
    client.force_login(cast.officer)
    html = client.get(reverse("dashboards:unit", args=[cast.tree.province.pk])).content.decode()
    assert "Số liệu năm học này đang được tính lần đầu" in html


def test_a_count_that_failed_is_said_and_not_started_again_on_every_page(client, world, cast):
    transfer_staff(world.people.binh, world.preschool, by=cast.local)
    RefreshJob.objects.create(
        year=scene.YEAR, status=RefreshJob.Status.FAILED, failure="Hết dung lượng đĩa.", finished_at=timezone.now()
    )
    client.force_login(cast.local)
    url = reverse("dashboards:unit", args=[world.tree.commune.pk])
    html = client.get(url, {"year": scene.YEAR}).content.decode()
    assert "việc tính lại không thành công" in html and "Hết dung lượng đĩa." in html
    # Tried again only a few minutes later, not on every page.
    assert not RefreshJob.objects.filter(year=scene.YEAR, status=RefreshJob.Status.QUEUED).exists()


def dead_lease(job: RefreshJob, *, seconds_ago: int = 120, **extra) -> JobLease:
    """The lease of a count as a worker killed `seconds_ago` leaves it: held, its heartbeat silent since."""
    past = timezone.now() - dt.timedelta(seconds=seconds_ago)
    return JobLease.objects.create(
        kind="dashboard-refresh", object_id=job.pk, task_path="bdtx.dashboards.tasks.refresh_job",
        claimed_by="old-host:4242:dead00", claimed_at=past, started_at=past, heartbeat_at=past, runs=1, **extra,
    )  # fmt: skip


def test_a_count_whose_worker_died_is_resumed_by_the_reaper_and_the_page_says_so(client, world, cast):
    transfer_staff(world.people.binh, world.preschool, by=cast.local)
    dead = RefreshJob.objects.create(year=scene.YEAR, status=RefreshJob.Status.RUNNING, total=3, done=1)
    dead_lease(dead, seconds_ago=20)
    client.force_login(cast.local)
    html = client.get(reverse("dashboards:unit", args=[world.tree.commune.pk]), {"year": scene.YEAR}).content
    assert "Bị gián đoạn" in html.decode() and "Đang cập nhật" in html.decode()  # not a frozen bar

    resumed, _given_up = jobs.reap(timezone.now() + dt.timedelta(minutes=1))  # its lease has expired

    assert [lease.object_id for lease in resumed] == [dead.pk]
    dead.refresh_from_db()
    assert dead.status == RefreshJob.Status.DONE and freshness.check(scene.YEAR).fresh
    assert services.ensure_fresh(scene.YEAR)[1] is None


def test_a_long_count_whose_worker_lives_is_not_replaced(world, cast):
    transfer_staff(world.people.binh, world.preschool, by=cast.local)
    long = RefreshJob.objects.create(year=scene.YEAR, status=RefreshJob.Status.RUNNING)
    RefreshJob.objects.filter(pk=long.pk).update(created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    jobs.claim("dashboard-refresh", long.pk, task_path="bdtx.dashboards.tasks.refresh_job")
    state, job = services.ensure_fresh(scene.YEAR)
    assert job.pk == long.pk and job.busy and not state.fresh
    assert RefreshJob.objects.filter(year=scene.YEAR).exclude(status=RefreshJob.Status.DONE).count() == 1


def test_a_count_interrupted_too_often_fails_and_is_tried_again_after_a_pause(client, world, cast, settings):
    settings.JOB_MAX_INTERRUPTIONS = 1
    transfer_staff(world.people.binh, world.preschool, by=cast.local)
    dead = RefreshJob.objects.create(year=scene.YEAR, status=RefreshJob.Status.RUNNING)
    dead_lease(dead, interruptions=1)
    client.force_login(cast.local)
    html = client.get(reverse("dashboards:unit", args=[world.tree.commune.pk]), {"year": scene.YEAR}).content
    assert "việc tính lại không thành công" in html.decode()
    dead.refresh_from_db()
    assert dead.status == RefreshJob.Status.FAILED and "bị gián đoạn quá nhiều lần" in dead.failure
    RefreshJob.objects.filter(pk=dead.pk).update(finished_at=timezone.now() - dt.timedelta(minutes=6))
    state, job = services.ensure_fresh(scene.YEAR)
    assert state.fresh and job is None  # counted again by a new job


def test_the_page_shows_the_new_figures_once_counted_again(client, world, cast):
    from .test_pages import table

    client.force_login(cast.local)
    url = reverse("dashboards:unit", args=[world.tree.commune.pk])
    rows = {row[0]: row[1] for row in table(client.get(url, {"year": scene.YEAR}).content.decode(), "completion-units")}
    assert rows["Trường Tiểu học Tân Phong"] == "6"
    transfer_staff(world.people.binh, world.preschool, by=cast.local)
    rows = {row[0]: row[1] for row in table(client.get(url, {"year": scene.YEAR}).content.decode(), "completion-units")}
    assert rows["Trường Tiểu học Tân Phong"] == "5" and rows["Trường Mầm non Hoa Ban"] == "4"

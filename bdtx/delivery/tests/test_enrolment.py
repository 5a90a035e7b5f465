"""Enrolment: capacity then the waiting list, promotion when someone leaves or the capacity grows, clashes, bulk
enrolment from approved plans as a background job, requests to join and their approval, the learner's pages."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from bdtx.catalog.models import TrainingModule
from bdtx.delivery import services, tasks
from bdtx.delivery.models import ClassSession, Enrolment, EnrolmentJob, JobStatus
from bdtx.delivery.services import DeliveryError
from bdtx.plans.models import PersonalPlan, PersonalPlanItem, PlanStatus
from bdtx.plans.tests.reporting import approved_plan as approve_plan
from bdtx.plans.tests.reporting import submitted_plan
from bdtx.results.models import YearResult
from bdtx.staff.models import StaffMember
from bdtx.testing import enrol, make_class, make_staff

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
BIRTH = dt.date(1990, 1, 1)


def people(cast, *names):
    return [make_staff(cast.tree.school_a, name, code=f"GV-A-1{index:02d}") for index, name in enumerate(names)]


def statuses(training_class) -> dict[str, str]:
    return dict(training_class.enrolments.values_list("staff__full_name", "status"))


# Capacity, waiting list, promotion -----------------------------------------------------------------------


def test_people_beyond_the_capacity_wait_in_order_and_the_first_moves_up_when_someone_withdraws(cast):
    training_class = make_class(cast.tree.commune, year=2027, capacity=2)
    an, binh, chi, dung = people(cast, "Lê Văn An", "Phạm Thị Bình", "Hà Thị Chi", "Vũ Văn Dũng")
    counts = services.enrol_people(training_class, [an.pk, binh.pk, chi.pk, dung.pk], by=cast.local)
    assert (counts.enrolled, counts.waiting, counts.skipped) == (2, 2, 0)
    assert statuses(training_class) == {
        "Lê Văn An": "enrolled",
        "Phạm Thị Bình": "enrolled",
        "Hà Thị Chi": "waiting",
        "Vũ Văn Dũng": "waiting",
    }
    promoted = services.withdraw(training_class.enrolments.get(staff=an), by=cast.local)
    assert promoted.staff == chi
    assert statuses(training_class)["Hà Thị Chi"] == "enrolled"
    assert statuses(training_class)["Lê Văn An"] == "withdrawn"
    assert statuses(training_class)["Vũ Văn Dũng"] == "waiting"


def test_raising_the_capacity_moves_the_waiting_list_up_in_order(cast):
    training_class = make_class(cast.tree.commune, year=2027, content="01", capacity=1)
    an, binh, chi = people(cast, "Lê Văn An", "Phạm Thị Bình", "Hà Thị Chi")
    services.enrol_people(training_class, [an.pk, binh.pk, chi.pk], by=cast.local)
    values = {name: getattr(training_class, name) for name in services.CLASS_FIELDS} | {"capacity": 2}
    services.update_class(training_class, by=cast.local, expected_version=training_class.version, **values)
    assert statuses(training_class) == {"Lê Văn An": "enrolled", "Phạm Thị Bình": "enrolled", "Hà Thị Chi": "waiting"}


def test_a_capacity_below_the_people_enrolled_is_refused(cast):
    training_class = make_class(cast.tree.commune, year=2027, content="01", capacity=3)
    services.enrol_people(training_class, [p.pk for p in people(cast, "Lê Văn An", "Phạm Thị Bình")], by=cast.local)
    values = {name: getattr(training_class, name) for name in services.CLASS_FIELDS} | {"capacity": 1}
    with pytest.raises(DeliveryError, match="Đã có 2 người ghi danh"):
        services.update_class(training_class, by=cast.local, expected_version=training_class.version, **values)


def test_enrolling_again_skips_those_already_in_and_takes_back_who_withdrew(cast):
    training_class = make_class(cast.tree.commune, year=2027, capacity=5)
    an, binh = people(cast, "Lê Văn An", "Phạm Thị Bình")
    services.enrol_people(training_class, [an.pk, binh.pk], by=cast.local)
    services.withdraw(training_class.enrolments.get(staff=an), by=cast.local)
    counts = services.enrol_people(training_class, [an.pk, binh.pk], by=cast.local)
    assert (counts.enrolled, counts.skipped) == (1, 1)
    assert training_class.enrolments.filter(status="enrolled").count() == 2


def test_people_outside_the_units_one_manages_cannot_be_enrolled(cast):
    training_class = make_class(cast.tree.commune, year=2027)
    with pytest.raises(DeliveryError, match="Trần Văn Đức"):
        services.enrol_people(training_class, [cast.member_b.pk], by=cast.local)


def test_enrolling_updates_the_yearly_result_of_the_person(cast, approved_plan):
    module = TrainingModule.objects.get(code="GVPT 04")
    training_class = make_class(cast.tree.commune, year=2027, modules=[module])
    services.enrol_people(training_class, [cast.member_a.pk], by=cast.local)
    result = YearResult.objects.get(staff=cast.member_a, year=2027)
    assert ["module_pending", {"module": "GVPT 04"}] in result.reasons
    services.withdraw(training_class.enrolments.get(), by=cast.local)
    result.refresh_from_db()
    assert ["module_missing", {"module": "GVPT 04"}] in result.reasons


# Clashes ---------------------------------------------------------------------------------------------------


def at(training_class, day, start, end):
    return ClassSession.objects.create(
        training_class=training_class, date=day, starts_at=dt.time(start), ends_at=dt.time(end), place="Hội trường"
    )


@pytest.fixture
def three_classes(cast):
    """L01 on 05/10/2027 8–11; L02 the same day 10–12 (overlaps); L03 the same day 13–15 (does not)."""
    day = dt.date(2027, 10, 5)
    first, second, third = (make_class(cast.tree.commune, year=2027, code=f"L0{n}") for n in (1, 2, 3))
    at(first, day, 8, 11)
    at(second, day, 10, 12)
    at(third, day, 13, 15)
    return first, second, third


def test_a_person_in_two_classes_at_the_same_time_is_flagged_and_still_enrolled(client, cast, three_classes):
    first, second, third = three_classes
    (an,) = people(cast, "Lê Văn An")
    enrol(second, cast.member_a)
    enrol(third, an)
    counts = services.enrol_people(first, [cast.member_a.pk, an.pk], by=cast.local)
    assert (counts.enrolled, counts.clashes) == (2, 1)
    assert services.clashes(first) == {cast.member_a.pk: [(second.pk, "L02")]}
    client.force_login(cast.local)
    response = client.get(reverse("delivery:class-detail", args=[first.pk]))
    page = response.content.decode()
    assert response.context["clash_count"] == 1
    assert "Cũng đang học lớp khác cùng giờ:" in page and "L02" in page


def test_finding_clashes_takes_a_fixed_number_of_queries(cast, three_classes, django_assert_max_num_queries):
    first, second, _third = three_classes
    crowd = [make_staff(cast.tree.school_a, f"Người Số {n}", code=f"GV-C-{n:03d}") for n in range(12)]
    enrol(first, *crowd)
    enrol(second, *crowd)
    with django_assert_max_num_queries(2):
        assert len(services.clashes(first)) == 12


# Bulk enrolment from approved plans ------------------------------------------------------------------------


@pytest.fixture
def planned(cast, approved_plan):
    """School A: member_a (approved, GVPT 04–07), Minh (approved, 01–04), Lan (approved without 04), Hà (only
    submitted, with 04), Đức (approved with 04, already in another class for it); school B: Trần Văn Đức
    (approved with 04). The class: the commune's, GVPT 04, one place."""
    minh, lan, ha, duc = (
        make_staff(cast.tree.school_a, name, code=code, gender=gender)
        for name, code, gender in (
            ("Lò Văn Minh", "GV-A-002", "nam"),
            ("Đỗ Thị Lan", "GV-A-003", "nu"),
            ("Vi Thị Hà", "GV-A-004", "nu"),
            ("Hoàng Văn Đức", "GV-A-005", "nam"),
        )
    )
    approve_plan(minh, (1, 2, 3, 4))
    approve_plan(lan, (1, 2, 3, 5))
    submitted_plan(ha, (1, 2, 3, 4))
    approve_plan(duc, (1, 2, 3, 4))
    approve_plan(cast.member_b, (1, 2, 3, 4))
    module = TrainingModule.objects.get(code="GVPT 04")
    elsewhere = make_class(cast.tree.province, year=2027, code="SO-04", modules=[module])
    enrol(elsewhere, duc)
    training_class = make_class(cast.tree.commune, year=2027, code="PA-04", modules=[module], capacity=1)
    return training_class


def run_job(training_class, unit, by) -> EnrolmentJob:
    job = EnrolmentJob.objects.create(training_class=training_class, unit=unit, requested_by=by)
    tasks.run(job.pk)
    job.refresh_from_db()
    return job


def test_bulk_enrolment_takes_only_approved_plans_with_the_class_modules(cast, planned):
    job = run_job(planned, cast.tree.commune, cast.local)
    assert job.status == JobStatus.DONE
    assert statuses(planned) == {"Nguyễn Thị Hoà": "enrolled", "Lò Văn Minh": "waiting"}
    assert set(planned.enrolments.values_list("source", flat=True)) == {"plan"}
    assert (job.total, job.done, job.enrolled, job.waiting, job.skipped, job.clashes) == (3, 3, 1, 1, 1, 0)


def test_running_the_bulk_enrolment_again_enrols_nobody_twice(cast, planned):
    run_job(planned, cast.tree.commune, cast.local)
    again = run_job(planned, cast.tree.commune, cast.local)
    assert (again.enrolled, again.waiting, again.skipped) == (0, 0, 3)
    assert planned.enrolments.count() == 2


def test_a_job_resumed_after_its_worker_stopped_keeps_its_counts(cast, planned):
    job = run_job(planned, cast.tree.commune, cast.local)
    EnrolmentJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, done=1)
    tasks.run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.enrolled, job.waiting, job.skipped) == ("done", 1, 1, 1)
    assert planned.enrolments.count() == 2


def test_bulk_enrolment_counts_clashes(cast, planned):
    other = make_class(cast.tree.province, year=2027, code="SO-X")
    at(other, dt.date(2027, 10, 5), 8, 11)
    at(planned, dt.date(2027, 10, 5), 9, 10)
    enrol(other, cast.member_a)
    job = run_job(planned, cast.tree.commune, cast.local)
    assert (job.enrolled, job.clashes) == (1, 1)


def test_the_class_page_starts_the_job_and_its_page_shows_the_counts(client, cast, planned):
    client.force_login(cast.local)
    url = reverse("delivery:enrol-from-plans", args=[planned.pk])
    preview = client.get(url, {"unit": "PA"})
    assert (preview.context["preview"]["demand"], preview.context["preview"]["candidates"]) == (3, 2)
    response = client.post(url, {"unit": "PA"})
    job = EnrolmentJob.objects.get()
    assert response.url == reverse("delivery:enrolment-job", args=[job.pk])
    page = client.get(response.url).content.decode()
    assert "Xong" in page and "đã ghi danh" in page and "danh sách chờ" in page
    poll = client.get(response.url, headers={"HX-Request": "true"})
    assert poll.status_code == 204 and poll["HX-Refresh"] == "true"


def test_the_job_page_polls_while_the_job_runs(client, cast, planned):
    job = EnrolmentJob.objects.create(training_class=planned, unit=cast.tree.commune, requested_by=cast.local)
    EnrolmentJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, total=10, done=4)
    client.force_login(cast.local)
    page = client.get(reverse("delivery:enrolment-job", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and '<progress max="10" value="4">' in page


def test_only_a_class_of_modules_is_filled_from_plans(client, cast):
    training_class = make_class(cast.tree.commune, year=2027, content="01")
    client.force_login(cast.local)
    response = client.get(reverse("delivery:enrol-from-plans", args=[training_class.pk]), follow=True)
    assert "Chỉ lớp thuộc nội dung 03" in response.content.decode()


def test_bulk_enrolment_of_two_thousand_people_takes_a_few_queries_per_chunk(
    cast, approved_plan, django_assert_max_num_queries
):
    """Chunks with bulk writes, not a query per person (the timing itself is in bench/)."""
    module = TrainingModule.objects.get(code="GVPT 04")
    crowd = [
        StaffMember(unit=cast.tree.school_a, code=f"GV-B-{n:05d}", full_name=f"Người Thứ {n}", birth_date=BIRTH)
        for n in range(2000)
    ]
    for member in crowd:
        member.derive()
    crowd = StaffMember.objects.bulk_create(crowd)
    plans = PersonalPlan.objects.bulk_create(
        PersonalPlan(staff=m, year=2027, unit=m.unit, programme=approved_plan.programme, status=PlanStatus.APPROVED)
        for m in crowd
    )
    PersonalPlanItem.objects.bulk_create(
        PersonalPlanItem(plan=plan, content="03", module=module, periods=10) for plan in plans
    )
    training_class = make_class(cast.tree.commune, year=2027, modules=[module], capacity=1500)
    job = EnrolmentJob.objects.create(training_class=training_class, unit=cast.tree.commune, requested_by=cast.local)
    with django_assert_max_num_queries(80):
        tasks.run(job.pk)
    job.refresh_from_db()
    assert (job.total, job.done, job.enrolled, job.waiting) == (2001, 2001, 1500, 501)
    assert (
        training_class.enrolments.filter(outcome="pending", reasons=[["score_missing", {"count": 1}]]).count() == 2001
    )


# Requests to join ------------------------------------------------------------------------------------------


@pytest.fixture
def offered(cast):
    """The commune's open class taking requests, one place, its session next month."""
    return make_class(
        cast.tree.commune,
        year=2027,
        code="PA-TU",
        capacity=1,
        self_enrol=True,
        sessions=1,
        first_day=TODAY + dt.timedelta(days=30),
    )


def test_a_teacher_asks_to_join_and_the_commune_accepts_then_the_next_waits(client, cast, offered):
    client.force_login(cast.teacher_a)
    page = client.get(reverse("delivery:open-classes")).content.decode()
    assert "PA-TU" in page and "Xin tham gia" in page
    client.post(reverse("delivery:class-join", args=[offered.pk]))
    assert statuses(offered) == {"Nguyễn Thị Hoà": "requested"}
    (an,) = people(cast, "Lê Văn An")
    an_request = Enrolment.objects.create(training_class=offered, staff=an, status="requested", source="self")
    client.force_login(cast.local)
    response = client.post(
        reverse("delivery:requests-decide", args=[offered.pk]),
        {"enrolment": [offered.enrolments.get(staff=cast.member_a).pk, an_request.pk], "decision": "approve"},
        follow=True,
    )
    assert statuses(offered) == {"Nguyễn Thị Hoà": "enrolled", "Lê Văn An": "waiting"}
    assert "1 người đã được ghi danh." in response.content.decode()


def test_declined_requests_are_recorded_and_cannot_be_asked_again(client, cast, offered):
    enrolment = services.request_to_join(offered, cast.member_a, by=cast.teacher_a)
    counts = services.decide_requests(offered, [enrolment.pk], approve=False, by=cast.local)
    assert counts.rejected == 1 and statuses(offered) == {"Nguyễn Thị Hoà": "rejected"}
    with pytest.raises(DeliveryError, match="đã bị từ chối"):
        services.request_to_join(offered, cast.member_a, by=cast.teacher_a)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"enrol_closes": TODAY - dt.timedelta(days=1)}, "Lớp này hiện không nhận ghi danh"),
        ({"self_enrol": False}, "Lớp này không nhận đăng ký tham gia"),
        ({"status": "draft"}, "Lớp này không nhận đăng ký tham gia"),
    ],
)
def test_a_request_outside_what_the_class_offers_gets_a_clear_message(client, cast, offered, change, message):
    type(offered).objects.filter(pk=offered.pk).update(**change)
    client.force_login(cast.teacher_a)
    response = client.post(reverse("delivery:class-join", args=[offered.pk]), follow=True)
    if change.get("status") == "draft":
        assert response.status_code == 404  # a draft is not seen below the organiser
    else:
        assert message in response.content.decode()
        assert not offered.enrolments.exists()


def test_a_class_of_another_branch_is_not_offered(cast):
    school_b_class = make_class(cast.tree.school_b, year=2027, self_enrol=True)
    with pytest.raises(DeliveryError):
        services.request_to_join(school_b_class, cast.member_a, by=cast.teacher_a)


# Withdrawal and the learner's pages ------------------------------------------------------------------------


def test_a_learner_leaves_before_the_class_starts_but_not_after(client, cast, offered):
    (mine,) = enrol(offered, cast.member_a)
    client.force_login(cast.teacher_a)
    client.post(reverse("delivery:enrolment-withdraw", args=[mine.pk]))
    mine.refresh_from_db()
    assert mine.status == "withdrawn"
    started = make_class(cast.tree.commune, year=2026, code="PA-CU", sessions=1, first_day=TODAY - dt.timedelta(days=1))
    (there,) = enrol(started, cast.member_a)
    response = client.post(reverse("delivery:enrolment-withdraw", args=[there.pk]), follow=True)
    there.refresh_from_db()
    assert there.status == "enrolled"
    assert "Lớp đã bắt đầu" in response.content.decode()


def test_someone_else_in_the_class_cannot_withdraw_a_learner(client, cast, offered):
    (mine,) = enrol(offered, cast.member_a)
    other_user = cast.principal_a  # sees member_a's enrolment (their teacher) but does not run the commune's class
    client.force_login(other_user)
    assert client.post(reverse("delivery:enrolment-withdraw", args=[mine.pk])).status_code == 403


def test_my_classes_shows_my_status_the_next_session_and_my_outcome(client, cast, offered):
    enrol(offered, cast.member_a)
    client.force_login(cast.teacher_a)
    response = client.get(reverse("delivery:my-classes"))
    page = response.content.decode()
    first_day = (TODAY + dt.timedelta(days=30)).strftime("%d/%m/%Y")
    assert "PA-TU" in page and "Đã ghi danh" in page and first_day in page and "Chưa xong" in page
    assert "Rời lớp" in page


def test_enrol_by_hand_finds_people_without_diacritics_and_enrols_the_ticked(client, cast, offered):
    (an,) = people(cast, "Lê Văn An")
    client.force_login(cast.local)
    url = reverse("delivery:enrol-people", args=[offered.pk])
    response = client.get(url, {"q": "le van"})
    assert [m.full_name for m in response.context["page"].object_list] == ["Lê Văn An"]
    response = client.post(url, {"staff": [an.pk, cast.member_a.pk]}, follow=True)
    assert statuses(offered) == {"Lê Văn An": "enrolled", "Nguyễn Thị Hoà": "waiting"}  # in the order ticked
    assert "1 người đã được ghi danh." in response.content.decode()


def test_the_enrolment_pages_of_a_class_are_403_for_someone_who_only_sees_it(client, cast, offered):
    client.force_login(cast.teacher_a)
    assert client.get(reverse("delivery:enrol-people", args=[offered.pk])).status_code == 403
    assert client.get(reverse("delivery:enrol-from-plans", args=[offered.pk])).status_code == 403
    assert client.post(reverse("delivery:requests-decide", args=[offered.pk])).status_code == 403


def test_an_outsider_gets_404_on_every_enrolment_page(client, cast, offered):
    (mine,) = enrol(offered, cast.member_a)
    job = EnrolmentJob.objects.create(training_class=offered, unit=cast.tree.school_a, requested_by=cast.local)
    client.force_login(cast.principal_b)
    for name, pk in [
        ("delivery:enrol-people", offered.pk),
        ("delivery:enrol-from-plans", offered.pk),
        ("delivery:enrolment-job", job.pk),
        ("delivery:class-join", offered.pk),
    ]:
        assert client.get(reverse(name, args=[pk])).status_code in (404, 405)
    assert client.post(reverse("delivery:requests-decide", args=[offered.pk])).status_code == 404
    assert client.post(reverse("delivery:enrolment-withdraw", args=[mine.pk])).status_code == 404
    assert client.post(reverse("delivery:class-join", args=[offered.pk])).status_code == 404

"""Classes: the list (filters, search without diacritics, bounded queries), creating, editing (with the version
check), publishing and closing, sessions (dd/mm/yyyy, end after start, no deletion once attendance was taken), and
the class page with its presenters' Điều 9 status."""

import datetime as dt

import pytest
from django.urls import reverse

from bdtx.catalog.models import TrainingModule
from bdtx.delivery import services
from bdtx.delivery.models import Attendance, ClassSession, Trainer, TrainingClass
from bdtx.testing import enrol, make_class, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def modules(programmes):
    TrainingModule.objects.filter(code__startswith="GVPT").update(periods=10)
    return list(TrainingModule.objects.filter(code__in=["GVPT 04", "GVPT 05"]).order_by("code"))


def class_data(**changes) -> dict:
    data = {
        "organiser": "PA",
        "year": "2027-2028",
        "code": "PA-01",
        "title": "Bồi dưỡng mô đun 4",
        "content": "03",
        "periods": "20",
        "mode": "ket_hop",
        "capacity": "40",
        "enrol_opens": "01/09/2027",
        "enrol_closes": "30/09/2027",
        "self_enrol": "on",
        "min_attendance_percent": "",
        "description": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_a_commune_officer_creates_a_draft_class_then_publishes_it(client, cast, modules):
    client.force_login(cast.local)
    response = client.post(reverse("delivery:class-new"), class_data(modules=[modules[0].pk]))
    training_class = TrainingClass.objects.get()
    assert response.url == reverse("delivery:class-detail", args=[training_class.pk])
    assert (training_class.organiser, training_class.year, training_class.status) == (cast.tree.commune, 2027, "draft")
    assert training_class.enrol_closes == dt.date(2027, 9, 30) and training_class.mode == "ket_hop"
    assert list(training_class.modules.all()) == [modules[0]]
    client.force_login(cast.teacher_a)
    assert client.get(reverse("delivery:class-detail", args=[training_class.pk])).status_code == 404
    client.force_login(cast.local)
    response = client.post(
        reverse("delivery:class-publish", args=[training_class.pk]), {"version": training_class.version}, follow=True
    )
    assert "đã được công bố" in response.content.decode()
    client.force_login(cast.teacher_a)
    assert client.get(reverse("delivery:class-detail", args=[training_class.pk])).status_code == 200


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({}, "modules", "Lớp thuộc nội dung 03 dạy một hoặc nhiều mô đun: hãy đánh dấu chọn."),
        ({"year": "2027-2029"}, "year", "“2027-2029” không phải là năm học"),
        ({"enrol_closes": "31/08/2027"}, "enrol_closes", "Hạn ghi danh trước ngày mở ghi danh"),
        ({"enrol_opens": "31/02/2027"}, "enrol_opens", "31/02/2027"),
        ({"capacity": "0"}, "capacity", "Hãy nhập số nguyên từ 1 đến 100000."),
        ({"organiser": "TB"}, "organiser", "Không có đơn vị nào có mã “TB”"),
    ],
)
def test_the_class_form_names_the_field_to_fix(client, cast, modules, changes, field, message):
    client.force_login(cast.local)
    response = client.post(reverse("delivery:class-new"), class_data(**changes))
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get(field, []))
    assert message in errors
    assert not TrainingClass.objects.exists()


def test_a_code_used_twice_in_a_unit_and_year_is_refused(client, cast, modules):
    make_class(cast.tree.commune, year=2027, code="PA-01", content="01")
    client.force_login(cast.local)
    response = client.post(reverse("delivery:class-new"), class_data(modules=[modules[0].pk]))
    assert "đã có lớp mã PA-01" in response.content.decode()


def test_someone_who_only_sees_a_class_cannot_change_it(client, cast):
    training_class = make_class(cast.tree.commune, year=2027, sessions=1)
    client.force_login(cast.teacher_a)
    assert client.get(reverse("delivery:class-detail", args=[training_class.pk])).status_code == 200
    assert client.get(reverse("delivery:class-edit", args=[training_class.pk])).status_code == 403
    assert client.post(reverse("delivery:class-close", args=[training_class.pk])).status_code == 403
    session = training_class.sessions.get()
    assert client.get(reverse("delivery:session-edit", args=[session.pk])).status_code == 403


def test_the_second_of_two_people_editing_a_class_is_told_to_reload(client, cast, modules):
    training_class = make_class(cast.tree.commune, year=2027, code="PA-01", modules=[modules[0]])
    client.force_login(cast.local)
    url = reverse("delivery:class-edit", args=[training_class.pk])
    read = client.get(url).context["form"].initial["version"]
    data = class_data(modules=[modules[0].pk], version=read)
    assert client.post(url, data).status_code == 302
    response = client.post(url, {**data, "title": "Tên khác"})
    assert "Lớp này vừa được người khác thay đổi" in response.content.decode()
    training_class.refresh_from_db()
    assert training_class.title == "Bồi dưỡng mô đun 4"


def test_closing_a_class_declines_the_requests_still_waiting(cast):
    training_class = make_class(cast.tree.commune, year=2027, self_enrol=True)
    services.request_to_join(training_class, cast.member_a, by=cast.teacher_a)
    services.close_class(training_class, by=cast.local)
    assert training_class.enrolments.get().status == "rejected"
    with pytest.raises(services.DeliveryError):
        services.enrol_people(training_class, [cast.member_a.pk], by=cast.local)


# Sessions --------------------------------------------------------------------------------------------------


def test_sessions_are_added_with_dates_as_dd_mm_yyyy(client, cast):
    training_class = make_class(cast.tree.commune, year=2027)
    client.force_login(cast.local)
    response = client.post(
        reverse("delivery:session-new", args=[training_class.pk]),
        {"date": "05/10/2027", "starts_at": "7h30", "ends_at": "11:00", "place": "Hội trường UBND", "periods": "4"},
    )
    assert response.status_code == 302
    session = training_class.sessions.get()
    assert (session.date, session.starts_at, session.ends_at) == (dt.date(2027, 10, 5), dt.time(7, 30), dt.time(11))
    page = client.get(reverse("delivery:class-detail", args=[training_class.pk])).content.decode()
    assert "05/10/2027" in page and "07:30–11:00" in page and "Buổi học & điểm danh" in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"ends_at": "07:00"}, "ends_at", "Buổi học phải kết thúc sau khi bắt đầu"),
        ({"starts_at": "25:00"}, "starts_at", "“25:00” không phải là giờ"),
        ({"date": "hôm nay"}, "date", "“hôm nay” không phải là ngày"),
        ({"place": "", "online_link": ""}, "place", "Hãy ghi địa điểm của buổi học, hoặc đường dẫn học trực tuyến."),
    ],
)
def test_a_session_form_names_what_to_fix(client, cast, changes, field, message):
    training_class = make_class(cast.tree.commune, year=2027)
    client.force_login(cast.local)
    data = {"date": "05/10/2027", "starts_at": "08:00", "ends_at": "11:00", "place": "Phòng 1", "periods": "4"}
    response = client.post(reverse("delivery:session-new", args=[training_class.pk]), {**data, **changes})
    assert message in " ".join(response.context["form"].errors[field])
    assert not training_class.sessions.exists()


def test_a_session_where_attendance_was_taken_cannot_be_deleted(client, cast):
    training_class = make_class(cast.tree.commune, year=2027, sessions=2)
    first, second = training_class.sessions.all()
    (enrolment,) = enrol(training_class, cast.member_a)
    Attendance.objects.create(session=first, enrolment=enrolment, present=True, method="sheet")
    client.force_login(cast.local)
    response = client.post(reverse("delivery:session-delete", args=[first.pk]), follow=True)
    assert "Đã điểm danh buổi học ngày 05/10/2027" in response.content.decode()
    client.post(reverse("delivery:session-delete", args=[second.pk]))
    assert list(ClassSession.objects.filter(training_class=training_class)) == [first]


def test_a_session_changed_meanwhile_is_not_overwritten(client, cast):
    training_class = make_class(cast.tree.commune, year=2027, sessions=1)
    session = training_class.sessions.get()
    client.force_login(cast.local)
    url = reverse("delivery:session-edit", args=[session.pk])
    stamp = client.get(url).context["form"].initial["stamp"]
    ClassSession.objects.filter(pk=session.pk).update(place="Phòng khác")
    response = client.post(
        url, {"date": "06/10/2027", "starts_at": "08:00", "ends_at": "11:00", "place": "Phòng 2", "periods": "4",
              "stamp": stamp}
    )  # fmt: skip
    assert "Buổi học này vừa được người khác thay đổi" in response.content.decode()


# The class page and the list -------------------------------------------------------------------------------


def test_the_class_page_shows_the_facts_the_presenters_and_their_dieu_9_status(client, cast):
    training_class = make_class(cast.tree.commune, year=2027, content="01", sessions=2, capacity=30)
    good = Trainer.objects.create(
        unit=cast.tree.commune, full_name="Lò Thị Mai", degree="thac_si", bdtx_years=5, it_standard=True
    )
    short = Trainer.objects.create(unit=cast.tree.commune, full_name="Vi Văn Tùng", degree="cao_dang", bdtx_years=1)
    training_class.trainers.set([good, short])
    enrol(training_class, cast.member_a)
    client.force_login(cast.local)
    page = client.get(reverse("delivery:class-detail", args=[training_class.pk])).content.decode()
    assert "UBND phường Tân Phong" in page and "2027-2028" in page and "1 / 30" in page
    assert "đáp ứng Điều 9" in page
    assert "Trình độ Cao đẳng thấp hơn Đại học" in page and "1 năm kinh nghiệm BDTX" in page
    assert "Nguyễn Thị Hoà" in page


def test_a_learner_sees_the_class_but_not_the_list_of_people(client, cast):
    training_class = make_class(cast.tree.commune, year=2027, sessions=1)
    enrol(training_class, cast.member_b)  # someone else in the class
    enrol(training_class, cast.member_a)
    client.force_login(cast.teacher_a)
    response = client.get(reverse("delivery:class-detail", args=[training_class.pk]))
    page = response.content.decode()
    assert "Đã ghi danh" in page and "Trần Văn Đức" not in page and "enrolled" not in response.context


@pytest.fixture
def listed(cast):
    TrainingClass.objects.bulk_create(
        TrainingClass(
            organiser=cast.tree.commune, year=2027, code=f"PA-{n:02d}", title=f"Lớp số {n}", content="01", periods=10,
            status="open",
        )
        for n in range(8)
    )  # fmt: skip
    make_class(cast.tree.province, year=2026, code="SO-GDDP", title="Giáo dục địa phương", content="02")
    make_class(cast.tree.school_b, year=2027, code="TB-01", title="Lớp của trường B", content="01")
    return cast


def test_the_list_filters_by_year_and_searches_titles_without_diacritics(client, listed):
    client.force_login(listed.local)
    response = client.get(reverse("delivery:class-list"), {"q": "giao duc dia phuong"})
    assert [c.code for c in response.context["page"].object_list] == ["SO-GDDP"]
    response = client.get(reverse("delivery:class-list"), {"year": "2027-2028"})
    codes = [c.code for c in response.context["page"].object_list]
    assert len(codes) == 8 and "TB-01" not in codes and "SO-GDDP" not in codes
    response = client.get(reverse("delivery:class-list"), {"year": "2027-2029"})
    assert "“2027-2029” không phải là năm học" in response.content.decode()


def test_the_list_answers_htmx_with_its_rows_only(client, listed):
    client.force_login(listed.officer)
    response = client.get(reverse("delivery:class-list"), {"content": "02"}, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="rows">') and "SO-GDDP" in page


def test_the_class_list_asks_a_bounded_number_of_queries(client, listed, django_assert_max_num_queries):
    for n in range(8):
        cls = TrainingClass.objects.get(code=f"PA-{n:02d}")
        enrol(cls, listed.member_a)
    client.force_login(listed.local)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("delivery:class-list"))
    assert response.status_code == 200 and len(response.context["page"].object_list) == 9


def test_the_class_page_asks_a_bounded_number_of_queries(client, cast, django_assert_max_num_queries):
    training_class = make_class(cast.tree.commune, year=2027, sessions=5, capacity=3)
    crowd = [cast.member_a, *make_staffs(cast, 6)]
    enrol(training_class, *crowd[:3])
    services.enrol_people(training_class, [m.pk for m in crowd[3:]], by=cast.local)
    client.force_login(cast.local)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("delivery:class-detail", args=[training_class.pk]))
    assert len(response.context["enrolled"].object_list) == 3 and len(response.context["waiting"]) == 4


def make_staffs(cast, count):
    return [make_staff(cast.tree.school_a, f"Người Số {n}", code=f"GV-Q-{n:03d}") for n in range(count)]


def test_an_outsider_gets_404_on_every_class_page(client, cast):
    training_class = make_class(cast.tree.commune, year=2027, sessions=1)
    session = training_class.sessions.get()
    client.force_login(cast.principal_b)
    for name, pk in [
        ("delivery:class-detail", training_class.pk),
        ("delivery:class-edit", training_class.pk),
        ("delivery:session-new", training_class.pk),
        ("delivery:session-edit", session.pk),
    ]:
        assert client.get(reverse(name, args=[pk])).status_code == 404
    for name, pk in [
        ("delivery:class-publish", training_class.pk),
        ("delivery:class-close", training_class.pk),
        ("delivery:session-delete", session.pk),
    ]:
        assert client.post(reverse(name, args=[pk])).status_code == 404


def test_a_class_for_a_module_is_opened_from_the_plans_demand_page(client, cast, approved_plan):
    module = TrainingModule.objects.get(code="GVPT 04")
    client.force_login(cast.local)
    page = client.get(reverse("plans:demand"), {"year": "2027-2028"}).content.decode()
    link = f"{reverse('delivery:class-new')}?module={module.pk}&amp;year=2027-2028"
    assert link in page and "Mở lớp" in page
    form = client.get(reverse("delivery:class-new"), {"module": module.pk, "year": "2027-2028"}).context["form"]
    assert (form.initial["modules"], form.initial["year"], form.initial["organiser"]) == (
        [module.pk],
        "2027-2028",
        "PA",
    )

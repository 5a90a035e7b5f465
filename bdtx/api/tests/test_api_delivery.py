"""The classes API: scoped lists with filters, one class with its sessions, a class's enrolments (read; enrol one
person by id or code through the same service as the screen), one enrolment; 404 outside, 403 visible but not
allowed."""

import pytest

from bdtx.delivery.models import Enrolment, Trainer
from bdtx.testing import enrol, make_class, make_staff

pytestmark = pytest.mark.django_db
CLASSES = "/api/v1/classes/"


@pytest.fixture
def classes(cast):
    """The commune's open class (one place, two sessions, a presenter); the Sở's draft; school B's class."""
    commune = make_class(cast.tree.commune, year=2027, code="PA-01", content="01", sessions=2, capacity=1)
    commune.trainers.add(
        Trainer.objects.create(unit=cast.tree.commune, full_name="Lò Thị Mai", degree="cao_dang", bdtx_years=4)
    )
    draft = make_class(cast.tree.province, year=2026, code="SO-01", content="02", status="draft")
    school_b = make_class(cast.tree.school_b, year=2027, code="TB-01", content="01")
    return commune, draft, school_b


def test_the_list_is_scoped_and_filtered(api, cast, classes):
    codes = lambda body: [row["code"] for row in body["results"]]  # noqa: E731
    assert codes(api(cast.officer).get(CLASSES).json()) == ["PA-01", "TB-01", "SO-01"]
    assert codes(api(cast.local).get(CLASSES).json()) == ["PA-01"]  # the Sở's class is a draft
    assert codes(api(cast.officer).get(CLASSES, {"year": 2027, "unit": "PA"}).json()) == ["PA-01"]
    assert codes(api(cast.officer).get(CLASSES, {"status": "draft"}).json()) == ["SO-01"]
    row = api(cast.local).get(CLASSES).json()["results"][0]
    assert (row["school_year"], row["organiser"]["code"], row["capacity"], row["enrolled"]) == ("2027-2028", "PA", 1, 0)


def test_a_bad_filter_gets_a_message(api, cast, classes):
    response = api(cast.officer).get(CLASSES, {"status": "mở"})
    assert response.status_code == 400 and "status" in response.json()
    response = api(cast.local).get(CLASSES, {"unit": "TB"})
    assert response.status_code == 400 and "Không có đơn vị “TB”" in response.json()["unit"][0]


def test_one_class_comes_with_its_sessions_and_presenters(api, cast, classes):
    commune, _draft, _b = classes
    body = api(cast.teacher_a).get(f"{CLASSES}{commune.pk}/").json()
    assert [s["date"] for s in body["sessions"]] == ["2027-10-05", "2027-10-06"]
    assert body["trainers"][0]["meets_requirements"] is False
    assert "Trình độ Cao đẳng thấp hơn Đại học" in body["trainers"][0]["missing"][0]


def test_enrolling_by_code_fills_the_class_then_the_waiting_list(api, cast, classes):
    commune, _draft, _b = classes
    an = make_staff(cast.tree.school_a, "Lê Văn An", code="GV-A-009")
    client = api(cast.local)
    first = client.post(f"{CLASSES}{commune.pk}/enrolments/", {"staff": "GV-A-001"})
    assert first.status_code == 201 and first.json()["status"] == "enrolled" and first.json()["clashes"] == []
    second = client.post(f"{CLASSES}{commune.pk}/enrolments/", {"staff": an.pk})
    assert second.status_code == 201 and second.json()["status"] == "waiting"
    again = client.post(f"{CLASSES}{commune.pk}/enrolments/", {"staff": "GV-A-001"})
    assert again.status_code == 409 and "đã ở trong lớp này" in again.json()["detail"]
    listed = client.get(f"{CLASSES}{commune.pk}/enrolments/", {"status": "waiting"}).json()
    assert [row["staff"]["code"] for row in listed["results"]] == ["GV-A-009"]


def test_enrolling_someone_unknown_or_outside_gets_400(api, cast, classes):
    commune, _draft, _b = classes
    response = api(cast.local).post(f"{CLASSES}{commune.pk}/enrolments/", {"staff": "GV-B-001"})
    assert response.status_code == 400 and "GV-B-001" in response.json()["staff"][0]
    response = api(cast.local).post(f"{CLASSES}{commune.pk}/enrolments/", {})
    assert response.status_code == 400 and "staff" in response.json()


def test_visible_but_not_allowed_is_403(api, cast, classes):
    commune, _draft, _b = classes
    client = api(cast.teacher_a)
    assert client.get(f"{CLASSES}{commune.pk}/enrolments/").status_code == 403
    assert client.post(f"{CLASSES}{commune.pk}/enrolments/", {"staff": "GV-A-001"}).status_code == 403


def test_an_enrolment_is_read_by_the_person_and_those_who_run_the_class(api, cast, classes):
    commune, _draft, _b = classes
    (enrolment,) = enrol(commune, cast.member_a)
    for user in (cast.teacher_a, cast.local, cast.principal_a):
        body = api(user).get(f"/api/v1/enrolments/{enrolment.pk}/").json()
        assert (body["staff"]["code"], body["status"], body["outcome"]) == ("GV-A-001", "enrolled", "pending")
    assert api(cast.principal_b).get(f"/api/v1/enrolments/{enrolment.pk}/").status_code == 404


def test_an_outsider_gets_404_on_every_class_endpoint(api, cast, classes):
    commune, _draft, _b = classes
    client = api(cast.principal_b)
    assert client.get(f"{CLASSES}{commune.pk}/").status_code == 404
    assert client.get(f"{CLASSES}{commune.pk}/enrolments/").status_code == 404
    assert client.post(f"{CLASSES}{commune.pk}/enrolments/", {"staff": "GV-B-001"}).status_code == 404
    assert not Enrolment.objects.exists()


def test_the_list_asks_a_bounded_number_of_queries(api, cast, classes, django_assert_max_num_queries):
    for n in range(10):
        make_class(cast.tree.commune, year=2027, code=f"PA-X{n}", content="01", sessions=1)
    client = api(cast.officer)
    with django_assert_max_num_queries(10):
        body = client.get(CLASSES).json()
    assert body["count"] == 13


def test_anonymous_callers_are_refused(api, classes):
    assert api().get(CLASSES).status_code in (401, 403)

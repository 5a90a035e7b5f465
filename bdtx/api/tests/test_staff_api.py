import datetime as dt

from bdtx.staff.models import ChangeSource, StaffChange, StaffMember
from bdtx.testing import make_staff

LIST = "/api/v1/staff/"


def detail(member) -> str:
    return f"/api/v1/staff/{member.pk}/"


def new_person(**overrides) -> dict:
    data = {
        "code": "GV-A-100",
        "full_name": "Lò Thị Phương",
        "birth_date": "1990-03-15",
        "gender": "nu",
        "citizen_id": "012190001234",
        "ethnicity": "Thái",
        "unit_code": "TA",
        "group": "teacher",
        "levels": ["tieu_hoc"],
        "subjects": "Toán",
        "qualification": "Đại học",
        "is_core": True,
        "phone": "0912345678",
        "email": "phuong@ta.edu.vn",
        "joined_on": "2012-09-05",
    }
    return data | overrides


def test_the_list_works_with_a_token(api, cast):
    response = api(cast.officer).get(LIST)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    first = next(row for row in body["results"] if row["code"] == "GV-A-001")
    assert first["full_name"] == "Nguyễn Thị Hoà"
    assert first["given_name"] == "Hoà"
    assert first["birth_date"] == "1985-09-05"
    assert first["unit"] == cast.tree.school_a.pk
    assert first["unit_code"] == "TA"
    assert first["levels"] == []
    assert first["version"] == 1


def test_an_anonymous_caller_gets_401(api, cast):
    assert api().get(LIST).status_code == 401
    assert api().get(detail(cast.member_a)).status_code == 401


def test_a_wrong_token_gets_401(client, cast):
    response = client.get(LIST, headers={"Authorization": "Token 0123456789abcdef"})
    assert response.status_code == 401


def test_session_sign_in_works_too(client, cast):
    client.force_login(cast.officer)
    assert client.get(LIST).json()["count"] == 2


def test_the_outsider_sees_only_their_school(api, cast):
    response = api(cast.principal_b).get(LIST)
    assert [row["code"] for row in response.json()["results"]] == ["GV-B-001"]


def test_the_outsider_gets_404_on_a_school_a_record(api, cast):
    client = api(cast.principal_b)
    assert client.get(detail(cast.member_a)).status_code == 404
    assert client.patch(detail(cast.member_a), {"phone": "0912345678"}).status_code == 404


def test_a_teacher_sees_only_their_own_record(api, cast):
    make_staff(cast.tree.school_a, "Trần Thị Lan", code="GV-A-002")
    client = api(cast.teacher_a)
    assert [row["code"] for row in client.get(LIST).json()["results"]] == ["GV-A-001"]
    assert client.get(detail(cast.member_a)).status_code == 200


def test_a_teacher_cannot_change_their_own_record(api, cast):
    response = api(cast.teacher_a).patch(detail(cast.member_a), {"phone": "0912345678"})
    assert response.status_code == 403
    cast.member_a.refresh_from_db()
    assert cast.member_a.phone == ""


def test_a_teacher_cannot_add_people(api, cast):
    assert api(cast.teacher_a).post(LIST, new_person()).status_code == 403


def test_the_list_filters_by_unit_subtree_by_id_or_code(api, cast):
    client = api(cast.officer)
    by_code = client.get(LIST, {"unit": "PA"}).json()
    by_id = client.get(LIST, {"unit": cast.tree.commune.pk}).json()
    assert [row["code"] for row in by_code["results"]] == ["GV-A-001"]
    assert by_id == by_code


def test_a_unit_filter_outside_scope_is_refused_by_name(api, cast):
    response = api(cast.principal_b).get(LIST, {"unit": "TA"})
    assert response.status_code == 400
    assert "TA" in response.json()["unit"][0]


def test_the_search_ignores_diacritics(api, cast):
    client = api(cast.officer)
    assert [row["code"] for row in client.get(LIST, {"q": "nguyen thi hoa"}).json()["results"]] == ["GV-A-001"]
    assert [row["code"] for row in client.get(LIST, {"q": "ĐỨC"}).json()["results"]] == ["GV-B-001"]


def test_the_list_filters_by_level_group_and_status(api, cast):
    make_staff(cast.tree.school_b, "Vàng A Sình", code="GV-B-002", gender="nam", levels="thpt", group="manager")
    make_staff(cast.tree.school_b, "Lường Văn Hùng", code="GV-B-003", gender="nam", status="retired")
    client = api(cast.officer)
    assert [r["code"] for r in client.get(LIST, {"level": "THPT"}).json()["results"]] == ["GV-B-002"]
    assert [r["code"] for r in client.get(LIST, {"group": "Cán bộ quản lý"}).json()["results"]] == ["GV-B-002"]
    assert [r["code"] for r in client.get(LIST, {"status": "retired"}).json()["results"]] == ["GV-B-003"]


def test_a_bad_filter_value_is_named(api, cast):
    response = api(cast.officer).get(LIST, {"level": "đại học"})
    assert response.status_code == 400
    assert "level" in response.json()


def test_the_list_is_paginated(api, cast):
    for number in range(5):
        make_staff(cast.tree.school_a, f"Lò Thị Mai {chr(65 + number)}", code=f"P{number}")
    client = api(cast.officer)
    first = client.get(LIST, {"page_size": 3}).json()
    assert first["count"] == 7
    assert len(first["results"]) == 3
    assert first["next"]
    second = client.get(LIST, {"page_size": 3, "page": 3}).json()
    assert len(second["results"]) == 1
    assert client.get(LIST, {"page_size": 3, "page": 9}).status_code == 404


def test_the_page_size_is_capped_at_500(api, cast):
    response = api(cast.officer).get(LIST, {"page_size": 100000})
    assert response.status_code == 200


def test_the_list_needs_a_bounded_number_of_queries(api, cast, django_assert_max_num_queries):
    for number in range(30):
        make_staff(
            cast.tree.school_a,
            f"Nguyễn Văn Nam {number}".replace(str(number), "") + f" {chr(65 + number % 26)}",
            code=f"Q{number:03d}",
            gender="nam",
        )
    client = api(cast.officer)
    # 6 reads, and the access log's INSERT (within a savepoint, inside the test's transaction).
    with django_assert_max_num_queries(9):
        response = client.get(LIST, {"unit": "TA", "q": "nguyen"})
    assert response.json()["count"] == 31


def test_a_principal_adds_a_person_through_the_service(api, cast):
    response = api(cast.principal_a).post(LIST, new_person())
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["code"] == "GV-A-100"
    assert body["levels"] == ["tieu_hoc"]
    assert body["qualification"] == "dai_hoc"
    assert body["unit_code"] == "TA"
    member = StaffMember.objects.get(code="GV-A-100")
    assert member.birth_date == dt.date(1990, 3, 15)
    assert member.assignments.count() == 1
    change = StaffChange.objects.get(staff=member)
    assert (change.action, change.source, change.by) == ("created", ChangeSource.API, cast.principal_a)


def test_adding_accepts_vietnamese_labels_and_dd_mm_yyyy(api, cast):
    data = new_person(
        gender="Nữ",
        birth_date="15/03/1990",
        levels="Tiểu học",
        group="Giáo viên",
        unit_code=None,
        unit=cast.tree.school_a.pk,
    )
    response = api(cast.officer).post(LIST, data)
    assert response.status_code == 201, response.json()
    assert response.json()["gender"] == "nu"


def test_adding_with_bad_values_names_each_field(api, cast):
    response = api(cast.principal_a, "en").post(
        LIST, new_person(citizen_id="012090001234", phone="12", birth_date="31/02/1990", email="x")
    )
    assert response.status_code == 400
    errors = response.json()
    assert "not a real date" in errors["birth_date"][0]
    assert "phone number" in errors["phone"][0]
    assert "e-mail" in errors["email"][0]
    assert StaffMember.objects.filter(code="GV-A-100").count() == 0


def test_a_citizen_id_that_disagrees_with_the_gender_is_refused(api, cast):
    response = api(cast.principal_a, "en").post(LIST, new_person(citizen_id="012090001234"))
    assert response.status_code == 400
    assert "4th digit" in response.json()["citizen_id"][0]


def test_adding_without_the_required_fields_says_which(api, cast):
    response = api(cast.principal_a, "en").post(LIST, {"full_name": "Lò Văn Ánh"})
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"code", "birth_date", "unit"}
    assert errors["code"] == ["This field is required."]


def test_adding_a_taken_code_or_citizen_id_is_refused(api, cast):
    response = api(cast.officer, "en").post(
        LIST, new_person(code="GV-B-001", citizen_id="012185000123", birth_date="1985-01-01")
    )
    assert response.status_code == 400
    assert "already has the code" in response.json()["code"][0]
    assert "already has the citizen ID" in response.json()["citizen_id"][0]


def test_a_principal_cannot_add_people_to_another_school(api, cast):
    response = api(cast.principal_a).post(LIST, new_person(unit_code="TB"))
    assert response.status_code == 400
    assert "TB" in response.json()["unit"][0]


def test_the_error_messages_are_translated_for_vietnamese_callers(api, cast):
    response = api(cast.principal_a).post(LIST, {"full_name": "Lò Văn Ánh"})
    assert response.status_code == 400
    assert response.json()["code"] == ["Trường này là bắt buộc."]


def test_a_principal_updates_a_record(api, cast):
    response = api(cast.principal_a).patch(detail(cast.member_a), {"phone": "0912 345 678", "version": 1})
    assert response.status_code == 200, response.json()
    assert response.json()["phone"] == "0912345678"
    assert response.json()["version"] == 2
    change = cast.member_a.changes.get(action="updated")
    assert change.changes == {"phone": ["", "0912345678"]} and change.source == ChangeSource.API


def test_a_stale_version_gets_409_and_changes_nothing(api, cast):
    client = api(cast.principal_a)
    client.patch(detail(cast.member_a), {"phone": "0912345678"})
    response = client.patch(detail(cast.member_a), {"phone": "0987654321", "version": 1})
    assert response.status_code == 409
    assert response.json()["detail"]
    cast.member_a.refresh_from_db()
    assert cast.member_a.phone == "0912345678"


def test_changing_the_gender_alone_is_checked_against_the_stored_citizen_id(api, cast):
    response = api(cast.principal_a, "en").patch(detail(cast.member_a), {"gender": "nam"})
    assert response.status_code == 400
    assert "4th digit" in response.json()["citizen_id"][0]


def test_a_full_update_needs_the_required_fields(api, cast):
    response = api(cast.principal_a).put(detail(cast.member_a), {"phone": "0912345678"})
    assert response.status_code == 400
    assert {"code", "full_name", "birth_date"} <= set(response.json())


def test_an_officer_transfers_a_person_by_changing_the_unit(api, cast):
    response = api(cast.officer).patch(detail(cast.member_a), {"unit_code": "TB"})
    assert response.status_code == 200, response.json()
    assert response.json()["unit_code"] == "TB"
    assert cast.member_a.changes.filter(action="transferred").exists()


def test_a_principal_cannot_move_a_person_out_of_their_scope(api, cast):
    response = api(cast.principal_a).patch(detail(cast.member_a), {"unit": cast.tree.school_b.pk})
    assert response.status_code == 400
    cast.member_a.refresh_from_db()
    assert cast.member_a.unit == cast.tree.school_a

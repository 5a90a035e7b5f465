from bdtx.organisations.models import Unit, UnitKind
from bdtx.organisations.services import unit_stamp
from bdtx.testing import make_unit

LIST = "/api/v1/units/"


def detail(unit) -> str:
    return f"/api/v1/units/{unit.pk}/"


def test_the_list_shows_the_units_in_scope(api, cast):
    body = api(cast.officer).get(LIST).json()
    assert [row["code"] for row in body["results"]] == ["SO", "PA", "TA", "TB"]
    school_a = body["results"][2]
    assert school_a == {
        "id": cast.tree.school_a.pk, "code": "TA", "name": "Trường Tiểu học Tân Phong", "kind": "school",
        "levels": ["tieu_hoc"], "parent": cast.tree.commune.pk, "parent_code": "PA", "active": True,
        "stamp": unit_stamp(Unit.objects.get(pk=cast.tree.school_a.pk)),
    }  # fmt: skip


def test_a_principal_sees_only_their_school(api, cast):
    body = api(cast.principal_b).get(LIST).json()
    assert [row["code"] for row in body["results"]] == ["TB"]


def test_an_anonymous_caller_gets_401(api, cast):
    assert api().get(LIST).status_code == 401


def test_the_outsider_gets_404_on_another_unit(api, cast):
    assert api(cast.principal_b).get(detail(cast.tree.school_a)).status_code == 404
    assert api(cast.principal_b).patch(detail(cast.tree.school_a), {"name": "X"}).status_code == 404


def test_the_list_filters_by_parent_kind_and_words_without_diacritics(api, cast):
    client = api(cast.officer)
    children = client.get(LIST, {"parent": cast.tree.province.pk}).json()["results"]
    assert [row["code"] for row in children] == ["PA", "TB"]
    communes = client.get(LIST, {"kind": "commune"}).json()["results"]
    assert [row["code"] for row in communes] == ["PA"]
    found = client.get(LIST, {"q": "tan phong truong"}).json()["results"]
    assert [row["code"] for row in found] == ["TA"]


def test_a_bad_kind_filter_is_named(api, cast):
    response = api(cast.officer).get(LIST, {"kind": "castle"})
    assert response.status_code == 400
    assert "castle" in response.json()["kind"][0]


def test_the_list_needs_a_bounded_number_of_queries(api, cast, django_assert_max_num_queries):
    for number in range(20):
        make_unit(f"X{number}", parent=cast.tree.commune, levels="mam_non")
    client = api(cast.officer)
    with django_assert_max_num_queries(4):
        response = client.get(LIST)
    assert response.json()["count"] == 24


def test_an_officer_creates_a_unit_below_their_own(api, cast):
    data = {"code": "MN-TP", "name": "Trường Mầm non Tân Phong", "kind": "school", "levels": ["Mầm non"],
            "parent_code": "PA"}  # fmt: skip
    response = api(cast.officer).post(LIST, data)
    assert response.status_code == 201, response.json()
    unit = Unit.objects.get(code="MN-TP")
    assert unit.path == f"{cast.tree.commune.path}{unit.pk}/"
    assert response.json()["levels"] == ["mam_non"]


def test_a_local_officer_cannot_create_beside_their_commune(api, cast):
    data = {"code": "X1", "name": "Trường X", "parent": cast.tree.province.pk}
    response = api(cast.local).post(LIST, data)
    assert response.status_code == 400
    assert str(cast.tree.province.pk) in response.json()["parent"][0]


def test_a_local_officer_cannot_change_their_own_commune(api, cast):
    assert api(cast.local).patch(detail(cast.tree.commune), {"name": "X"}).status_code == 403


def test_a_principal_cannot_create_units(api, cast):
    data = {"code": "X1", "name": "Trường X", "parent": cast.tree.school_a.pk}
    assert api(cast.principal_a).post(LIST, data).status_code == 403
    assert not Unit.objects.filter(code="X1").exists()


def test_creating_with_bad_values_names_each_field(api, cast):
    data = {"code": "TA", "name": "", "kind": "castle", "levels": "Đại học", "parent": 999999}
    response = api(cast.officer, "en").post(LIST, data)
    assert response.status_code == 400
    errors = response.json()
    assert "already has the code" in errors["code"][0]
    assert errors["name"] == ["This field is required."]
    assert "castle" in errors["kind"][0]
    assert "Đại học" in errors["levels"][0]
    assert "999999" in errors["parent"][0]


def test_an_officer_renames_and_moves_a_unit(api, cast):
    response = api(cast.officer).patch(
        detail(cast.tree.school_b),
        {
            "name": "Trường THPT Lê Quý Đôn",
            "parent_code": "PA",
            "stamp": unit_stamp(Unit.objects.get(pk=cast.tree.school_b.pk)),
        },
    )
    assert response.status_code == 200, response.json()
    school_b = Unit.objects.get(pk=cast.tree.school_b.pk)
    assert school_b.name == "Trường THPT Lê Quý Đôn"
    assert school_b.path.startswith(cast.tree.commune.path)
    assert school_b.moves.count() == 1


def test_a_unit_cannot_move_under_itself(api, cast):
    response = api(cast.officer, "en").patch(
        detail(cast.tree.commune),
        {"parent": cast.tree.school_a.pk, "stamp": unit_stamp(Unit.objects.get(pk=cast.tree.commune.pk))},
    )
    assert response.status_code == 400
    assert "under itself" in response.json()["parent"][0]


def test_a_principal_cannot_change_their_school(api, cast):
    assert api(cast.principal_a).patch(detail(cast.tree.school_a), {"name": "X"}).status_code == 403
    assert Unit.objects.get(pk=cast.tree.school_a.pk).kind == UnitKind.SCHOOL


def test_a_second_change_from_an_old_read_is_refused_with_409_and_the_first_stays(api, cast):
    # Two callers read the school (same stamp); the first renames it, the second's rename from its old read is refused.
    stamp = api(cast.officer).get(detail(cast.tree.school_a)).json()["stamp"]
    assert api(cast.local).get(detail(cast.tree.school_a)).json()["stamp"] == stamp
    first = api(cast.officer).patch(detail(cast.tree.school_a), {"name": "Trường TH Tân Phong 1", "stamp": stamp})
    assert first.status_code == 200
    second = api(cast.local).patch(detail(cast.tree.school_a), {"name": "Trường TH Tân Phong 2", "stamp": stamp})
    assert second.status_code == 409
    assert second.json()["detail"] == ("Người khác đã sửa đơn vị này sau khi bạn mở. Hãy tải lại trang rồi sửa lại.")
    assert Unit.objects.get(pk=cast.tree.school_a.pk).name == "Trường TH Tân Phong 1"
    again = api(cast.local).get(detail(cast.tree.school_a)).json()["stamp"]
    third = api(cast.local).patch(detail(cast.tree.school_a), {"name": "Trường TH Tân Phong 2", "stamp": again})
    assert third.status_code == 200
    assert Unit.objects.get(pk=cast.tree.school_a.pk).name == "Trường TH Tân Phong 2"


def test_a_change_without_the_stamp_is_refused_and_says_to_send_it(api, cast):
    response = api(cast.officer).patch(detail(cast.tree.school_a), {"name": "X"})
    assert response.status_code == 400
    assert response.json()["stamp"] == [
        "Hãy gửi “stamp” như khi bạn đọc bằng GET: thay đổi dựa trên dữ liệu cũ sẽ bị từ chối, không được áp dụng."
    ]
    assert Unit.objects.get(pk=cast.tree.school_a.pk).name == "Trường Tiểu học Tân Phong"

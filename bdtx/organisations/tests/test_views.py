import pytest
from django.urls import reverse

from bdtx.organisations.models import Unit, UnitMove
from bdtx.testing import make_staff, make_unit

TREE = reverse("organisations:tree")


def test_the_tree_starts_at_the_users_units_with_staff_counts(client, cast):
    make_staff(cast.tree.school_b, "Lê Văn An")
    client.force_login(cast.officer)
    response = client.get(TREE)
    assert [(n.code, n.staff_count, n.child_count) for n in response.context["nodes"]] == [("SO", 3, 2)]
    client.force_login(cast.local)
    nodes = client.get(TREE).context["nodes"]
    assert [(n.code, n.staff_count) for n in nodes] == [("PA", 1)]


def test_children_load_on_demand_with_one_query_for_the_counts(client, cast, django_assert_max_num_queries):
    for i in range(20):
        school = make_unit(f"S{i:02d}", f"Trường số {i:02d}", parent=cast.tree.province)
        make_staff(school, "Lê Văn An")
    client.force_login(cast.officer)
    with django_assert_max_num_queries(7):
        response = client.get(
            reverse("organisations:children", args=[cast.tree.province.pk]), headers={"HX-Request": "true"}
        )
    nodes = response.context["nodes"]
    assert len(nodes) == 22
    assert {n.code: n.staff_count for n in nodes}["PA"] == 1
    assert response.content.decode().lstrip().startswith('<ul class="tree">')
    with django_assert_max_num_queries(7):
        client.get(TREE)


def test_an_outsider_gets_404_on_a_unit_and_its_children(client, cast):
    client.force_login(cast.principal_b)
    for name in ["organisations:detail", "organisations:children", "organisations:edit", "organisations:create"]:
        assert client.get(reverse(name, args=[cast.tree.school_a.pk])).status_code == 404


def test_the_detail_links_only_the_ancestors_in_scope(client, cast):
    client.force_login(cast.local)
    response = client.get(reverse("organisations:detail", args=[cast.tree.school_a.pk]))
    assert [(u.code, linked) for u, linked in response.context["crumbs"]] == [("SO", False), ("PA", True)]
    body = response.content.decode()
    assert reverse("organisations:detail", args=[cast.tree.province.pk]) not in body
    assert f"{reverse('staff:list')}?unit=TA" in body
    assert response.context["can_edit"] and response.context["can_add_child"]


def test_a_principal_sees_their_school_but_cannot_edit_it(client, cast):
    client.force_login(cast.principal_a)
    school = cast.tree.school_a
    response = client.get(reverse("organisations:detail", args=[school.pk]))
    assert not response.context["can_edit"]
    assert client.get(reverse("organisations:edit", args=[school.pk])).status_code == 403


def test_an_officer_creates_a_unit_under_their_commune(client, cast):
    client.force_login(cast.local)
    url = reverse("organisations:create", args=[cast.tree.commune.pk])
    data = {
        "code": "TC",
        "name": "Trường THCS Tân Phong",
        "kind": "school",
        "levels": ["thcs"],
        "parent": "PA",
        "active": "on",
    }
    response = client.post(url, data)
    unit = Unit.objects.get(code="TC")
    assert response.url == reverse("organisations:detail", args=[unit.pk])
    assert (unit.parent, unit.levels, unit.path) == (cast.tree.commune, "thcs", f"{cast.tree.commune.path}{unit.pk}/")


def test_the_unit_form_explains_bad_input(client, cast):
    client.force_login(cast.local)
    url = reverse("organisations:create", args=[cast.tree.commune.pk])
    response = client.post(url, {"code": "TA", "name": " ", "kind": "school", "parent": "TB"})
    errors = response.context["form"].errors
    assert errors["code"] == ["Mã “TA” đã được dùng cho đơn vị khác. Hãy chọn mã khác."]
    assert errors["name"]
    assert "Không có đơn vị nào có mã “TB” trong các đơn vị của bạn" in errors["parent"][0]


def test_editing_a_parent_moves_the_unit_and_records_the_move(client, cast):
    client.force_login(cast.officer)
    school = cast.tree.school_b
    data = {
        "code": "TB",
        "name": "Trường THPT Chuyên Lê Quý Đôn",
        "kind": "school",
        "levels": ["thpt"],
        "parent": "PA",
        "active": "on",
    }
    assert client.post(reverse("organisations:edit", args=[school.pk]), data).status_code == 302
    school.refresh_from_db()
    assert school.parent == cast.tree.commune
    move = UnitMove.objects.get(unit=school)
    assert (move.old_parent, move.new_parent, move.moved_by) == (cast.tree.province, cast.tree.commune, cast.officer)
    response = client.get(reverse("organisations:detail", args=[school.pk]))
    assert "Sở Giáo dục và Đào tạo Lai Châu" in response.content.decode()


@pytest.mark.parametrize("parent", ["TA", "PA"])
def test_a_unit_cannot_become_its_own_ancestor(client, cast, parent):
    client.force_login(cast.officer)
    commune = cast.tree.commune
    data = {"code": "PA", "name": "UBND phường Tân Phong", "kind": "commune", "parent": parent, "active": "on"}
    response = client.post(reverse("organisations:edit", args=[commune.pk]), data)
    assert response.status_code == 200
    assert "Không có đơn vị nào có mã" in response.context["form"].errors["parent"][0]

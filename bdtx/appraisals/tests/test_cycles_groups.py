"""Subject groups of a school and the unit's evaluation policy."""

import pytest
from django.urls import reverse

from bdtx.appraisals.models import EvaluationPolicy, SubjectGroup
from bdtx.appraisals.services import save_group
from bdtx.testing import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def school(cast):
    binh = make_staff(cast.tree.school_a, "Lê Văn Bình", position="Giáo viên")
    cuong = make_staff(cast.tree.school_a, "Phạm Quốc Cường")
    return cast, binh, cuong


def test_the_principal_creates_a_group_with_a_leader_and_members(client, school):
    cast, binh, cuong = school
    client.force_login(cast.principal_a)
    response = client.post(
        reverse("appraisals:group-new", args=[cast.tree.school_a.pk]),
        {"name": "Tổ 1 – 2", "leader": binh.pk, "members": [cast.member_a.pk, cuong.pk]},
    )
    assert response.status_code == 302 and response.url == reverse("appraisals:groups", args=[cast.tree.school_a.pk])
    group = SubjectGroup.objects.get()
    assert group.leader == binh and set(group.members.all()) == {binh, cuong, cast.member_a}


def test_the_form_offers_the_schools_people_as_checkboxes(client, school):
    cast, binh, _cuong = school
    make_staff(cast.tree.school_a, "Ngô Thị Lan", group="employee")
    client.force_login(cast.principal_a)
    page = client.get(reverse("appraisals:group-new", args=[cast.tree.school_a.pk])).content.decode()
    assert 'type="checkbox"' in page and "Lê Văn Bình (Giáo viên)" in page
    assert "Trần Văn Đức" not in page  # school B
    assert "Ngô Thị Lan" not in page  # employees are not rated against the standard


def test_a_group_without_members_is_refused_with_the_field_named(client, school):
    cast, *_ = school
    client.force_login(cast.principal_a)
    response = client.post(reverse("appraisals:group-new", args=[cast.tree.school_a.pk]), {"name": "Tổ Văn"})
    assert "Hãy chọn các thành viên của tổ" in response.content.decode()
    assert not SubjectGroup.objects.exists()


def test_a_person_of_another_school_cannot_be_added(client, school):
    cast, *_ = school
    client.force_login(cast.principal_a)
    response = client.post(
        reverse("appraisals:group-new", args=[cast.tree.school_a.pk]), {"name": "Tổ Văn", "members": [cast.member_b.pk]}
    )
    assert response.status_code == 200 and "has-error" in response.content.decode()
    assert not SubjectGroup.objects.exists()


def test_a_second_group_with_the_same_name_is_refused(client, school):
    cast, binh, _cuong = school
    save_group(unit=cast.tree.school_a, name="Tổ Toán", leader=None, members=[binh])
    client.force_login(cast.principal_a)
    response = client.post(
        reverse("appraisals:group-new", args=[cast.tree.school_a.pk]), {"name": "tổ toán", "members": [binh.pk]}
    )
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    assert SubjectGroup.objects.count() == 1


def test_the_principal_edits_a_group(client, school):
    cast, binh, cuong = school
    group = save_group(unit=cast.tree.school_a, name="Tổ Toán", leader=None, members=[binh])
    client.force_login(cast.principal_a)
    page = client.get(reverse("appraisals:group-edit", args=[group.pk])).content.decode()
    assert "Tổ Toán" in page and "checked" in page
    client.post(reverse("appraisals:group-edit", args=[group.pk]), {"name": "Tổ Toán – Tin", "members": [cuong.pk]})
    group.refresh_from_db()
    assert group.name == "Tổ Toán – Tin" and list(group.members.all()) == [cuong]


def test_the_groups_page_lists_the_groups_and_who_is_in_none(client, school, django_assert_max_num_queries):
    cast, binh, _cuong = school
    save_group(unit=cast.tree.school_a, name="Tổ Toán", leader=binh, members=[binh])
    save_group(unit=cast.tree.school_a, name="Tổ Văn", leader=None, members=[cast.member_a])
    client.force_login(cast.principal_a)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("appraisals:groups", args=[cast.tree.school_a.pk]))
    page = response.content.decode()
    assert "Tổ Toán" in page and "Tổ Văn" in page and "Lê Văn Bình" in page
    assert [member.full_name for member in response.context["outside"]] == ["Phạm Quốc Cường"]


def test_the_outsider_and_a_teacher_get_404_on_the_schools_groups(client, school):
    cast, binh, _cuong = school
    group = save_group(unit=cast.tree.school_a, name="Tổ Toán", leader=None, members=[binh])
    for user in (cast.principal_b, cast.teacher_a):
        client.force_login(user)
        assert client.get(reverse("appraisals:groups", args=[cast.tree.school_a.pk])).status_code == 404
        assert client.post(reverse("appraisals:group-new", args=[cast.tree.school_a.pk])).status_code == 404
        assert client.post(reverse("appraisals:group-edit", args=[group.pk]), {"name": "X"}).status_code == 404
    group.refresh_from_db()
    assert group.name == "Tổ Toán"


def test_the_principal_decides_to_evaluate_every_year_with_the_decision(client, cast):
    client.force_login(cast.principal_a)
    url = reverse("appraisals:policy", args=[cast.tree.school_a.pk])
    response = client.post(url, {"yearly": "on", "note": "QĐ 12/QĐ-UBND ngày 02/03/2026"}, follow=True)
    policy = EvaluationPolicy.objects.get(unit=cast.tree.school_a)
    assert policy.yearly and policy.decided_by == cast.principal_a
    page = response.content.decode()
    assert "Hằng năm" in page and "QĐ 12/QĐ-UBND" in page and "principal_a" in page


def test_evaluating_every_year_needs_the_decision_or_reason(client, cast):
    client.force_login(cast.principal_a)
    response = client.post(reverse("appraisals:policy", args=[cast.tree.school_a.pk]), {"yearly": "on", "note": " "})
    assert "Hãy ghi quyết định hoặc lý do" in response.content.decode()
    assert not EvaluationPolicy.objects.exists()


def test_a_yearly_policy_above_is_shown_at_the_school(client, cast):
    EvaluationPolicy.objects.create(unit=cast.tree.commune, yearly=True, note="Công văn 45", decided_by=cast.local)
    client.force_login(cast.principal_a)
    page = client.get(reverse("appraisals:policy", args=[cast.tree.school_a.pk])).content.decode()
    assert "UBND phường Tân Phong" in page and "Công văn 45" in page


def test_the_outsider_gets_404_on_the_schools_policy(client, cast):
    for user in (cast.principal_b, cast.teacher_a):
        client.force_login(user)
        url = reverse("appraisals:policy", args=[cast.tree.school_a.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"yearly": "on", "note": "x"}).status_code == 404
    assert not EvaluationPolicy.objects.exists()
